"""Rebuilding rollups from the calls: an operator's repair tool (`callstudio analytics
rebuild`). It reads calls, so it lives here rather than in analytics (which knows only the
rollups and their arithmetic)."""

from itertools import islice

from django.db import connection

from callstudio.analytics.models import DayRollup, TermRollup
from callstudio.analytics.rollups import CALL_FIELDS, apply
from callstudio.calls.models import Call


def rebuild(team_ids: list[str], *, progress=None) -> int:
    """Recompute these teams' rollups from their analysed, unarchived calls. Run it in a
    transaction; safe while the worker runs (PostgreSQL: a table lock; SQLite: one writer at a
    time). Returns how many calls were counted."""
    if connection.vendor == "postgresql":
        # Analysis passes committing meanwhile wait at their rollup upsert until this commits:
        # each call is then counted by exactly one of the two.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {DayRollup._meta.db_table} IN EXCLUSIVE MODE")
    DayRollup.objects.filter(team_id__in=team_ids).delete()
    TermRollup.objects.filter(team_id__in=team_ids).delete()
    calls = (
        Call.objects.filter(team_id__in=team_ids, archived=False, analyzed_at__isnull=False)
        .only(*CALL_FIELDS)
        .order_by("id")
        .iterator(chunk_size=5000)
    )
    done = 0
    while chunk := list(islice(calls, 5000)):
        apply(chunk, 1)
        done += len(chunk)
        if progress:
            progress(done)
    return done
