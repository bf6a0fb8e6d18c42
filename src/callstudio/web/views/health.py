"""Probes for load balancers and orchestrators (docs/operations.md, "Probes")."""

import threading

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.http import require_safe

_migrated = False  # once the schema is current it stays so for this process's life
DEADLINE = 1.5  # seconds each check may take: a probe answers within 2 s, ready or not


@require_safe
def healthz(request):
    """Liveness and database reachability, for load balancers and scripts."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _database() -> str:
    """Asked on a thread of its own, answered within DEADLINE: an unreachable database can make
    a new connection wait longer (the PostgreSQL pool waits 3 s for one)."""
    answer = []
    asker = threading.Thread(target=lambda: answer.append(_ask_database()), daemon=True)
    asker.start()
    asker.join(DEADLINE)
    return answer[0] if answer else f"unreachable: no answer within {DEADLINE} s"


def _ask_database() -> str:
    global _migrated
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrated:
            executor = MigrationExecutor(connection)
            if executor.migration_plan(executor.loader.graph.leaf_nodes()):
                return "migrations pending: run `callstudio migrate`"
            _migrated = True
    except Exception as error:  # any failure to reach or read it means: not ready
        return f"unreachable: {type(error).__name__}"
    finally:
        connection.close()  # this thread's own connection (back to the pool on PostgreSQL)
    return "ok"


def _queue() -> str:
    if not settings.REDIS_URL:
        return "ok"  # the queue is in the database
    import redis

    try:
        redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=DEADLINE / 2, socket_timeout=DEADLINE / 2
        ).ping()
    except redis.RedisError as error:
        return f"unreachable: {type(error).__name__}"
    return "ok"


@require_safe
def readyz(request):
    """Ready to serve: the database answers and its schema is current, and the queue (Redis,
    when the deployment has one) answers. 503 names what is not."""
    checks = {"database": _database(), "queue": _queue()}
    ready = all(value == "ok" for value in checks.values())
    response = JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )
    response["Cache-Control"] = "no-store"
    return response
