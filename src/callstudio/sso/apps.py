from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "callstudio.sso"
    label = "sso"

    def ready(self):
        from . import signals

        signals.connect()
