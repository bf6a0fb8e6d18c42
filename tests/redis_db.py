"""A Redis database of its own for a test that runs a worker on Redis.

The machine's Redis is shared: by the SQLite and PostgreSQL suites running side by side
(`make test`), and by anyone else. A test claims an empty database with a marker key (SET NX,
so two suites never claim the same one), and empties it afterwards."""

import os

import pytest
import redis

REDIS = "redis://127.0.0.1:6379"


def redis_up() -> bool:
    try:
        return redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def redis_url():
    for n in range(15, 0, -1):
        client = redis.Redis.from_url(f"{REDIS}/{n}")
        if client.dbsize() == 0 and client.set("callstudio-tests:claimed", os.getpid(), nx=True):
            try:
                yield f"{REDIS}/{n}"
            finally:
                client.flushdb()
            return
    pytest.skip("no free Redis database on 127.0.0.1:6379")
