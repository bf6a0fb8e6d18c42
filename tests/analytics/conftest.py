"""Helpers for the analytics tests: sending calls through the real ingest stream, and the figures
those calls imply, computed here from the stored Call rows (independently of the rollups)."""

from collections import Counter, defaultdict
from datetime import UTC, date, timedelta

import orjson
import pytest

from callstudio.calls.models import Call
from tests.calls.conftest import ingest  # noqa: F401  (fixture)

THRESHOLD = 0.05  # VADER's: positive above, negative below -0.05
BUCKET_TOPS = (60, 180, 300, 600, 1200)  # seconds: < 1 min, 1-3, 3-5, 5-10, 10-20, 20 min and over


def stream(ingest, bodies: list[dict]) -> dict:  # noqa: F811
    """Send calls as one NDJSON stream to the team's workflow ID; every line must be accepted
    (or be a duplicate)."""
    response = ingest.client.post(
        f"{ingest.url}/stream",
        data=b"".join(orjson.dumps(b) + b"\n" for b in bodies),
        content_type="application/x-ndjson",
        headers={"Authorization": f"Bearer {ingest.token}"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["rejected"] == [], body["rejected"]
    return body


def counted_calls(team, *, agent_pk=None) -> list[Call]:
    """What the analytics must be the sum of: the team's analysed, unarchived calls (one agent's
    when `agent_pk` is given)."""
    calls = Call.objects.filter(team=team, archived=False, analyzed_at__isnull=False)
    if agent_pk is not None:
        calls = calls.filter(agent_id=agent_pk)
    return list(calls.select_related("agent").order_by("id"))


def utc_day(call) -> date:
    return call.started_at.astimezone(UTC).date()


def _label(sentiment: float) -> str:
    if sentiment > THRESHOLD:
        return "positive"
    if sentiment < -THRESHOLD:
        return "negative"
    return "neutral"


def _bucket(duration: float) -> int:
    for i, top in enumerate(BUCKET_TOPS):
        if duration < top:
            return i
    return len(BUCKET_TOPS)


def figures(calls: list[Call]) -> dict:
    n = len(calls)
    duration = sum(c.duration_seconds for c in calls)
    agent_talk = sum(c.agent_talk_seconds for c in calls)
    talk = agent_talk + sum(c.customer_talk_seconds for c in calls)
    silence = sum((c.silence_share or 0.0) * c.duration_seconds for c in calls)
    # Calls without a transcript have no silence share: left out of the share entirely.
    silence_base = sum(c.duration_seconds for c in calls if c.silence_share is not None)
    rated = [c.sentiment for c in calls if c.sentiment is not None]
    labels = Counter(_label(s) for s in rated)
    return {
        "calls": n,
        "total_duration_seconds": round(duration, 3),
        "avg_duration_seconds": round(duration / n, 3) if n else None,
        "inbound": sum(c.direction == "inbound" for c in calls),
        "outbound": sum(c.direction == "outbound" for c in calls),
        "talk_ratio": round(agent_talk / talk, 4) if talk else None,
        "silence_share": round(silence / silence_base, 4) if silence_base else None,
        "avg_longest_monologue_seconds": (
            round(sum(c.longest_monologue_seconds for c in calls) / n, 3) if n else None
        ),
        "sentiment": {
            "average": round(sum(rated) / len(rated), 4) if rated else None,
            "positive": labels["positive"],
            "neutral": labels["neutral"],
            "negative": labels["negative"],
        },
    }


def _top(counter: Counter) -> list[dict]:
    ranked = sorted(((-n, term) for term, n in counter.items() if n), key=lambda x: x)
    return [{"term": term, "calls": -n} for n, term in ranked[:20]]


def expected_analytics(
    calls: list[Call], start: date, end: date, *, leaderboard: bool, trackers=None
) -> dict:
    """The analytics response these calls imply for `start`..`end` (UTC days, both included);
    with `trackers` (the team's, by name), each one's count of the calls that matched it."""
    calls = [c for c in calls if start <= utc_day(c) <= end]
    buckets = Counter(_bucket(c.duration_seconds) for c in calls)
    per_day = defaultdict(list)
    for c in calls:
        per_day[utc_day(c)].append(c)
    by_day = []
    for i in range((end - start).days + 1):
        day = start + timedelta(days=i)
        f = figures(per_day.get(day, []))
        by_day.append(
            {
                "day": day.isoformat(),
                "calls": f["calls"],
                "duration_seconds": f["total_duration_seconds"],
                "inbound": f["inbound"],
                "outbound": f["outbound"],
                "avg_sentiment": f["sentiment"]["average"],
            }
        )
    result = {
        **figures(calls),
        "range": {"from": start.isoformat(), "to": end.isoformat()},
        "duration_distribution": [buckets[i] for i in range(len(BUCKET_TOPS) + 1)],
        "by_day": by_day,
        "tags": _top(Counter(t for c in calls for t in set(c.tags))),
        "keywords": _top(Counter(k for c in calls for k in set(c.keywords))),
        "agents": _leaderboard(calls) if leaderboard else None,
    }
    if trackers is not None:
        result["trackers"] = [
            {
                "id": t.id,
                "name": t.name,
                "query": t.query,
                "calls": sum(t.id in c.trackers for c in calls),
            }
            for t in sorted(trackers, key=lambda t: (t.name, t.id))
        ]
    return result


def _leaderboard(calls: list[Call]) -> list[dict]:
    per_agent = defaultdict(list)
    for c in calls:
        per_agent[c.agent_id].append(c)
    board = []
    for agent_id, own in per_agent.items():
        agent = own[0].agent
        f = figures(own)
        board.append(
            {
                "agent": (
                    {"account_id": agent.account_id, "name": agent.name, "email": agent.email}
                    if agent_id
                    else None
                ),
                "calls": f["calls"],
                "total_duration_seconds": f["total_duration_seconds"],
                "avg_duration_seconds": f["avg_duration_seconds"],
                "talk_ratio": f["talk_ratio"],
                "silence_share": f["silence_share"],
                "avg_sentiment": f["sentiment"]["average"],
            }
        )
    board.sort(key=lambda r: (-r["calls"], r["agent"]["name"] if r["agent"] else "\uffff"))
    return board


def assert_matches(actual, expected, path="analytics"):
    """Equal, except that floats may differ by one unit of their last rounded digit (sums taken
    in another order by the database)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and set(actual) >= set(expected), (path, actual, expected)
        for key, value in expected.items():
            assert_matches(actual[key], value, f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), (path, actual, expected)
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_matches(a, e, f"{path}[{i}]")
    elif isinstance(expected, float) and not isinstance(expected, bool):
        assert isinstance(actual, int | float), (path, actual, expected)
        tolerance = 1.01e-3 if "duration" in path or "monologue" in path else 1.01e-4
        assert abs(actual - expected) <= tolerance, (path, actual, expected)
    else:
        assert actual == expected, (path, actual, expected)


def get_analytics(api, team_url: str, start: date, end: date) -> dict:
    response = api.get(
        f"{team_url}/analytics", **{"from": start.isoformat(), "to": end.isoformat()}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    body["duration_distribution_labels"] = [b["label"] for b in body["duration_distribution"]]
    body["duration_distribution"] = [b["calls"] for b in body["duration_distribution"]]
    return body


@pytest.fixture
def team_url(world) -> str:
    return world.team_url
