from django.conf import settings
from ninja.security import HttpBearer

from callstudio.api.auth import INGEST_KEY_NEEDED
from callstudio.calls.ingest import ingest_key_authenticate
from callstudio.core import ratelimit
from callstudio.core.errors import Unauthorized


class IngestKeyAuth(HttpBearer):
    """`Authorization: Bearer cs_ik_...`: an organization's ingest key."""

    openapi_scheme = "bearer"

    def __call__(self, request):
        # Without this, a missing or wrong key gets the API's generic 401 asking for a personal
        # API token, which is the one credential ingestion does not take.
        key = super().__call__(request)
        if key is None:
            raise Unauthorized(INGEST_KEY_NEEDED)
        return key

    def authenticate(self, request, token):
        key = ingest_key_authenticate(token)
        if key is not None:
            # Pacing only: without Redis to count in, calls still come in (docs/operations.md).
            ratelimit.hit(
                "ingest",
                key.id,
                limit=settings.CALLSTUDIO_INGEST_REQUESTS_PER_MINUTE,
                window=60,
                open_when_down=True,
            )
        return key
