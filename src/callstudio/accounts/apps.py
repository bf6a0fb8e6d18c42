from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "callstudio.accounts"
    label = "accounts"
