"""Background work, on two queues with threads of their own, so that neither can hold the other
up: `huey` (call analysis, the per-minute sweep, housekeeping) and `webhooks` (webhook
deliveries, which wait on other people's servers). Each is a SQLite queue file in the data
directory on the embedded default, or a Redis list when REDIS_URL is set (several machines).
`callstudio serve` runs both consumers in its own process on the embedded default;
`callstudio worker` runs them on their own.

Tasks are at-least-once: handlers must be idempotent. Each runs with fresh database
connections, as a request does.

An idle consumer looks for work every POLL_SECONDS on SQLite (Huey's default backs off to 10 s,
which a call waited on top of its analysis); on Redis it blocks on the list and wakes at once."""

import functools
import logging

from django.conf import settings
from django.db import close_old_connections
from huey import RedisHuey, SqliteHuey, crontab

__all__ = ["crontab", "huey", "periodic_task", "task", "webhooks", "Worker"]

POLL_SECONDS = 0.2


def _make_huey(name: str, filename: str):
    if settings.REDIS_URL:
        return RedisHuey(name, url=settings.REDIS_URL, blocking=True, read_timeout=1)
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(settings.DATA_DIR / filename))


huey = _make_huey("callstudio", "tasks.sqlite3")
webhooks = _make_huey("callstudio-webhooks", "webhooks.sqlite3")
huey.immediate = webhooks.immediate = settings.CALLSTUDIO_TASKS_IMMEDIATE
QUEUES = {"default": huey, "webhooks": webhooks}


def _with_connections(fn):
    @functools.wraps(fn)
    def run(*args, **kwargs):
        close_old_connections()
        try:
            return fn(*args, **kwargs)
        finally:
            close_old_connections()

    return run


def task(*, queue: str = "default", **options):
    return lambda fn: QUEUES[queue].task(**options)(_with_connections(fn))


# Periodic tasks that also run when a worker starts: what a worker that died left behind (calls
# whose hand-over was lost, deliveries whose claim ran out) is taken up at once, not at the
# next tick of the schedule.
AT_START = []


def periodic_task(schedule, *, at_start: bool = False, **options):
    def register(fn):
        registered = huey.periodic_task(schedule, **options)(_with_connections(fn))
        if at_start:
            AT_START.append(registered)
        return registered

    return register


def _enqueue_at_start() -> None:
    for periodic in AT_START:
        try:
            periodic()
        except Exception:  # the queue is down: the schedule runs it once the queue is back
            logging.getLogger(__name__).warning("could not enqueue %s", periodic, exc_info=True)


def _consumer(queue, *, threads: int, periodic: bool):
    # flush_locks: a task lock left by a killed process (kill -9 mid-analysis) must not keep
    # that task from ever running again; at worst two workers briefly share the work.
    return queue.create_consumer(
        workers=threads,
        worker_type="thread",
        periodic=periodic,
        check_worker_health=True,
        flush_locks=True,
        initial_delay=POLL_SECONDS,
        backoff=1,
        max_delay=POLL_SECONDS,
    )


class Worker:
    """Both consumers: `threads` for the default queue (and the periodic tasks),
    `delivery_threads` for webhook deliveries."""

    def __init__(self, *, threads: int, delivery_threads: int):
        self.default = _consumer(huey, threads=threads, periodic=True)
        self.webhooks = _consumer(webhooks, threads=delivery_threads, periodic=False)

    def start(self) -> None:
        """In the background, as threads of this process (`callstudio serve`)."""
        self.webhooks.start()
        self.default.start()
        _enqueue_at_start()

    def stop(self, *, graceful: bool = True) -> None:
        self.default.stop(graceful=graceful)
        self.webhooks.stop(graceful=graceful)

    def run(self) -> None:
        """In the foreground until SIGINT or SIGTERM (`callstudio worker`): the default queue's
        consumer handles the signals; the delivery consumer stops with it."""
        self.webhooks.start()
        _enqueue_at_start()
        try:
            self.default.run()
        finally:
            self.webhooks.stop(graceful=True)
