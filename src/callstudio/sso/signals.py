"""A password sign-in in a session that had signed in with an organization's SSO must not keep
that mark (sso/session.py): `require_sso` would otherwise take a later password login for an SSO
one. allauth sends `user_logged_in` with `sociallogin` for a sign-in through a provider (its
social login flow passes it in `signal_kwargs`); any other sign-in clears the marks."""

from allauth.account import signals as allauth_signals

from .session import clear_on_password_login


def on_logged_in(sender, request, user, sociallogin=None, **kwargs) -> None:
    if sociallogin is None:
        clear_on_password_login(request)


def connect() -> None:
    allauth_signals.user_logged_in.connect(on_logged_in, dispatch_uid="callstudio.sso.login")
