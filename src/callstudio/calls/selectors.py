"""Reading calls: only ever through the access layer's row filter (`TeamAccess.restrict`)."""

from datetime import UTC, datetime
from types import SimpleNamespace

import orjson
from django.db import connection
from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Cast

from callstudio.access.policy import OrgAccess, TeamAccess
from callstudio.core.errors import Forbidden, Invalid, NotFound
from callstudio.core.pagination import Page, paginate

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


def readable_calls(access: TeamAccess) -> QuerySet:
    if not (access.has("calls.read.all") or access.has("calls.read.own")):
        raise Forbidden("Your role in this team does not allow reading calls.")
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
    return parsed


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
    """Newest first. `agent` is an account ID; `q` searches the transcript text."""
    qs = readable_calls(access).filter(archived=Value(archived))
    if agent:
        qs = qs.filter(agent__account_id=agent)
    start, end = _parse_time(start, "from"), _parse_time(end, "to")
    if start:
        qs = qs.filter(started_at__gte=start)
    if end:
        qs = qs.filter(started_at__lt=end)
    if q:
        if len(q) > 200 or "\x00" in q:
            raise Invalid("At most 200 characters, without NUL.", field="q")
        qs = qs.annotate(transcript_text=Cast("transcript", CharField())).filter(
            transcript_text__icontains=q
        )
    return paginate(
        qs,
        keys=("started_at", "id"),
        cursor=cursor,
        limit=limit,
        descending=True,
        fetch=_fetch_list,
    )


LIST_COLUMNS = (*LIST_FIELDS, "agent__name", "agent__email", "agent__account_id")


def _fetch_list(qs: QuerySet) -> list[SimpleNamespace]:
    """Run the restricted queryset's own SQL and read the rows as light objects that render like
    a Call: the WHERE clause is still the access layer's, but a page of 50 skips the ORM's
    per-row model building and field converters, its largest fixed cost."""
    sql, params = qs.values_list(*LIST_COLUMNS).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [_list_row(row) for row in cursor.fetchall()]


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
