"""Reading calls: only ever through the access layer's row filter (`TeamAccess.restrict`)."""

import os
from datetime import UTC, datetime
from types import SimpleNamespace

import orjson
from django.db import connection
from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Cast

from callstudio.access.policy import OrgAccess, TeamAccess
from callstudio.accounts.models import Account
from callstudio.core.compiled import ShapeCache, contains_slot, field_slot
from callstudio.core.errors import Forbidden, Invalid, NotFound
from callstudio.core.pagination import Page, clean_limit, decode_cursor, keyset, page_of

from .models import Call, IngestKey

LIST_FIELDS = (
    "id",
    "team_id",
    "external_id",
    "started_at",
    "ended_at",
    "duration_seconds",
    "direction",
    "agent_id",
    "agent_ref",
    "customer",
    "tags",
    "archived",
    "talk_ratio",
    "silence_share",
)


def _require_read(access: TeamAccess) -> None:
    if not (access.has("calls.read.all") or access.has("calls.read.own")):
        raise Forbidden("Your role in this team does not allow reading calls.")


def readable_calls(access: TeamAccess) -> QuerySet:
    _require_read(access)
    return access.restrict(Call.objects.all(), resource="calls", owner_field="agent_id")


def readable_call(*, access: TeamAccess, call_id) -> Call:
    try:
        call_id = int(call_id)
    except (TypeError, ValueError):
        raise NotFound("Call not found.") from None
    call = readable_calls(access).select_related("agent").filter(id=call_id).first()
    if call is None:
        raise NotFound("Call not found.")
    return call


