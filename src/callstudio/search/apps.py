from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "callstudio.search"
    label = "search"
