from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "callstudio.analytics"
    label = "analytics"

    def ready(self):
        from . import tasks  # noqa: F401  (registers its tasks with the consumer)
