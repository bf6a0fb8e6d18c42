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
