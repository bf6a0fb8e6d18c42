from django.db import InterfaceError, OperationalError
from django.shortcuts import render
from redis.exceptions import RedisError

from callstudio.access.policy import MFA_SETUP_PAGE, MfaRequired, SsoRequired
from callstudio.accounts.sessions import track
from callstudio.core.errors import DomainError, NotFound

from .errors import error_page

# No inline scripts or styles anywhere: everything comes from our own static files.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """Headers Django does not set itself (X-Frame-Options, nosniff and Referrer-Policy come from
    Django's own middleware and settings)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


# A database or Redis that does not answer: a page that says so, to retry (503, Retry-After),
# never a 500. (Only what needs Redis reaches it: sign-in counts failures there.)
OUTAGES = (OperationalError, InterfaceError, RedisError)


class DomainErrorMiddleware:
    """Pages raise the same domain errors as the API; here they become the 404/403/409 page, and
    an outage the 503 page. (The API maps them to problem+json itself, before this runs.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OUTAGES):
            return error_page(
                request,
                503,
                "Service unavailable",
                "A service this page needs is not answering. Try again in a moment.",
                retry_after=5,
            )
        if not isinstance(exception, DomainError):
            return None
        if isinstance(exception, MfaRequired):
            # The organization's data stays out of reach: only how to get back in is shown.
            return render(
                request,
                "web/mfa_required.html",
                {"required_by": exception.organization, "setup_url": MFA_SETUP_PAGE},
                status=403,
            )
        if isinstance(exception, SsoRequired):
            return render(
                request,
                "web/sso_required.html",
                {"required_by": exception.organization, "login_url": exception.login_url},
                status=403,
            )
        detail = (
            "This page does not exist, or you have no access to it."
            if isinstance(exception, NotFound)
            else exception.detail
        )
        return error_page(request, exception.status, exception.title, detail)


class SessionActivityMiddleware:
    """Signed-in browser sessions: absolute and idle expiry, last seen (accounts/sessions.py).
    No query on most requests: the session is touched at most once a minute."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        track(request)
        return self.get_response(request)
