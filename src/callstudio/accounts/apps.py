from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "callstudio.accounts"
    label = "accounts"

    def ready(self) -> None:
        from . import sessions, signals  # noqa: F401  (sessions: registers its nightly task)

        signals.connect()
        from . import email_events, mfa_audit

        mfa_audit.connect()
        email_events.connect()
