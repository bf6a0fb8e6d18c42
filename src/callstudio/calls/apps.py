from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "callstudio.calls"
    label = "calls"
