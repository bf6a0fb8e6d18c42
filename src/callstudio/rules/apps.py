from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "callstudio.rules"
    label = "rules"
