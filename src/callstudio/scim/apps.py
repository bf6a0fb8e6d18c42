from django.apps import AppConfig


class ScimConfig(AppConfig):
    name = "callstudio.scim"
    label = "scim"
