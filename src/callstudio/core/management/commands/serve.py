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

    def handle(self, *args, host, port, workers, log_level, **options):
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        self.stdout.write(
            f"CallStudio on http://{host}:{port}/  (database: {database}; Ctrl+C stops)"
        )
        self.stdout.flush()
        uvicorn.run(
            "callstudio.asgi:application",
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            lifespan="off",
            access_log=log_level in ("info", "debug"),
        )
