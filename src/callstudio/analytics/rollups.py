"""Adding a call to its team's rollups, or taking it out again, by exact sums.

`apply(calls, sign)` runs inside the caller's transaction: the analysis pass adds calls in the
transaction that marks them analysed; archiving, unarchiving and linking an agent move a call in
the transaction that changes it. So the rollups always equal the sum over the team's analysed,
unarchived calls, whatever crashes or retries happen (tests/analytics holds them to that). Those
callers are calls/lifecycle.py, the only code that changes what a call counts for, and the
rebuild from the calls (pipeline/rebuild.py); this module knows nothing of calls but the
attributes it reads (`CALL_FIELDS`)."""

from collections import defaultdict
from datetime import UTC
from itertools import islice

from django.db import connection

from .models import DURATION_BUCKETS, SENTIMENT_THRESHOLD, TEAM, UNLINKED, DayRollup, TermRollup

SUMS = (
    "calls",
    "inbound",
    "outbound",
    "duration_sum",
    "agent_talk_sum",
    "customer_talk_sum",
    "silence_sum",
    "silence_base_sum",
    "monologue_sum",
    "sentiment_sum",
    "sentiment_calls",
    "positive",
    "neutral",
    "negative",
    *(f"duration_b{i}" for i in range(len(DURATION_BUCKETS) + 1)),
)
# What a call must carry (attributes) to be counted.
CALL_FIELDS = (
    "organization_id",
    "team_id",
    "started_at",
    "agent_id",
    "direction",
    "duration_seconds",
    "agent_talk_seconds",
    "customer_talk_seconds",
    "silence_share",
    "longest_monologue_seconds",
    "sentiment",
    "tags",
    "keywords",
    "trackers",
)


def day_of(started_at):
    return started_at.astimezone(UTC).date()


def bucket_of(duration: float) -> int:
    return next(
        (i for i, top in enumerate(DURATION_BUCKETS) if duration < top), len(DURATION_BUCKETS)
    )


def contribution(call) -> dict[str, float]:
    duration = call.duration_seconds or 0.0
    sentiment = call.sentiment
    figures = dict.fromkeys(SUMS, 0)
    figures.update(
        calls=1,
        inbound=int(call.direction == "inbound"),
        outbound=int(call.direction == "outbound"),
        duration_sum=duration,
        agent_talk_sum=call.agent_talk_seconds or 0.0,
        customer_talk_sum=call.customer_talk_seconds or 0.0,
        silence_sum=(call.silence_share or 0.0) * duration,
        silence_base_sum=duration if call.silence_share is not None else 0.0,
        monologue_sum=call.longest_monologue_seconds or 0.0,
    )
    figures[f"duration_b{bucket_of(duration)}"] = 1
    if sentiment is not None:
        figures["sentiment_sum"] = sentiment
        figures["sentiment_calls"] = 1
        label = (
            "positive"
            if sentiment > SENTIMENT_THRESHOLD
            else "negative"
            if sentiment < -SENTIMENT_THRESHOLD
            else "neutral"
        )
        figures[label] = 1
    return figures


def terms_of(call) -> set[tuple[str, str]]:
    tags = {(TermRollup.TAG, str(t)[:200]) for t in (call.tags or [])}
    keywords = {(TermRollup.KEYWORD, str(k)[:200]) for k in (call.keywords or [])}
    return tags | keywords | {(TermRollup.TRACKER, str(t)[:200]) for t in (call.trackers or [])}


def apply(calls, sign: int) -> None:
    """Add (`sign` 1) or take out (-1) these calls' figures. One statement per 200 rows."""
    days: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(SUMS, 0))
    terms: dict[tuple, int] = defaultdict(int)
    for call in calls:
        day = (call.organization_id, call.team_id, day_of(call.started_at))
        figures, call_terms = contribution(call), terms_of(call)
        for key in ((*day, call.agent_id or UNLINKED), (*day, TEAM)):
            row = days[key]
            for name, value in figures.items():
                row[name] += sign * value
            for kind, term in call_terms:
                terms[(*key, kind, term)] += sign
    _upsert(
        DayRollup,
        ("team_id", "day", "agent_key"),
        SUMS,
        [(*k, *(v[s] for s in SUMS)) for k, v in days.items()],
    )
    _upsert(
        TermRollup,
        ("team_id", "day", "agent_key", "kind", "term"),
        ("calls",),
        [(*k, v) for k, v in terms.items()],
    )


def _upsert(model, unique: tuple, sums: tuple, rows: list[tuple]) -> None:
    table = model._meta.db_table
    key_columns = ("organization_id", "team_id", "day", "agent_key", *unique[3:])
    columns = (*key_columns, *sums)
    day_at = columns.index("day")
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in sums)
    rows = iter(rows)
    with connection.cursor() as cursor:
        while chunk := list(islice(rows, 200)):
            params = []
            for row in chunk:
                row = list(row)
                row[day_at] = connection.ops.adapt_datefield_value(row[day_at])
                params.extend(row)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                + ", ".join([placeholders] * len(chunk))
                + f" ON CONFLICT ({', '.join(unique)}) DO UPDATE SET {updates}",
                params,
            )
