"""Reads of the SSO connection: the Admin's view of it (never the secret), what to paste into the
identity provider, and which organization a sign-in by email goes to."""

from django.urls import reverse

from callstudio.access.policy import OrgAccess
from callstudio.core.links import absolute_url

from .domains import verified_domain_owner
from .models import OrgDomain, SsoConnection


def connection_of(access: OrgAccess) -> SsoConnection | None:
    """The organization's connection, for holders of `org.manage` (403 otherwise)."""
    access.require("org.manage")
    return SsoConnection.objects.filter(organization_id=access.organization.id).first()


def connection_for_login(org_id: str) -> SsoConnection | None:
    """The connection a sign-in at /sso/<org>/login uses (anyone may start one)."""
    if not isinstance(org_id, str) or len(org_id) > 64:
        return None
    return (
        SsoConnection.objects.select_related("organization").filter(organization_id=org_id).first()
    )


def verified_domains(org_id: str) -> frozenset[str]:
    return frozenset(
        OrgDomain.objects.filter(organization_id=org_id, verified_at__isnull=False).values_list(
            "domain", flat=True
        )
    )


def connection_for_email(email: str) -> SsoConnection | None:
    """The connection of the organization that verified the email's domain, if it has one. A
    verified domain belongs to one organization only (OrgDomain's constraint); the domain is
    spelled as it is stored (IDNA, accounts.models.email_domain)."""
    owner = verified_domain_owner(email)
    return connection_for_login(owner) if owner else None


def oidc_redirect_uri(org_id: str) -> str:
    return absolute_url(reverse("openid_connect_callback", kwargs={"provider_id": org_id}))


def saml_values(org_id: str) -> dict:
    """The service provider's values for a SAML IdP. h2's sso/saml.py computes them once merged;
    until then allauth's own URLs for provider id = the organization's id."""
    try:
        from . import saml
    except ImportError:
        saml = None
    if saml is not None and hasattr(saml, "sp_values"):
        return saml.sp_values(org_id)
    metadata = absolute_url(reverse("saml_metadata", kwargs={"organization_slug": org_id}))
    return {
        "entity_id": metadata,
        "acs_url": absolute_url(reverse("saml_acs", kwargs={"organization_slug": org_id})),
        "metadata_url": metadata,
    }


def connection_view(org_id: str, connection: SsoConnection | None) -> dict:
    """The API's (and the page's) view: the settings without the secret, and what each kind of
    identity provider needs — given before anything is configured too, since an IdP asks for the
    redirect URI (or ACS URL) before it hands out a client ID (or its metadata)."""
    view = {
        "configured": connection is not None,
        "protocol": connection.protocol if connection else None,
        "issuer": connection.issuer if connection else "",
        "client_id": connection.client_id if connection else "",
        "client_secret_set": bool(connection and connection.client_secret),
        "idp_metadata_set": bool(connection and connection.idp_metadata_xml),
        "jit": connection.jit if connection else False,
        "default_role": connection.default_role if connection else "member",
        "require_sso": connection.require_sso if connection else False,
        "updated_at": connection.updated_at if connection else None,
        "redirect_uri": oidc_redirect_uri(org_id),
        "scopes": "openid email profile",
        "login_url": absolute_url(f"/sso/{org_id}/login"),
        **saml_values(org_id),
    }
    return view
