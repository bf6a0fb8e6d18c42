from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "callstudio.web"
    label = "web"
