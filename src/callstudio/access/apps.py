from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "callstudio.access"
    label = "access"
