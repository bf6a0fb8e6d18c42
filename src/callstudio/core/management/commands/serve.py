import os

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve CallStudio over HTTP with the ASGI server (uvicorn)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Web processes (PostgreSQL deployments; SQLite wants one).",
        )
        parser.add_argument("--log-level", default="warning")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not run the background worker in this process (run `callstudio worker`)",
        )

    def handle(self, *args, host, port, workers, log_level, no_worker, **options):
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        in_process = not no_worker and settings.CALLSTUDIO_WORKER == "inprocess"
        where = "in this process" if in_process else "separate (callstudio worker)"
        self.stdout.write(
            f"CallStudio on http://{host}:{port}/  (database: {database}; "
            f"background worker: {where}; Ctrl+C stops)"
        )
        self.stdout.flush()
        worker = None
        if in_process:
            from callstudio.core.tasks import consumer

            worker = consumer(workers=2)
            worker.start()  # threads; uvicorn takes the signal handlers over when it starts
        try:
            uvicorn.run(
                "callstudio.asgi:application",
                host=host,
                port=port,
                workers=workers,
                log_level=log_level,
                lifespan="off",
                access_log=log_level in ("info", "debug"),
            )
        finally:
            if worker is not None:
                worker.stop(graceful=True)
