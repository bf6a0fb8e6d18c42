"""Who is calling: a SCIM token of the organization in the URL, from `Authorization: Bearer`.

Nothing else is accepted — no session, no cookie, no personal API token — and a SCIM token is
accepted nowhere else (the API's auth looks up personal tokens only). Missing, unknown and
revoked tokens are 401 with `WWW-Authenticate: Bearer`. A valid token of another organization
is 404, as any other tenant's URL is for everyone in CallStudio: it must not learn whether that
organization exists."""

from datetime import timedelta

from django.utils import timezone

from .http import ScimError
from .models import ScimToken
from .tokens import token_digest

# `last_used_at` is written at most this often per token: a provisioning run of thousands of
# requests costs one write a minute, not one per request.
LAST_USED_EVERY = timedelta(minutes=1)


def _unauthorized(detail: str) -> ScimError:
    return ScimError(401, detail, headers={"WWW-Authenticate": 'Bearer realm="scim"'})


def authenticate(request, org_id: str) -> ScimToken:
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise _unauthorized("Send a SCIM token: Authorization: Bearer <token>.")
    token = (
        ScimToken.objects.select_related("organization")
        .filter(digest=token_digest(raw.strip()), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        raise _unauthorized("This SCIM token is unknown or revoked.")
    if token.organization_id != org_id:
        raise ScimError(404, "Organization not found.")
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ScimToken.objects.filter(id=token.id).update(last_used_at=now)
        token.last_used_at = now
    return token
