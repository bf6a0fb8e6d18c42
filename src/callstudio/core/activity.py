""" "Is ingestion busy right now?" — so background analysis can give way to it.

Each stored batch marks ingestion busy for BUSY_SECONDS, where every process of the deployment
can see it: with REDIS_URL in Redis (Django's cache, shared by every web process and worker);
on the embedded default in the modification time of a file in the data directory, because the
web processes of `callstudio serve` are processes of their own and the worker runs in the
supervisor (a process's own memory, which this once was, is seen by nobody else). Marking is one
`utime` call. A mark that cannot be made only means nobody gives way; it never fails an ingest."""

import logging
import os
import time

from django.conf import settings
from django.core.cache import cache

KEY = "callstudio:ingest-busy"
BUSY_SECONDS = 2
log = logging.getLogger(__name__)


def _marker() -> str:
    return os.path.join(settings.DATA_DIR, "ingest-busy")


def mark_ingest_busy() -> None:
    try:
        if settings.REDIS_URL:
            cache.set(KEY, 1, timeout=BUSY_SECONDS)
            return
        try:
            os.utime(_marker())
        except FileNotFoundError:
            open(_marker(), "a").close()  # noqa: SIM115  (created once, empty)
    except Exception:  # noqa: BLE001  (Redis down, a read-only disk: ingestion goes on)
        log.debug("could not mark ingestion busy", exc_info=True)


def ingest_busy() -> bool:
    try:
        if settings.REDIS_URL:
            return bool(cache.get(KEY))
        return time.time() - os.stat(_marker()).st_mtime < BUSY_SECONDS
    except Exception:  # noqa: BLE001  (never marked, or unreachable: nobody is busy)
        return False
