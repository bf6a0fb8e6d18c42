"""Single sign-on per organization (PRODUCT §8.1): one identity provider connection and the
email domains the organization has proven it owns."""

from django.db import models
from django.db.models import Q

from callstudio.core.ids import ID_MAX_LENGTH
from callstudio.orgs.models import Organization


class SsoConnection(models.Model):
    """The organization's identity provider: OpenID Connect (issuer, client ID and secret) or
    SAML 2.0 (the IdP's metadata XML). The client secret is stored encrypted and never read
    back through the API. Links between accounts and IdP subjects are allauth SocialAccount rows
    under this connection's provider ID (see sso/providers.py)."""

    OIDC = "oidc"
    SAML = "saml"
    PROTOCOLS = [(OIDC, "OpenID Connect"), (SAML, "SAML 2.0")]

    organization = models.OneToOneField(
        Organization, primary_key=True, on_delete=models.CASCADE, related_name="sso"
    )
    protocol = models.CharField(max_length=4, choices=PROTOCOLS)
    # OpenID Connect.
    issuer = models.CharField(max_length=500, blank=True)
    client_id = models.CharField(max_length=255, blank=True)
    client_secret = models.TextField(blank=True)  # encrypted
    # SAML 2.0.
    idp_metadata_xml = models.TextField(blank=True)
    # Just-in-time: an unknown person the IdP vouches for gets an account and a membership with
    # `default_role` (a built-in key or an org-scope custom role id of this organization).
    jit = models.BooleanField(default=False)
    default_role = models.CharField(max_length=ID_MAX_LENGTH, default="member")
    # Members whose email is in a verified domain reach the organization only through a session
    # that signed in with this connection (Admins with MFA keep password access).
    require_sso = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class OrgDomain(models.Model):
    """An email domain an organization claims; verified once its TXT record is found. A
    verified domain belongs to one organization only (the partial unique constraint)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253)  # lower case, IDNA (punycode) form
    # The value the organization publishes as a TXT record at the domain.
    txt_record = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "domain"], name="one_claim_per_org"),
            models.UniqueConstraint(
                fields=["domain"],
                condition=Q(verified_at__isnull=False),
                name="verified_domain_one_org",
            ),
        ]
