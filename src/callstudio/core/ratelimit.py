"""Failure counters in the cache: after too many failures in a window, refuse with 429 and
Retry-After. With REDIS_URL set the counters are shared by every web process.

When Redis does not answer, a counter cannot be read or counted: the request fails with the
cache's error, which the API and the pages answer with 503 and Retry-After (credentials are never
tried uncounted). A throttle that only paces a client's requests may say it lets them through
instead (`hit(..., open_when_down=True)`: ingestion keeps answering while Redis is down)."""

import hashlib
import logging
import time

from django.core.cache import cache
from redis.exceptions import RedisError

from .errors import TooManyRequests


def _bucket(scope: str, key: str, window: int) -> tuple[str, int]:
    start = int(time.time()) // window * window
    # Hashed: keys hold emails and addresses as typed, which must not shape cache keys.
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"rl:{scope}:{digest}:{start}", start + window


def check(scope: str, keys: list[str], *, limit: int, window: int) -> None:
    for key in keys:
        name, reset = _bucket(scope, key, window)
        if (cache.get(name) or 0) >= limit:
            raise TooManyRequests(
                "Too many failed attempts. Try again later.",
                retry_after=max(1, reset - int(time.time())),
            )


def record_failure(scope: str, keys: list[str], *, window: int) -> None:
    for key in keys:
        name, _ = _bucket(scope, key, window)
        if not cache.add(name, 1, timeout=window):
            try:
                cache.incr(name)
            except ValueError:  # expired between add and incr
                cache.add(name, 1, timeout=window)


def hit(scope: str, key: str, *, limit: int, window: int, open_when_down: bool = False) -> None:
    """Count one request; past `limit` in the window, refuse with 429 until it ends."""
    try:
        _hit(scope, key, limit=limit, window=window)
    except RedisError:
        if not open_when_down:
            raise
        logging.getLogger(__name__).warning("%s not counted: Redis unavailable", scope)


def _hit(scope: str, key: str, *, limit: int, window: int) -> None:
    name, reset = _bucket(scope, key, window)
    if cache.add(name, 1, timeout=window):
        count = 1
    else:
        try:
            count = cache.incr(name)
        except ValueError:
            cache.add(name, 1, timeout=window)
            count = 1
    if count > limit:
        raise TooManyRequests(
            "Too many requests. Slow down and retry after the given time.",
            retry_after=max(1, reset - int(time.time())),
        )
