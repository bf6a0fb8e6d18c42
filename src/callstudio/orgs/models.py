from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from callstudio.core.ids import (
    ID_MAX_LENGTH,
    new_invitation_id,
    new_org_id,
    new_team_id,
    new_workflow_id,
)
from callstudio.core.validation import name_case_skeleton, name_skeleton

TEAM_NAME_MAX = 100
TEAM_DESCRIPTION_MAX = 2000


def fill_name_keys(obj) -> None:
    """A team's or role's two name keys (core/validation.py), from its name."""
    obj.name_skeleton = name_skeleton(obj.name)
    obj.name_case_skeleton = name_case_skeleton(obj.name)


NAME_KEYS = ("name_skeleton", "name_case_skeleton")


def save_update_fields(kwargs: dict) -> dict:
    """save(update_fields=[..."name"...]) writes the name keys too."""
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "name" in update_fields:
        kwargs["update_fields"] = {*update_fields, *NAME_KEYS}
    return kwargs


class NameSkeletonManager(models.Manager):
    """bulk_create skips save(): fill each row's name keys here too, so no path stores a team
    or role without them."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            fill_name_keys(obj)
        return super().bulk_create(objs, *args, **kwargs)


class Organization(models.Model):
    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_org_id)
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    # Settings (PATCH /api/v1/orgs/{org}, Organization > Settings). While `require_mfa` is on, a
    # member without a second factor reaches nothing of the organization (access/resolve.py).
    require_mfa = models.BooleanField(default=False)
    # The org role a member added without one gets: a built-in key, or an org-scope custom role
    # of this organization by id (validated by directory/services/organizations.py).
    default_role = models.CharField(max_length=ID_MAX_LENGTH, default="member")
    # SCIM (PRODUCT §8.2): the team role a member of an IdP group gets in its team.
    scim_team_role = models.CharField(max_length=ID_MAX_LENGTH, default="agent")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_team_id)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=TEAM_NAME_MAX)
    # The name's two keys (core/validation.py), each unique in the organization, so that even
    # in a race "Вilling" (Cyrillic В) cannot pose as "Billing" (its TR39 confusable skeleton)
    # nor "ВILLING" as "billing" (the skeleton of the name in capitals). Kept by save().
    name_skeleton = models.TextField(default="", editable=False)
    name_case_skeleton = models.TextField(default="", editable=False)
    description = models.CharField(max_length=TEAM_DESCRIPTION_MAX, blank=True)
    # Globally unique: a call sent to it lands in exactly this team.
    workflow_id = models.CharField(max_length=ID_MAX_LENGTH, unique=True, default=new_workflow_id)
    created_at = models.DateTimeField(auto_now_add=True)
    # An archived team keeps its data but takes no new calls (410 on its workflow ID).
    archived_at = models.DateTimeField(null=True)
    # A team created from an identity provider's group by SCIM. While `managed_by` is set (the
    # IdP's name: the name of the SCIM token that created it), its members follow the group and
    # cannot be changed by hand (409 `managed_by_idp`); the pages name the IdP.
    managed_by_token = models.ForeignKey(
        "scim.ScimToken", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    managed_by = models.CharField(max_length=100, blank=True)
    external_id = models.CharField(max_length=255, blank=True)  # the group's SCIM externalId

    objects = NameSkeletonManager()

    class Meta:
        constraints = [
            models.UniqueConstraint("organization", Lower("name"), name="team_name_unique_in_org"),
            models.UniqueConstraint(
                fields=["organization", "name_skeleton"], name="team_name_skeleton_unique_in_org"
            ),
            models.UniqueConstraint(
                fields=["organization", "name_case_skeleton"],
                name="team_name_case_skeleton_unique_in_org",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        fill_name_keys(self)
        super().save(*args, **save_update_fields(kwargs))


ONE_ROLE = (Q(role="") & Q(custom_role__isnull=False)) | (~Q(role="") & Q(custom_role__isnull=True))


class RoleAssignment(models.Model):
    """A built-in role by key, or a custom role by reference: exactly one of the two."""

    role = models.CharField(max_length=16, blank=True)
    custom_role = models.ForeignKey(
        "access.Role", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def role_ref(self) -> str:
        return self.custom_role_id or self.role


class OrgMembership(RoleAssignment):
    ACTIVE = "active"
    ARCHIVED = "archived"
    STATUSES = [(ACTIVE, "Active"), (ARCHIVED, "Archived")]

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="org_memberships"
    )
    status = models.CharField(max_length=8, choices=STATUSES, default=ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True)
    # SCIM (PRODUCT §8.2): the user's externalId in the identity provider.
    external_id = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "account"], name="one_membership_per_org"
            ),
            models.CheckConstraint(condition=ONE_ROLE, name="org_membership_one_role"),
        ]
        indexes = [models.Index(fields=["organization", "status", "id"])]


class TeamMembership(RoleAssignment):
    """A team role in one team. Revoking sets `revoked_at`: the row stays as history."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True)
    # The member's ID in the sender's systems, so calls naming {"external_id": ...} reach them.
    agent_external_id = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "account"],
                condition=Q(revoked_at__isnull=True),
                name="one_active_membership_per_team",
            ),
            # History rows may lose a custom role that was deleted after they were revoked.
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=False) | ONE_ROLE,
                name="team_membership_one_role",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "revoked_at", "id"]),
            models.Index(fields=["organization", "account", "revoked_at"]),
        ]


class Invitation(RoleAssignment):
    """An offer of membership sent to an email address. Only the SHA-256 digest of the token is
    stored: the raw token exists in the invitation mail alone, so a database reader cannot accept
    for anyone. "Expired" is a pending invitation past `expires_at` (see `effective_status`);
    the stored status turns to expired when a new invitation replaces it."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"
    STATUSES = [
        (PENDING, "Pending"),
        (ACCEPTED, "Accepted"),
        (REVOKED, "Revoked"),
        (EXPIRED, "Expired"),
    ]

    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_invitation_id)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.CharField(max_length=254)
    token_digest = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=8, choices=STATUSES, default=PENDING)
    expires_at = models.DateTimeField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True)
    revoked_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            # One open offer per address and organization, also when two admins invite at once.
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=Q(status="pending"),
                name="one_pending_invitation_per_email",
            ),
            # Finished invitations may lose a custom role deleted afterwards; open ones may not.
            models.CheckConstraint(
                condition=~Q(status="pending") | ONE_ROLE, name="invitation_one_role"
            ),
        ]
        indexes = [models.Index(fields=["organization", "status", "created_at"])]

    def effective_status(self, now) -> str:
        if self.status == self.PENDING and self.expires_at <= now:
            return self.EXPIRED
        return self.status


class InvitationTeam(RoleAssignment):
    """A team the invitee joins on accepting, with its team role: a row (not a JSON list) so the
    team and custom role references are foreign keys the database checks."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="teams")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invitation", "team"], name="one_row_per_invited_team"),
            # Rows of finished invitations lose a custom role deleted afterwards (role_delete).
            models.CheckConstraint(
                condition=ONE_ROLE | (Q(role="") & Q(custom_role__isnull=True)),
                name="invitation_team_one_role",
            ),
        ]
