from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "callstudio.orgs"
    label = "orgs"
