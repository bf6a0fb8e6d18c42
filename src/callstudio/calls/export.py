"""CSV exports of the Analytics tab: the calls behind the figures, and the figures by day.

Same permissions as the figures (`analytics.read.all` or `.own`); the calls come only through the
access layer's row filter (`readable_calls`), so an agent's export holds their own calls only.
Rows are produced lazily from a chunked database cursor, so an export of any size is streamed
with bounded memory. Text a spreadsheet would run as a formula (= + - @, tab, carriage return
first) is prefixed with a quote (OWASP "CSV injection"); numbers are written as numbers."""

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta

from callstudio.access.policy import TeamAccess
from callstudio.analytics.selectors import analytics_scope, date_range, team_analytics

from .selectors import readable_calls

CALL_COLUMNS = (
    "id",
    "external_id",
    "started_at",
    "duration_seconds",
    "direction",
    "agent_name",
    "agent_email",
    "agent_account_id",
    "agent_ref",
    "tags",
    "talk_ratio",
    "silence_share",
    "sentiment",
)
FIGURE_COLUMNS = ("day", "calls", "duration_seconds", "inbound", "outbound", "avg_sentiment")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 500


def csv_safe(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_chunks(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The CSV text in chunks of `CHUNK_ROWS` rows, every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for i, row in enumerate(rows, 1):
        writer.writerow([csv_safe(v) for v in row])
        if i % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _bounds(start_day: date, end_day: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start_day, time.min, tzinfo=UTC),
        datetime.combine(end_day + timedelta(days=1), time.min, tzinfo=UTC),
    )


def _iso(value) -> str:
    if isinstance(value, str):  # SQLite without declared-type parsing
        value = datetime.fromisoformat(value)
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def export_calls(*, access: TeamAccess, start=None, end=None) -> tuple[tuple[date, date], Iterator]:
    """The unarchived calls the actor may read whose start falls in the range (UTC days, both
    included), oldest first; an own-scope reader of analytics gets their own calls only."""
    scope = analytics_scope(access)
    start_day, end_day = date_range(start, end)
    low, high = _bounds(start_day, end_day)
    calls = readable_calls(access).filter(archived=False, started_at__gte=low, started_at__lt=high)
    if scope == "own":
        calls = calls.filter(agent_id=access.account.pk)
    rows = (
        calls.order_by("started_at", "id")
        .values_list(
            "id",
            "external_id",
            "started_at",
            "duration_seconds",
            "direction",
            "agent__name",
            "agent__email",
            "agent__account_id",
            "agent_ref",
            "tags",
            "talk_ratio",
            "silence_share",
            "sentiment",
        )
        .iterator(chunk_size=2000)
    )

    def shaped():
        for row in rows:
            row = list(row)
            row[2] = _iso(row[2])
            tags = row[9]
            row[9] = "; ".join(map(str, tags)) if isinstance(tags, list) else (tags or "")
            yield row

    return (start_day, end_day), shaped()


def export_figures(*, access: TeamAccess, start=None, end=None) -> tuple[tuple[date, date], list]:
    """The figures by day (the scope of `team_analytics`), then one `total` row."""
    figures = team_analytics(access=access, start=start, end=end)
    rows = [[d[c] for c in FIGURE_COLUMNS] for d in figures["by_day"]]
    rows.append(
        [
            "total",
            figures["calls"],
            figures["total_duration_seconds"],
            figures["inbound"],
            figures["outbound"],
            figures["sentiment"]["average"],
        ]
    )
    r = figures["range"]
    return (date.fromisoformat(r["from"]), date.fromisoformat(r["to"])), rows
