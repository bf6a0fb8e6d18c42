import multiprocessing
import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from granian import Granian
from granian.constants import Interfaces
from granian.log import LogLevels

# Web processes start from a fresh interpreter (not a fork of this one, whose Django is set up
# and whose background worker threads are running); each imports callstudio.wsgi itself.
START_METHOD = "spawn"
# Threads wait on the database more than they compute; beyond this granian warns that the
# interpreter is oversubscribed.
DEFAULT_THREADS = 2 * (os.cpu_count() or 1) + 1


class Command(BaseCommand):
    help = (
        "Serve CallStudio over HTTP: granian running the WSGI application (callstudio/wsgi.py) "
        "in --workers processes of --threads threads each."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="web processes (PostgreSQL deployments; SQLite wants one)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("CALLSTUDIO_WEB_THREADS", DEFAULT_THREADS)),
            help=f"requests served at once by each web process (default {DEFAULT_THREADS}: "
            "twice the CPUs, plus one)",
        )
        parser.add_argument(
            "--log-level",
            default="warning",
            choices=["critical", "error", "warning", "info", "debug"],
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not run the background worker in this process (run `callstudio worker`)",
        )

    def handle(self, *args, host, port, workers, threads, log_level, no_worker, **options):
        if workers < 1 or threads < 1:
            self.stderr.write("--workers and --threads must be at least 1.")
            raise SystemExit(2)
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        in_process = not no_worker and settings.CALLSTUDIO_WORKER == "inprocess"
        where = "in this process" if in_process else "separate (callstudio worker)"
        self.stdout.write(
            f"CallStudio on http://{host}:{port}/  (database: {database}; web processes: "
            f"{workers} x {threads} threads; background worker: {where}; Ctrl+C stops)"
        )
        self.stdout.flush()
        multiprocessing.set_start_method(START_METHOD, force=True)
        os.environ["CALLSTUDIO_SERVE_PID"] = str(os.getpid())  # callstudio/wsgi.py
        # Each web process writes its metrics here; a scrape of any adds them up (core/metrics).
        metrics_dir = Path(settings.DATA_DIR, "metrics", str(os.getpid()))
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        worker = None
        if in_process:
            from callstudio.core.startup import tune_collector
            from callstudio.core.tasks import Worker

            tune_collector()
            # threads of this process; granian runs the web processes
            worker = Worker(threads=2, delivery_threads=settings.CALLSTUDIO_WEBHOOK_THREADS)
            worker.start()
        server = Granian(
            "callstudio.wsgi:application",
            address=host,
            port=port,
            interface=Interfaces.WSGI,
            workers=workers,
            blocking_threads=threads,
            # Threads keep their SQLite connection (callstudio/wsgi.py) while they live: ten
            # idle minutes (granian's longest), not its default 30 seconds.
            blocking_threads_idle_timeout=600,
            # SIGTERM/SIGINT: each web process stops taking connections and finishes the
            # requests it has; one still busy after this many seconds is killed.
            workers_kill_timeout=int(os.environ.get("CALLSTUDIO_SHUTDOWN_SECONDS", "60")),
            log_level=LogLevels(log_level),
            log_access=log_level in ("info", "debug"),
            respawn_failed_workers=True,
        )
        try:
            server.serve()
        finally:
            if worker is not None:
                worker.stop(graceful=True)
            shutil.rmtree(metrics_dir, ignore_errors=True)
