"""A team's figures from its rollups (never from its calls): `analytics.read.all` sees the team,
`analytics.read.own` only the rollups of their own calls; the leaderboard needs `agents.read`
and the team scope. Days are UTC dates, `from` and `to` both included."""

from datetime import UTC, date, datetime, timedelta

from django.db.models import Sum

from callstudio.access.policy import OrgAccess, TeamAccess, readable_teams
from callstudio.accounts.models import Account
from callstudio.core import clock
from callstudio.core.errors import Forbidden, Invalid

from .models import DURATION_BUCKETS, TEAM, UNLINKED, DayRollup, TermRollup
from .rollups import SUMS

DEFAULT_DAYS = 30
MAX_DAYS = 3660
BUCKET_LABELS = ("< 1 min", "1–3 min", "3–5 min", "5–10 min", "10–20 min", "≥ 20 min")
assert len(BUCKET_LABELS) == len(DURATION_BUCKETS) + 1


def _day(value, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    text = str(value)
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC).date()
    except (ValueError, OverflowError):  # OverflowError: a time whose UTC date is out of range
        raise Invalid("Use a date (2026-11-28) or an RFC 3339 time.", field=field) from None


def date_range(start=None, end=None) -> tuple[date, date]:
    """`from`..`to` inclusive; by default the last 30 days up to today (UTC)."""
    end_day = _day(end, "to") or clock.today()
    default_days = min(DEFAULT_DAYS - 1, (end_day - date.min).days)  # never before year 1
    start_day = _day(start, "from") or end_day - timedelta(days=default_days)
    if start_day > end_day:
        raise Invalid("Must not be after `to`.", field="from")
    if (end_day - start_day).days >= MAX_DAYS:
        raise Invalid(f"At most {MAX_DAYS} days at a time.", field="from")
    return start_day, end_day


def analytics_scope(access: TeamAccess) -> str:
    if access.has("analytics.read.all"):
        return "all"
    if access.has("analytics.read.own"):
        return "own"
    raise Forbidden("Your role in this team does not allow reading analytics.")


# Seconds summed in floating point and taken out again (archive, unarchive) can leave a residue
# of about 1e-13 where the exact sum is 0: below this, a sum of seconds counts as nothing.
NOTHING = 1e-6


def _figures(sums: dict) -> dict:
    calls = sums["calls"] or 0
    duration = sums["duration_sum"] or 0.0
    talk = (sums["agent_talk_sum"] or 0.0) + (sums["customer_talk_sum"] or 0.0)
    rated = sums["sentiment_calls"] or 0
    return {
        "calls": calls,
        "total_duration_seconds": round(duration, 3),
        "avg_duration_seconds": round(duration / calls, 3) if calls else None,
        "inbound": sums["inbound"] or 0,
        "outbound": sums["outbound"] or 0,
        "talk_ratio": round(sums["agent_talk_sum"] / talk, 4) if talk > NOTHING else None,
        "silence_share": (
            round(sums["silence_sum"] / sums["silence_base_sum"], 4)
            if (sums["silence_base_sum"] or 0.0) > NOTHING
            else None
        ),
        "avg_longest_monologue_seconds": round(sums["monologue_sum"] / calls, 3) if calls else None,
        "sentiment": {
            "average": round(sums["sentiment_sum"] / rated, 4) if rated else None,
            "positive": sums["positive"] or 0,
            "neutral": sums["neutral"] or 0,
            "negative": sums["negative"] or 0,
        },
    }


def _sums(rows) -> dict:
    return {s: sum(r[s] or 0 for r in rows) for s in SUMS}


