from django.db import models
from django.db.models.functions import Lower

from callstudio.core.ids import ID_MAX_LENGTH, new_role_id
from callstudio.core.validation import name_skeleton
from callstudio.orgs.models import NameSkeletonManager


class Role(models.Model):
    """A custom role of one organization: a named set of catalog permissions with a scope."""

    SCOPES = [("org", "Organization"), ("team", "Team")]

    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_role_id)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="roles"
    )
    name = models.CharField(max_length=100)
    # The name's TR39 confusable skeleton, unique in the organization (see orgs.Team). Kept by
    # save().
    name_skeleton = models.TextField(default="", editable=False)
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
        ]

    def save(self, *args, **kwargs):
        self.name_skeleton = name_skeleton(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_skeleton"}
        super().save(*args, **kwargs)

    @property
    def permission_set(self) -> frozenset[str]:
        return frozenset(self.permissions)
