from ninja.security import APIKeyCookie, HttpBearer

from callstudio.accounts.services import token_authenticate


class PersonalTokenAuth(HttpBearer):
    """`Authorization: Bearer cs_pat_...`."""

    def authenticate(self, request, token):
        account = token_authenticate(token)
        if account is not None:
            request.user = account
        return account


class BrowserSessionAuth(APIKeyCookie):
    """The signed-in browser session, with Django's CSRF check on unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


AUTH = [PersonalTokenAuth(), BrowserSessionAuth()]
