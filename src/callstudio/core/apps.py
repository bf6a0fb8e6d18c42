from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "callstudio.core"
    label = "core"
