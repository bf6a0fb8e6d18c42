"""Reading calls: only ever through the access layer's row filter (`TeamAccess.restrict`)."""

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

    The statement is `list_query`'s, compiled once per shape and bound to this request's values
    (core/compiled.py): the access layer's row filter decides the rows, at a fraction of the
    cost of building the queryset on every page view."""
    limit = clean_limit(limit)
    sql, params = list_statement(
        access,
        agent=agent,
        start=start,
        end=end,
        q=q,
        archived=archived,
        cursor=cursor,
        limit=limit,
    )
    with connection.cursor() as db:
        db.execute(sql, params)
        rows = [_list_row(row) for row in db.fetchall()]
    return page_of(rows, keys=PAGE_KEYS, limit=limit)


def list_statement(access: TeamAccess, *, archived: bool, limit: int, **filters) -> tuple:
    """`list_query`'s SQL and parameters for this request, bound into the shape's compile."""
    _require_read(access)
    values = _list_values(access, **filters)
    return _LIST_SHAPES.bind(
        (access.permissions, archived, limit),
        values,
        lambda v: list_query(access, archived=archived, limit=limit, **v),
    )


def _list_values(access: TeamAccess, *, agent, start, end, q, cursor) -> dict:
    values = {"team": access.team.id, "actor": access.account.pk}
    if agent:
        values["agent"] = agent
    if start := _parse_time(start, "from"):
        values["start"] = start
    if end := _parse_time(end, "to"):
        values["end"] = end
    if q:
        if len(q) > 200 or "\x00" in q:
            raise Invalid("At most 200 characters, without NUL.", field="q")
        values["q"] = q
    if cursor:
        values["after_time"], values["after_id"] = decode_cursor(cursor, len(PAGE_KEYS))
    return values


def list_query(
    access: TeamAccess,
    *,
    archived: bool,
    limit: int,
    team,
    actor,
    agent=None,
    start=None,
    end=None,
    q=None,
    after_time=None,
    after_id=None,
) -> QuerySet:
    """The call list as the ORM spells it, for `access` standing in `team` as `actor`."""
    qs = readable_calls(access.standing_in(team_id=team, account_pk=actor))
    qs = qs.filter(archived=Value(archived))
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
    after = None if after_time is None else [after_time, after_id]
    qs = keyset(qs, keys=PAGE_KEYS, after=after, limit=limit, descending=True)
    return qs.values_list(*LIST_COLUMNS)


def _aware(value):
    if isinstance(value, str):  # SQLite without declared-type parsing
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _json(value):
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _list_row(row: tuple) -> SimpleNamespace:
    (
        id_,
        team_id,
        external_id,
        started_at,
        ended_at,
        duration,
        direction,
        agent_id,
        agent_ref,
        customer,
        tags,
        archived,
        talk_ratio,
        silence_share,
        agent_name,
        agent_email,
        agent_account_id,
    ) = row
    agent = (
        SimpleNamespace(name=agent_name, email=agent_email, account_id=agent_account_id)
        if agent_id
        else None
    )
    return SimpleNamespace(
        id=id_,
        team_id=team_id,
        external_id=external_id,
        started_at=_aware(started_at),
        ended_at=_aware(ended_at),
        duration_seconds=duration,
        direction=direction,
        agent_id=agent_id,
        agent_ref=agent_ref,
        customer=_json(customer),
        tags=_json(tags),
        archived=bool(archived),
        talk_ratio=talk_ratio,
        silence_share=silence_share,
        agent=agent,
    )


def org_ingest_keys(*, access: OrgAccess) -> list[IngestKey]:
    access.require("org.keys.manage")
    return list(
        IngestKey.objects.filter(
            organization_id=access.organization.id, revoked_at__isnull=True
        ).order_by("-created_at")
    )
