from django.conf import settings
from ninja.security import HttpBearer

from callstudio.calls.ingest import ingest_key_authenticate
from callstudio.core import ratelimit


class IngestKeyAuth(HttpBearer):
    """`Authorization: Bearer cs_ik_...`: an organization's ingest key."""

    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        key = ingest_key_authenticate(token)
        if key is not None:
            ratelimit.hit(
                "ingest", key.id, limit=settings.CALLSTUDIO_INGEST_REQUESTS_PER_MINUTE, window=60
            )
        return key
