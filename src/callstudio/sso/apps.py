from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "callstudio.sso"
    label = "sso"

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in

        from . import signals
        from .adapter import on_user_logged_in

        # signals.py clears the SSO mark on any other login; the adapter's handler sets it for
        # an SSO login (also one finished by allauth's MFA step) and clears it otherwise too.
        signals.connect()
        user_logged_in.connect(on_user_logged_in, dispatch_uid="callstudio.sso.session_mark")
