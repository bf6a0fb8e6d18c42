from django.conf import settings
from ninja.security import APIKeyCookie, HttpBearer

from callstudio.accounts.services import token_lookup

# What a 401 says: each kind of credential names itself, so a sender holding the wrong one knows
# which one it needs.
INGEST_KEY_NEEDED = (
    "Sending calls needs an ingest key (created by an admin under Organization, API keys): "
    "Authorization: Bearer <ingest key>."
)


class PersonalTokenAuth(HttpBearer):
    """`Authorization: Bearer cs_pat_...`."""

    def authenticate(self, request, token):
        found = token_lookup(token)
        if found is None:
            return None
        request.user = found.account
        # A token caller is not "the current session", even if a session cookie came along.
        request.via_token = True
        # The organizations whose SSO the minting session had signed in with (require_sso).
        request.token_sso_org_ids = frozenset(found.sso_org_ids)
        return found.account


class BrowserSessionAuth(APIKeyCookie):
    """The signed-in browser session, with Django's CSRF check on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        # No session cookie: not a browser session, so no CSRF question (the caller gets 401).
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


AUTH = [PersonalTokenAuth(), BrowserSessionAuth()]