def _parse_time(value, field: str):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise Invalid(
                "Use RFC 3339, e.g. 2026-11-28T09:30:00Z or 2026-11-28.", field=field
            ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # a time whose UTC date is before year 1 or after 9999
        raise Invalid("Out of range: give a time between years 1 and 9999.", field=field) from None


LIST_COLUMNS = (*LIST_FIELDS, "agent__name", "agent__email", "agent__account_id")
PAGE_KEYS = ("started_at", "id")
# Markers: values no request carries, each distinct in the database (core/compiled.py).
_LIST_SHAPES = ShapeCache(
    {
        "team": field_slot(Call, "team_id", "tm_\x01marker"),
        "actor": field_slot(Call, "agent_id", -7_000_000_001),
        "agent": field_slot(Account, "account_id", "acc_\x01marker"),
        "start": field_slot(Call, "started_at", datetime(1901, 1, 1, 0, 0, 1, tzinfo=UTC)),
        "end": field_slot(Call, "started_at", datetime(1901, 1, 1, 0, 0, 2, tzinfo=UTC)),
        "q": contains_slot("\x01q-marker"),
        "after_time": field_slot(Call, "started_at", "1901-01-01T00:00:03+00:00"),
        "after_id": field_slot(Call, "id", -7_000_000_002),
    }
)
# For bench/listing.py, which serves the page with and without the shape cache side by side
# (issue 10 keeps the cache unless the page stays within its target without it): "0" lists
# through the plain queryset. Read once, at import.
_SHAPE_CACHE = os.environ.get("CALLSTUDIO_LIST_SHAPE_CACHE", "1") != "0"


def calls_page(
    *,
    access: TeamAccess,
    agent: str | None = None,
    start=None,
    end=None,
    q: str | None = None,
    archived: bool = False,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page:
    """Newest first. `agent` is an account ID; `q` searches the transcript text.

    `list_query` decides the rows; the shape cache only saves building and compiling it again
    (core/compiled.py). Either way the rows are read by column name into light items."""
    limit = clean_limit(limit)
    _require_read(access)
    filters = list_filters(agent=agent, start=start, end=end, q=q, cursor=cursor)
    if _SHAPE_CACHE:
        sql, params = list_statement(access, archived=archived, limit=limit, **filters)
        with connection.cursor() as db:
            db.execute(sql, params)
            rows = [_from_raw(dict(zip(LIST_COLUMNS, row, strict=True))) for row in db.fetchall()]
    else:
        rows = list_query(access, archived=archived, limit=limit, **filters)
    return page_of([_list_item(row) for row in rows], keys=PAGE_KEYS, limit=limit)


def list_filters(*, agent, start, end, q, cursor) -> dict:
    """The request's filters, checked and parsed; absent ones are None."""
    parsed = {
        "agent": agent or None,
        "start": _parse_time(start, "from"),
        "end": _parse_time(end, "to"),
        "q": q or None,
    }
    if q and (len(q) > 200 or "\x00" in q):
        raise Invalid("At most 200 characters, without NUL.", field="q")
    parsed["after"] = decode_cursor(cursor, len(PAGE_KEYS)) if cursor else None
    return parsed


def list_query(
    access: TeamAccess,
    *,
    archived: bool,
    limit: int,
    agent=None,
    start=None,
    end=None,
    q=None,
    after=None,
) -> QuerySet:
    """The call list as the ORM spells it: the rows `access` may read, by column name."""
    qs = readable_calls(access).filter(archived=Value(archived))
    if agent is not None:
        qs = qs.filter(agent__account_id=agent)
    if start is not None:
        qs = qs.filter(started_at__gte=start)
    if end is not None:
        qs = qs.filter(started_at__lt=end)
    if q is not None:
        qs = qs.annotate(transcript_text=Cast("transcript", CharField())).filter(
            transcript_text__icontains=q
        )
    qs = keyset(qs, keys=PAGE_KEYS, after=after, limit=limit, descending=True)
    return qs.values(*LIST_COLUMNS)


def list_statement(access: TeamAccess, *, archived: bool, limit: int, **filters) -> tuple:
    """`list_query`'s SQL and parameters, bound into the shape's compile (core/compiled.py)."""
    values = {"team": access.team.id, "actor": access.account.pk}
    values.update((name, value) for name, value in filters.items() if value is not None)
    if after := values.pop("after", None):
        values["after_time"], values["after_id"] = after

    def build(v: dict) -> QuerySet:
        stand_in = access.standing_in(team_id=v["team"], account_pk=v["actor"])
        after = [v["after_time"], v["after_id"]] if "after_time" in v else None
        names = ("agent", "start", "end", "q")
        given = {name: v[name] for name in names if name in v}
        return list_query(stand_in, archived=archived, limit=limit, after=after, **given)

    return _LIST_SHAPES.bind((access.permissions, archived, limit), values, build)


def _from_raw(row: dict) -> dict:
    """A row the driver returned, as the ORM would: aware datetimes, decoded JSON, booleans."""
    for name in ("started_at", "ended_at"):
        value = row[name]
        if isinstance(value, str):  # SQLite without declared-type parsing
            value = datetime.fromisoformat(value)
        row[name] = value if value.tzinfo else value.replace(tzinfo=UTC)
    for name in ("customer", "tags"):
        if isinstance(row[name], str | bytes):
            row[name] = orjson.loads(row[name])
    row["archived"] = bool(row["archived"])
    return row


def _list_item(row: dict) -> SimpleNamespace:
    """A light list item (no model instance per row); the agent's columns become `.agent`,
    None for a call not linked to a member."""
    name, email = row.pop("agent__name"), row.pop("agent__email")
    account_id = row.pop("agent__account_id")
    linked = row["agent_id"] is not None
    agent = SimpleNamespace(name=name, email=email, account_id=account_id) if linked else None
    return SimpleNamespace(**row, agent=agent)


def org_ingest_keys(*, access: OrgAccess) -> list[IngestKey]:
    access.require("org.keys.manage")
    return list(
        IngestKey.objects.filter(
            organization_id=access.organization.id, revoked_at__isnull=True
        ).order_by("-created_at")
    )
