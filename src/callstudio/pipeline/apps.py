from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "callstudio.pipeline"
    label = "pipeline"

    def ready(self):
        from callstudio.calls.signals import calls_stored

        # Importing tasks registers them with the consumer (serve's in-process worker and
        # `callstudio worker` both set Django up, so both find them).
        from . import tasks

        calls_stored.connect(tasks.on_calls_stored, dispatch_uid="pipeline.analyse-stored-calls")

        from callstudio.core.metrics import add_scrape_collector

        from .metrics import BacklogCollector

        add_scrape_collector(BacklogCollector())
