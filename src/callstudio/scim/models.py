"""SCIM 2.0 provisioning (PRODUCT §8.2): the bearer tokens an identity provider uses."""

from django.conf import settings
from django.db import models

from callstudio.core.ids import ID_MAX_LENGTH, new_scim_token_id
from callstudio.orgs.models import Organization


class ScimToken(models.Model):
    """A SCIM token of one organization. Like personal tokens, only the SHA-256 digest is
    stored: the token is shown once. Its `name` (e.g. "Okta") is how the audit log and the
    pages of IdP-managed teams name the identity provider."""

    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_scim_token_id)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="scim_tokens"
    )
    name = models.CharField(max_length=100)
    hint = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True)
    revoked_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "created_at"])]


class ScimUser(models.Model):
    """What the identity provider says about one org member, kept per membership because the
    account is global and another organization's IdP may describe it differently.

    `user_name` is the IdP's login name (for Okta and Entra the email or UPN); `user_name_key`
    its lower-case form, unique among the organization's live SCIM users, is what `userName eq` looks up (indexed,
    so the lookup costs the same in an organization of 10 or 10,000). A member added by hand has
    no row: their userName is their account's email (scim/users.py)."""

    membership = models.OneToOneField(
        "orgs.OrgMembership", primary_key=True, on_delete=models.CASCADE, related_name="scim"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user_name = models.CharField(max_length=254)
    user_name_key = models.CharField(max_length=254)
    display_name = models.CharField(max_length=254, blank=True)
    # {"givenName", "familyName", "formatted"} as sent; [{"value", "type", "primary", "display"}].
    name = models.JSONField(null=True)
    emails = models.JSONField(default=list)
    # The lower-case email values between newlines ("\na@x\nb@y\n"), for `emails.value eq`.
    email_values = models.TextField(default="", blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set by SCIM's DELETE: the member is archived (never deleted) and the IdP sees the user
    # as gone (404) until it provisions the same userName again or an Admin restores them.
    deleted_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            # A userName SCIM deleted may be given to someone else (a reassigned login).
            models.UniqueConstraint(
                fields=["organization", "user_name_key"],
                condition=models.Q(deleted_at__isnull=True),
                name="scim_user_name_unique_in_org",
            )
        ]
        # The `userName eq` lookup (deleted rows included): the partial unique index above
        # cannot serve a query that does not say `deleted_at IS NULL`.
        indexes = [models.Index(fields=["organization", "user_name_key"])]


class ScimGroupMember(models.Model):
    """The identity provider's list of a group's members, kept apart from the team's
    memberships: a deactivated user stays listed by the group (and is not in the team); when
    they are reactivated they rejoin the teams of the groups that list them."""

    team = models.ForeignKey("orgs.Team", on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(
        "orgs.OrgMembership", on_delete=models.CASCADE, related_name="scim_groups"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "membership"], name="scim_group_member_once")
        ]
