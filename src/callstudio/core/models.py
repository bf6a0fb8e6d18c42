from django.conf import settings
from django.db import models


class AuditLogEntry(models.Model):
    """Who did what, when, to which target, with the state before and after.

    `organization` is empty only for account-level events (personal tokens), which belong to no
    organization's log."""

    organization = models.ForeignKey(
        "orgs.Organization", null=True, on_delete=models.CASCADE, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # An organization's identity provider acting through SCIM (PRODUCT §8.2): the SCIM token,
    # with `actor` empty and `actor_label` "SCIM token “Okta”" (scim/actor.py).
    actor_token = models.ForeignKey(
        "scim.ScimToken", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Snapshots, so an entry still reads right after names change.
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=32)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=254, blank=True)
    team = models.ForeignKey("orgs.Team", null=True, on_delete=models.SET_NULL, related_name="+")
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "id"]),
            models.Index(fields=["organization", "action", "id"]),
            models.Index(fields=["organization", "team", "id"]),
            models.Index(fields=["organization", "actor", "id"]),
        ]
