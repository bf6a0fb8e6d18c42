from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "callstudio.accounts"
    label = "accounts"

    def ready(self) -> None:
        from . import email_events

        email_events.connect()
