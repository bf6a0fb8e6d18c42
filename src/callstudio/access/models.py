from django.db import models
from django.db.models.functions import Lower

from callstudio.core.ids import ID_MAX_LENGTH, new_role_id
from callstudio.orgs.models import NameSkeletonManager, fill_name_keys, save_update_fields


class Role(models.Model):
    """A custom role of one organization: a named set of catalog permissions with a scope."""

    SCOPES = [("org", "Organization"), ("team", "Team")]

    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_role_id)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="roles"
    )
    name = models.CharField(max_length=100)
    # The name's two keys, each unique in the organization (see orgs.Team). Kept by save().
    name_skeleton = models.TextField(default="", editable=False)
    name_case_skeleton = models.TextField(default="", editable=False)
    description = models.CharField(max_length=500, blank=True)
    scope = models.CharField(max_length=8, choices=SCOPES)
    permissions = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NameSkeletonManager()

    class Meta:
        constraints = [
            models.UniqueConstraint("organization", Lower("name"), name="role_name_unique_in_org"),
            models.UniqueConstraint(
                fields=["organization", "name_skeleton"], name="role_name_skeleton_unique_in_org"
            ),
            models.UniqueConstraint(
                fields=["organization", "name_case_skeleton"],
                name="role_name_case_skeleton_unique_in_org",
            ),
        ]

    def save(self, *args, **kwargs):
        fill_name_keys(self)
        super().save(*args, **save_update_fields(kwargs))

    @property
    def permission_set(self) -> frozenset[str]:
        return frozenset(self.permissions)
