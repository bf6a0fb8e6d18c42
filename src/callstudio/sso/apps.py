from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "callstudio.sso"
    label = "sso"

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in

        from .adapter import on_user_logged_in

        # Sets the SSO mark for an SSO login (also one finished by allauth's MFA step) and
        # clears it for any other login (sso/session.py).
        user_logged_in.connect(on_user_logged_in, dispatch_uid="callstudio.sso.session_mark")
