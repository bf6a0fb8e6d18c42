from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run the background worker on its own (with `callstudio serve --no-worker`, or on Redis)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args, threads, **options):
        from callstudio.core.tasks import consumer, huey

        self.stdout.write(f"CallStudio worker: {threads} threads on {type(huey.storage).__name__}")
        self.stdout.flush()
        consumer(workers=threads).run()