def team_analytics(*, access: TeamAccess, start=None, end=None, trackers=()) -> dict:
    """Four queries: by day, by agent (leaderboard), tags, keywords and trackers, the agents'
    names. `trackers`: the team's trackers (objects with `id`, `name`, `query`; rules/, which
    sits above this app, reads them), each counted in the range (`calls`), in their order."""
    scope = analytics_scope(access)
    start_day, end_day = date_range(start, end)
    rollups = DayRollup.objects.filter(team_id=access.team.id, day__gte=start_day, day__lte=end_day)
    terms = TermRollup.objects.filter(team_id=access.team.id, day__gte=start_day, day__lte=end_day)
    # The team's own rows (agent_key TEAM) for the team; the actor's rows for their own calls.
    agent_key = access.account.pk if scope == "own" else TEAM
    days_of = rollups.filter(agent_key=agent_key)
    terms = terms.filter(agent_key=agent_key)
    aggregates = {s: Sum(s) for s in SUMS}
    days = {r["day"]: r for r in days_of.values(*("day", *SUMS)).order_by("day")}
    totals = _sums(days.values())
    by_day = []
    for i in range((end_day - start_day).days + 1):
        day = start_day + timedelta(days=i)
        row = days.get(day)
        figures = _figures(row if row else dict.fromkeys(SUMS, 0))
        by_day.append(
            {
                "day": day.isoformat(),
                "calls": figures["calls"],
                "duration_seconds": figures["total_duration_seconds"],
                "inbound": figures["inbound"],
                "outbound": figures["outbound"],
                "avg_sentiment": figures["sentiment"]["average"],
            }
        )
    result = {
        "range": {"from": start_day.isoformat(), "to": end_day.isoformat()},
        "scope": scope,
        **_figures(totals),
        "duration_distribution": [
            {"label": label, "calls": totals[f"duration_b{i}"] or 0}
            for i, label in enumerate(BUCKET_LABELS)
        ],
        "by_day": by_day,
        "tags": [],
        "keywords": [],
        "trackers": [],
        "agents": None,
    }
    top = (
        terms.values("kind", "term")
        .annotate(n=Sum("calls"))
        .filter(n__gt=0)
        .order_by("kind", "-n", "term")
    )
    counted = {}
    for row in top:
        if row["kind"] == TermRollup.TRACKER:
            counted[row["term"]] = row["n"]
            continue
        key = "tags" if row["kind"] == TermRollup.TAG else "keywords"
        if len(result[key]) < 20:
            result[key].append({"term": row["term"], "calls": row["n"]})
    result["trackers"] = [
        {"id": t.id, "name": t.name, "query": t.query, "calls": counted.get(t.id, 0)}
        for t in trackers
    ]
    if scope == "all" and access.has("agents.read"):
        result["agents"] = _leaderboard(rollups.exclude(agent_key=TEAM), aggregates)
    return result


def _leaderboard(rollups, aggregates) -> list[dict]:
    rows = [r for r in rollups.values("agent_key").annotate(**aggregates) if r["calls"]]
    accounts = Account.objects.in_bulk({r["agent_key"] for r in rows} - {UNLINKED})
    board = []
    for row in rows:
        account = accounts.get(row["agent_key"])
        figures = _figures(row)
        board.append(
            {
                "agent": (
                    {"account_id": account.account_id, "name": account.name, "email": account.email}
                    if account
                    else None
                ),
                "calls": figures["calls"],
                "total_duration_seconds": figures["total_duration_seconds"],
                "avg_duration_seconds": figures["avg_duration_seconds"],
                "talk_ratio": figures["talk_ratio"],
                "silence_share": figures["silence_share"],
                "avg_sentiment": figures["sentiment"]["average"],
            }
        )
    board.sort(key=lambda r: (-r["calls"], r["agent"]["name"] if r["agent"] else "\uffff"))
    return board


def org_overview(*, access: OrgAccess, start=None, end=None) -> dict:
    """Every team the actor sees the whole of, side by side (Admins and Managers: all teams).
    Two queries: the teams, and their rollups grouped by team."""
    if not access.has("analytics.read.all"):
        raise Forbidden("Only roles that see every team's analytics see the overview.")
    start_day, end_day = date_range(start, end)
    teams = list(readable_teams(access).filter(archived_at__isnull=True).order_by("name", "id"))
    sums = {
        r["team_id"]: r
        for r in DayRollup.objects.filter(
            team_id__in=[t.id for t in teams],
            agent_key=TEAM,
            day__gte=start_day,
            day__lte=end_day,
        )
        .values("team_id")
        .annotate(**{s: Sum(s) for s in SUMS})
    }
    return {
        "range": {"from": start_day.isoformat(), "to": end_day.isoformat()},
        "teams": [
            {
                "team": {"id": t.id, "name": t.name},
                **_figures(sums.get(t.id) or dict.fromkeys(SUMS, 0)),
            }
            for t in teams
        ],
    }
