from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "callstudio.sso"
    label = "sso"

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in

        from .adapter import on_user_logged_in

        user_logged_in.connect(on_user_logged_in, dispatch_uid="callstudio.sso.session_mark")
