from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "callstudio.accounts"
    label = "accounts"

    def ready(self):
        from . import mfa_audit

        mfa_audit.connect()
        from . import email_events

        email_events.connect()
