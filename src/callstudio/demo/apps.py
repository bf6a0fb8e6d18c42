from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "callstudio.demo"
    label = "demo"
    verbose_name = "Demo data"
