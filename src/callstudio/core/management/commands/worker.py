from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run the background worker on its own (with `callstudio serve --no-worker`, or on Redis): "
        "call analysis and housekeeping on --threads threads, webhook deliveries on "
        "--delivery-threads threads of their own."
    )

    def add_arguments(self, parser):
        parser.add_argument("--threads", type=int, default=2)
        parser.add_argument(
            "--delivery-threads", type=int, default=settings.CALLSTUDIO_WEBHOOK_THREADS
        )

    def handle(self, *args, threads, delivery_threads, **options):
        from callstudio.core.startup import tune_collector
        from callstudio.core.tasks import Worker, huey

        if threads < 1 or delivery_threads < 1:
            self.stderr.write("--threads and --delivery-threads must be at least 1.")
            raise SystemExit(2)
        self.stdout.write(
            f"CallStudio worker: {threads} threads for analysis, {delivery_threads} for webhook "
            f"deliveries, on {type(huey.storage).__name__}"
        )
        self.stdout.flush()
        tune_collector()
        Worker(threads=threads, delivery_threads=delivery_threads).run()
