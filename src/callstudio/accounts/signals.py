"""allauth's browser flows (sign-in, password change, set and reset) feed the same services the
API uses: a changed password ends every token and every other session, and each step lands in the
account's security log."""

from allauth.account import signals as allauth_signals
from django.contrib.auth import get_user

from callstudio.core.audit import AuditAction

from . import services


def _client(request) -> tuple[str, str]:
    return request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_USER_AGENT", "")


def on_logged_in(sender, request, user, **kwargs) -> None:
    ip, agent = _client(request)
    services.login_succeeded(account=user, client_ip=ip, user_agent=agent)


def on_password_changed(sender, request, user, **kwargs) -> None:
    # allauth has already re-keyed the current session to the new password: it stays.
    services.credentials_reset(
        account=user,
        keep_session_key=request.session.session_key,
        action=AuditAction.ACCOUNT_PASSWORD_CHANGE,
    )


def on_password_reset(sender, request, user, **kwargs) -> None:
    # The browser that followed the emailed link keeps its session only if it is signed in as
    # this account already; every other session and token ends.
    keep = request.session.session_key if get_user(request).pk == user.pk else None
    services.credentials_reset(
        account=user, keep_session_key=keep, action=AuditAction.ACCOUNT_PASSWORD_RESET
    )


def connect() -> None:
    allauth_signals.user_logged_in.connect(on_logged_in, dispatch_uid="callstudio.login")
    for signal in (allauth_signals.password_changed, allauth_signals.password_set):
        signal.connect(on_password_changed, dispatch_uid="callstudio.password_changed")
    allauth_signals.password_reset.connect(on_password_reset, dispatch_uid="callstudio.reset")
