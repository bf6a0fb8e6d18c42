"""Writing the whole index again from the calls (`callstudio search rebuild`): after a restore
from a copy made without it, after `CALLSTUDIO_SEARCH_INDEX=0`, or when the way words are read
changes. Run it in one transaction: ingestion meanwhile waits for it (PostgreSQL: the table is
truncated under its lock; SQLite: one writer at a time), so no call is left out or written twice."""

from itertools import islice

from .index import clear, index_entries

FIELDS = ("id", "organization_id", "team_id", "started_at", "transcript", "customer", "external_id")
CHUNK = 2000


def index_calls(calls, *, progress=None) -> int:
    """Index these calls (a queryset of calls.Call); returns how many."""
    rows = calls.order_by("id").values_list(*FIELDS).iterator(chunk_size=CHUNK)
    done = 0
    while chunk := list(islice(rows, CHUNK)):
        index_entries(chunk)
        done += len(chunk)
        if progress:
            progress(done)
    return done


def rebuild(calls, *, progress=None) -> int:
    clear()
    return index_calls(calls, progress=progress)
