""" "Is ingestion busy right now?" — so background analysis can give way to it.

Each stored batch marks ingestion busy for two seconds in Django's cache: the process's own
memory on the embedded default (where the worker runs in `callstudio serve`), Redis — shared by
every web process and worker — when REDIS_URL is set. A cache that is down only means nobody
gives way; it never fails an ingest."""

import logging

from django.core.cache import cache

KEY = "callstudio:ingest-busy"
log = logging.getLogger(__name__)


def mark_ingest_busy() -> None:
    try:
        cache.set(KEY, 1, timeout=2)
    except Exception:  # noqa: BLE001  (Redis down: ingestion goes on regardless)
        log.debug("could not mark ingestion busy", exc_info=True)


def ingest_busy() -> bool:
    try:
        return bool(cache.get(KEY))
    except Exception:  # noqa: BLE001
        return False
