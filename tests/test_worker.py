"""The background worker for real: in-process in `callstudio serve` on the embedded default (a
SQLite queue file), and `callstudio worker` on Redis. A task queued while nothing runs is kept
and executed once a worker starts."""

import os
import sqlite3
import subprocess

import pytest
import redis

from callstudio.core.maintenance import clear_expired_sessions
from tests.helpers import wait_until
from tests.redis_db import redis_up
from tests.test_cli import BIN, run, start_server


def sessions(data_dir) -> set[str]:
    db = sqlite3.connect(data_dir / "callstudio.sqlite3")
    return {key for (key,) in db.execute("SELECT session_key FROM django_session")}


def add_sessions(data_dir):
    db = sqlite3.connect(data_dir / "callstudio.sqlite3")
    db.execute(
        "INSERT INTO django_session VALUES ('expired', 'x', '2020-01-01 00:00:00'), "
        "('current', 'x', '2099-01-01 00:00:00')"
    )
    db.commit()


def enqueue(data_dir, **env):
    run(
        data_dir,
        "shell",
        "-c",
        "from callstudio.core.maintenance import clear_expired_sessions as t; t()",
        env=env,
    )


def queued(data_dir) -> int:
    """Tasks waiting in the embedded queue file (Huey's SQLite storage)."""
    db = sqlite3.connect(data_dir / "tasks.sqlite3")
    return db.execute("SELECT COUNT(*) FROM task").fetchone()[0]


def expired_sessions_cleared(data_dir):
    return wait_until(
        lambda: sessions(data_dir) == {"current"},
        what="the queued task to delete the expired session",
    )


def test_serve_runs_queued_work_in_process(tmp_path):
    run(tmp_path, "migrate", "--no-input", "-v", "0")
    add_sessions(tmp_path)
    enqueue(tmp_path)  # queued while no server runs: kept in the data dir's queue
    assert queued(tmp_path) == 1
    assert sessions(tmp_path) == {"expired", "current"}
    server, _ = start_server(tmp_path)
    try:
        expired_sessions_cleared(tmp_path)
        assert queued(tmp_path) == 0
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379 (the distributed engine)")
def test_worker_on_redis(tmp_path, redis_url):
    REDIS_URL = redis_url
    run(tmp_path, "migrate", "--no-input", "-v", "0")
    add_sessions(tmp_path)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY")
    }
    env.update({"CALLSTUDIO_DATA_DIR": str(tmp_path), "REDIS_URL": REDIS_URL})
    enqueue(tmp_path, REDIS_URL=REDIS_URL)
    # The task waits in Redis (next to the claim marker of tests/redis_db.py).
    assert redis.Redis.from_url(REDIS_URL).dbsize() > 1
    worker = subprocess.Popen(
        [str(BIN), "worker", "--threads", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        expired_sessions_cleared(tmp_path)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert "RedisStorage" in worker.stdout.read()


def test_the_task_deletes_only_expired_sessions(db):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.create(
        session_key="old", session_data="x", expire_date=timezone.now() - timezone.timedelta(days=1)
    )
    Session.objects.create(
        session_key="new", session_data="x", expire_date=timezone.now() + timezone.timedelta(days=1)
    )
    # The task body itself (the worker wraps it with fresh connections, which a test transaction must not get).
    assert clear_expired_sessions.func.__wrapped__() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]


def test_a_fresh_process_registers_every_task_the_queue_may_hold(tmp_path):
    """What `callstudio serve` and `callstudio worker` can run: Django's setup imports the
    pipeline's tasks (its AppConfig.ready()), so a queued message finds its task by name."""
    names = run(
        tmp_path,
        "shell",
        "-v",
        "0",
        "-c",
        "from callstudio.core.tasks import QUEUES as q; "
        "print(*sorted(f'{k}:{t}' for k, h in q.items() for t in h._registry._registry))",
    ).stdout.split()
    assert set(names) == {
        "default:callstudio.accounts.sessions.clear_ended_user_sessions",
        "default:callstudio.core.maintenance.clear_expired_sessions",
        "default:callstudio.pipeline.tasks.analyze_calls",
        "default:callstudio.pipeline.tasks.sweep",
        # deliveries wait on other people's servers: a queue and threads of their own
        "webhooks:callstudio.pipeline.delivery.deliver_webhook",
    }
