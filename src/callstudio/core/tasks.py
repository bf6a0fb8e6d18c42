"""Background work. One Huey instance: a SQLite queue file in the data directory on the embedded
default, Redis when REDIS_URL is set (several machines). `callstudio serve` runs the consumer in
its own process on the embedded default; `callstudio worker` runs it on its own.

Tasks are at-least-once: handlers must be idempotent. Each runs with fresh database
connections, as a request does."""

import functools

from django.conf import settings
from django.db import close_old_connections
from huey import RedisHuey, SqliteHuey, crontab

__all__ = ["crontab", "huey", "periodic_task", "task"]


def _make_huey():
    if settings.REDIS_URL:
        return RedisHuey("callstudio", url=settings.REDIS_URL)
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("callstudio", filename=str(settings.DATA_DIR / "tasks.sqlite3"))


huey = _make_huey()
huey.immediate = settings.CALLSTUDIO_TASKS_IMMEDIATE


def _with_connections(fn):
    @functools.wraps(fn)
    def run(*args, **kwargs):
        close_old_connections()
        try:
            return fn(*args, **kwargs)
        finally:
            close_old_connections()

    return run


def task(**options):
    return lambda fn: huey.task(**options)(_with_connections(fn))


def periodic_task(schedule, **options):
    return lambda fn: huey.periodic_task(schedule, **options)(_with_connections(fn))


def consumer(*, workers: int = 2):
    # flush_locks: a task lock left by a killed process (kill -9 mid-analysis) must not keep
    # that task from ever running again; at worst two workers briefly share the work.
    return huey.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=True,
        check_worker_health=True,
        flush_locks=True,
    )
