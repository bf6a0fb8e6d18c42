"""While ingestion is busy, the analysis pass gives way (pipeline/analysis.py). Ingestion runs in
the web processes and the analysis in another (the worker in `callstudio serve`'s supervisor, or
`callstudio worker`), so "busy" must cross processes: a mark made by one process is seen by
another on the same data directory, for two seconds."""

import time

from callstudio.core.activity import ingest_busy
from tests.test_cli import run

MARK = "from callstudio.core.activity import mark_ingest_busy; mark_ingest_busy()"


def test_a_mark_made_by_another_process_is_seen_here_then_expires(tmp_path, settings):
    settings.DATA_DIR, settings.REDIS_URL = tmp_path, ""  # this process reads that data dir
    assert not ingest_busy()  # never marked
    run(tmp_path, "shell", "-v", "0", "-c", MARK)  # a process of its own, which then ends
    marked = time.time()
    assert ingest_busy()
    time.sleep(max(0.0, marked + 2.1 - time.time()))
    assert not ingest_busy()
