from ninja.security import HttpBearer

from callstudio.calls.ingest import ingest_key_authenticate


class IngestKeyAuth(HttpBearer):
    """`Authorization: Bearer cs_ik_...`: an organization's ingest key."""

    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        return ingest_key_authenticate(token)
