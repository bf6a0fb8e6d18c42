"""Searching an organization's calls (GET /orgs/{org}/search and the Search page): every team
the actor may read, all calls or their own by team (`access.policy.read_scope`), with filters,
through one engine query (calls/search.py). It lives here, above calls, because one filter asks
whether a call raised an alert."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from callstudio.access.policy import OrgAccess, ReadScope, read_scope, team_access
from callstudio.accounts.models import Account
from callstudio.analytics.models import SENTIMENT_THRESHOLD
from callstudio.calls import search
from callstudio.calls.models import Call
from callstudio.calls.selectors import parse_time
from callstudio.core.errors import Forbidden, Invalid
from callstudio.core.pagination import Page, clean_limit
from callstudio.core.validation import refuse_nul
from callstudio.search.query import parse

from .models import Alert

SENTIMENTS = ("negative", "neutral", "positive")
DIRECTIONS = ("inbound", "outbound")


@dataclass
class Filters:
    team: str | None = None
    agent: str | None = None
    start: str | None = None
    end: str | None = None
    tag: str | None = None
    direction: str | None = None
    min_duration: float | None = None
    max_duration: float | None = None
    sentiment: str | None = None
    has_alert: bool | None = None


def _scope(access: OrgAccess, team: str | None) -> ReadScope:
    if not team:
        return read_scope(access, resource="calls")
    found = team_access(access, team)  # 404 outside the organization
    found.require("team.read")
    if found.has("calls.read.all"):
        return ReadScope(all_teams=frozenset([team]), own_teams=frozenset())
    if found.has("calls.read.own"):
        return ReadScope(all_teams=frozenset(), own_teams=frozenset([team]))
    raise Forbidden("Your role in this team does not allow reading calls.")


def _filtered(calls, f: Filters):
    calls = calls.filter(archived=False)
    if f.agent:
        calls = calls.filter(agent_id__in=Account.objects.filter(account_id=f.agent).values("pk"))
    if start := parse_time(f.start, "from"):
        calls = calls.filter(started_at__gte=start)
    if end := parse_time(f.end, "to"):
        calls = calls.filter(started_at__lt=end)
    if f.tag:
        if len(f.tag) > 64 or "\x00" in f.tag:
            raise Invalid("A tag has at most 64 characters.", field="tag")
        calls = calls.filter(search.tag_filter(f.tag))
    if f.direction:
        if f.direction not in DIRECTIONS:
            raise Invalid("Give inbound or outbound.", field="direction")
        calls = calls.filter(direction=f.direction)
    for field, value, lookup in (
        ("min_duration", f.min_duration, "gte"),
        ("max_duration", f.max_duration, "lte"),
    ):
        if value is not None:
            if not 0 <= value <= 7 * 86400:
                raise Invalid("Seconds, between 0 and 604800.", field=field)
            calls = calls.filter(**{f"duration_seconds__{lookup}": value})
    if f.sentiment:
        if f.sentiment not in SENTIMENTS:
            raise Invalid("Give negative, neutral or positive.", field="sentiment")
        calls = calls.filter(
            **{
                "negative": {"sentiment__lt": -SENTIMENT_THRESHOLD},
                "positive": {"sentiment__gt": SENTIMENT_THRESHOLD},
                "neutral": {
                    "sentiment__gte": -SENTIMENT_THRESHOLD,
                    "sentiment__lte": SENTIMENT_THRESHOLD,
                },
            }[f.sentiment]
        )
    if f.has_alert is not None:
        raised = Exists(Alert.objects.filter(call_id=OuterRef("pk")))
        calls = calls.filter(raised if f.has_alert else ~raised)
    return calls


def search_calls(
    *,
    access: OrgAccess,
    q: str | None,
    filters: Filters | None = None,
    sort: str = search.NEWEST,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page:
    """A page of `{call, team, matches, score}` items. Queries: the read scope (two), the
    engine (one; two for a PostgreSQL phrase its probe cannot fill: calls/search.py), the
    page's calls with their teams and agents (one)."""
    query = parse(q)
    limit = clean_limit(limit)
    f = filters or Filters()
    for field in ("team", "agent", "tag"):
        refuse_nul(getattr(f, field), field=field)
    scope = _scope(access, f.team)
    org_id = access.organization.id
    calls = _filtered(
        search.scoped_calls(scope, organization_id=org_id, account_pk=access.account.pk), f
    )
    if not scope:
        return Page(items=[], next_cursor=None)
    hits, next_cursor = search.find(
        query,
        calls,
        organization_id=org_id,
        teams=scope.all_teams | scope.own_teams,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
    rows = Call.objects.filter(id__in=[h.call_id for h in hits]).select_related("team", "agent")
    by_id = {c.id: c for c in rows.only(*_FIELDS)}
    items = []
    for hit in hits:
        call = by_id.get(hit.call_id)
        if call is None:  # deleted between the two queries
            continue
        items.append(
            {
                "call": call,
                "matches": search.matching_segments(query, call.transcript),
                "score": hit.score,
            }
        )
    return Page(items=items, next_cursor=next_cursor)


_FIELDS = (
    "id",
    "team_id",
    "team__id",
    "team__name",
    "external_id",
    "started_at",
    "duration_seconds",
    "direction",
    "agent_id",
    "agent_ref",
    "agent__account_id",
    "agent__name",
    "customer",
    "transcript",
    "sentiment",
    "tags",
)
