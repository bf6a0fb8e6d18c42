from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "callstudio.core"
    label = "core"

    def ready(self):
        from . import maintenance  # noqa: F401  (registers its tasks with the consumer)
