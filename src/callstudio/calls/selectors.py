"""Reading calls: only ever through the access layer's row filter (`TeamAccess.restrict`)."""

import functools
from datetime import UTC, datetime
from types import SimpleNamespace

from django.db.models import QuerySet, Value

from callstudio.access.policy import OrgAccess, TeamAccess, read_scope
from callstudio.accounts.models import Account
from callstudio.core.errors import Forbidden, Invalid, NotFound
from callstudio.core.pagination import Page, clean_limit, decode_cursor, keyset, page_of
from callstudio.core.validation import refuse_nul
from callstudio.orgs.models import Team
from callstudio.search.query import parse as parse_query

from . import search
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


def parse_time(value, field: str):
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
CURSOR_SCOPE = "calls.call:started_at,id"


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
    """Newest first. `agent` is an account ID; `q` is a search (the query language of
    docs/search.md, through the search engine: `searched_page`).

    One query: `list_query` (the rows `access` may read, by column name) read into light items."""
    limit = clean_limit(limit)
    _require_read(access)
    if q:
        return searched_page(
            access,
            q=q,
            agent=agent,
            start=start,
            end=end,
            archived=archived,
            cursor=cursor,
            limit=limit,
        )
    filters = list_filters(agent=agent, start=start, end=end, cursor=cursor)
    rows = list_query(access, archived=archived, limit=limit, **filters)
    return page_of(
        [_list_item(row) for row in rows], keys=PAGE_KEYS, limit=limit, scope=CURSOR_SCOPE
    )


@functools.cache
def _list_rows() -> QuerySet:
    # The list's columns and the agent's join, worked out once: each page only adds its ids.
    return Call.objects.values(*LIST_COLUMNS)


def searched_page(access: TeamAccess, *, q, agent, start, end, archived, cursor, limit) -> Page:
    """The call list of a search: the engine picks the page (newest first, by start time to the
    second), then one query reads those calls, in that order. Two queries."""
    query = parse_query(q)
    calls = readable_calls(access).filter(archived=Value(archived))
    if agent := clean_agent(agent):
        calls = calls.filter(agent_id__in=Account.objects.filter(account_id=agent).values("pk"))
    if start := parse_time(start, "from"):
        calls = calls.filter(started_at__gte=start)
    if end := parse_time(end, "to"):
        calls = calls.filter(started_at__lt=end)
    hits, next_cursor = search.find(
        query,
        calls,
        organization_id=access.team.organization_id,
        teams=[access.team.id],
        cursor=cursor,
        limit=limit,
    )
    rows = _list_rows().filter(id__in=[h.call_id for h in hits])
    by_id = {row["id"]: row for row in rows}
    items = [_list_item(by_id[h.call_id]) for h in hits if h.call_id in by_id]
    return Page(items=items, next_cursor=next_cursor)


def clean_agent(agent) -> str | None:
    """The agent filter: an account ID, or None."""
    return refuse_nul(agent, field="agent") or None


def list_filters(*, agent, start, end, cursor) -> dict:
    """The request's filters, checked and parsed; absent ones are None."""
    parsed = {
        "agent": clean_agent(agent),
        "start": parse_time(start, "from"),
        "end": parse_time(end, "to"),
    }
    parsed["after"] = decode_cursor(cursor, len(PAGE_KEYS), scope=CURSOR_SCOPE) if cursor else None
    return parsed


def list_query(
    access: TeamAccess,
    *,
    archived: bool,
    limit: int,
    agent=None,
    start=None,
    end=None,
    after=None,
) -> QuerySet:
    """The call list as the ORM spells it: the rows `access` may read, by column name."""
    # `archived = %s`, not Django's `NOT archived`: SQLite uses only an equality as an index key.
    qs = readable_calls(access).filter(archived=Value(archived))
    if agent is not None:
        qs = qs.filter(agent__account_id=agent)
    if start is not None:
        qs = qs.filter(started_at__gte=start)
    if end is not None:
        qs = qs.filter(started_at__lt=end)
    qs = keyset(qs, keys=PAGE_KEYS, after=after, limit=limit, descending=True)
    return qs.values(*LIST_COLUMNS)


def _list_item(row: dict) -> SimpleNamespace:
    """A light list item (no model instance per row); the agent's columns become `.agent`,
    None for a call not linked to a member."""
    name, email = row.pop("agent__name"), row.pop("agent__email")
    account_id = row.pop("agent__account_id")
    linked = row["agent_id"] is not None
    agent = SimpleNamespace(name=name, email=email, account_id=account_id) if linked else None
    return SimpleNamespace(**row, agent=agent)


def readable_call_teams(*, access: OrgAccess) -> list[tuple[str, str]]:
    """(id, name) of the teams where the actor may read calls (all, or their own), by name: the
    Search page's team filter. Three queries (`read_scope`'s two, the names)."""
    scope = read_scope(access, resource="calls")
    return list(
        Team.objects.filter(
            organization_id=access.organization.id, id__in=scope.all_teams | scope.own_teams
        )
        .order_by("name", "id")
        .values_list("id", "name")
    )


def org_ingest_keys(*, access: OrgAccess) -> list[IngestKey]:
    access.require("org.keys.manage")
    return list(
        IngestKey.objects.filter(
            organization_id=access.organization.id, revoked_at__isnull=True
        ).order_by("-created_at")
    )
