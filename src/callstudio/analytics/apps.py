from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "callstudio.analytics"
    label = "analytics"
