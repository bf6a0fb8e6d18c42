from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from callstudio.core.ids import ID_MAX_LENGTH, new_org_id, new_team_id, new_workflow_id
from callstudio.core.validation import name_skeleton

TEAM_NAME_MAX = 100
TEAM_DESCRIPTION_MAX = 2000


class NameSkeletonManager(models.Manager):
    """bulk_create skips save(): fill each row's `name_skeleton` here too, so no path stores a
    team or role without it."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.name_skeleton = name_skeleton(obj.name)
        return super().bulk_create(objs, *args, **kwargs)


class Organization(models.Model):
    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_org_id)
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_team_id)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=TEAM_NAME_MAX)
    # The name's TR39 confusable skeleton (core/validation.py), unique in the organization so
    # that "Вilling" (Cyrillic В) cannot pose as "Billing", even in a race. Kept by save().
    name_skeleton = models.TextField(default="", editable=False)
    description = models.CharField(max_length=TEAM_DESCRIPTION_MAX, blank=True)
    # Globally unique: a call sent to it lands in exactly this team.
    workflow_id = models.CharField(max_length=ID_MAX_LENGTH, unique=True, default=new_workflow_id)
    created_at = models.DateTimeField(auto_now_add=True)
    # An archived team keeps its data but takes no new calls (410 on its workflow ID).
    archived_at = models.DateTimeField(null=True)

    objects = NameSkeletonManager()

    class Meta:
        constraints = [
            models.UniqueConstraint("organization", Lower("name"), name="team_name_unique_in_org"),
            models.UniqueConstraint(
                fields=["organization", "name_skeleton"], name="team_name_skeleton_unique_in_org"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_skeleton = name_skeleton(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_skeleton"}
        super().save(*args, **kwargs)


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
