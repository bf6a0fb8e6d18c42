"""Property: whatever calls arrive, the analytics endpoint answers exactly the figures those calls
imply. Random calls (times in several time zones across a few UTC days, durations on and around
the bucket edges, directions, agents named every way a sender may name them or not at all,
transcripts with positive and negative words, tags) go through the real ingest stream and the
analysis pass; then `GET .../analytics` is compared, for random ranges, with the figures computed
here from the stored calls, for the team (Supervisor) and for one agent's own calls (Agent). The
second property drives archive, unarchive, an `archive_call` automation, a member joining later
and re-running the analysis, and holds the rollups to the same figures after every step and to a
full rebuild at the end."""

import re
from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callstudio.access.policy import org_access, team_access
from callstudio.analytics import rollups
from callstudio.analytics.models import DayRollup, TermRollup
from callstudio.analytics.sentiment import call_sentiment
from callstudio.calls.models import Call
from callstudio.directory.services import (
    org_member_add,
    team_member_add,
    team_member_set_agent_external_id,
)
from callstudio.pipeline.analysis import analyze_pending
from callstudio.pipeline.rebuild import rebuild
from callstudio.rules.models import Tracker
from callstudio.rules.services import alert_rule_create, automation_create, tracker_create
from tests.conftest import person

from .conftest import assert_matches, counted_calls, expected_analytics, get_analytics, stream

BASE = datetime(2026, 11, 20, tzinfo=UTC)
DAYS = [date(2026, 11, 19) + timedelta(days=i) for i in range(7)]  # covers every call's UTC day
ZONES = ["Z", "+05:30", "-08:00", "+14:00", "-12:00", "+01:00"]
TEXTS = [
    "Thank you so much, this is wonderful, great help!",
    "This is terrible. I am very angry and upset.",
    "I want a refund for the double charge.",
    "Please cancel my subscription.",
    "Okay.",
    "Let me check that for you.",
    "Awful, horrible service.",
    "I love it, excellent!",
    "",
    "   ",
]
TAGS = ["refund", "vip", "churn", "upsell"]
# How a sender names the agent -> who the call must belong to (None: nobody, yet).
AGENTS = {
    "none": None,
    "agent-email": "agent",
    "agent-email-upper": "agent",
    "agent-account": "agent",
    "supervisor": "supervisor",
    "qa-external": "qa",
    "member-not-in-team": None,
    "unknown-external": None,
    "late-external": None,  # linked once "late" joins the team (second property)
}
EXAMPLES = 25
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def agent_ref(world, how: str):
    return {
        "none": None,
        "agent-email": {"email": "agent@acme.test"},
        "agent-email-upper": {"email": " Agent@ACME.test"},
        "agent-account": {"account_id": world["agent"].account_id},
        "supervisor": {"email": "supervisor@acme.test"},
        "qa-external": {"external_id": "QA-7"},
        "member-not-in-team": {"email": "member@acme.test"},
        "unknown-external": {"external_id": "A-404"},
        "late-external": {"external_id": "LATE-1"},
    }[how]


@st.composite
def segments(draw, duration: float):
    out = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(
            st.floats(0, max(duration, 1.0) + 5, allow_nan=False).map(lambda x: round(x, 2))
        )
        length = draw(st.sampled_from([0, 0.5, 3, 10, 42.25, 90]))
        out.append(
            {
                "speaker": draw(st.sampled_from(["agent", "customer", "IVR"])),
                "start": start,
                "end": round(start + length, 2),
                "text": draw(st.sampled_from(TEXTS)),
            }
        )
    return out


@st.composite
def a_call(draw):
    offset = draw(st.integers(0, 4 * 86400 - 1))
    started = BASE + timedelta(seconds=offset)
    zone = draw(st.sampled_from(ZONES))
    local = started.astimezone(
        UTC if zone == "Z" else datetime.strptime(zone, "%z").tzinfo
    ).replace(tzinfo=None)
    duration = draw(
        st.one_of(
            st.sampled_from(
                [0, 1, 59.999, 60, 179.5, 180, 299, 300, 599.99, 600, 1199, 1200, 4000]
            ),
            st.floats(0, 3000, allow_nan=False).map(lambda x: round(x, 3)),
        )
    )
    body = {
        "started_at": local.isoformat(timespec="seconds") + zone,
        "transcript": draw(segments(duration)),
        "tags": draw(st.lists(st.sampled_from(TAGS), max_size=4)),
        "agent_how": draw(st.sampled_from(sorted(AGENTS))),
    }
    if draw(st.booleans()):
        body["duration_seconds"] = duration
    else:  # only the end: the duration is derived (whole seconds, so it is exact)
        body["ended_at"] = (started + timedelta(seconds=int(duration))).isoformat()
        body["_duration"] = float(int(duration))
    direction = draw(st.sampled_from([None, "inbound", "outbound"]))
    if direction:
        body["direction"] = direction
    body.setdefault("_duration", float(duration))
    body["_started"] = started
    return body


def to_wire(world, i: int, call: dict) -> dict:
    body = {k: v for k, v in call.items() if not k.startswith("_") and k != "agent_how"}
    body["external_id"] = f"p-{i}"
    ref = agent_ref(world, call["agent_how"])
    if ref:
        body["agent"] = ref
    return body


def a_range(draw) -> tuple[date, date]:
    start = draw(st.sampled_from(DAYS))
    end = draw(st.sampled_from([d for d in DAYS if d >= start]))
    return start, end


def give_qa_an_agent_id(world) -> None:
    access = team_access(org_access(world["admin"].account, world.org.id), world.team.id)
    team_member_set_agent_external_id(
        access=access, account_id=world["qa"].account_id, agent_external_id="QA-7"
    )


def setup_team(world):
    """Keyword trackers (an alert rule's phrases), an automation that tags angry calls, and two
    trackers (saved queries)."""
    access = team_access(org_access(world["admin"].account, world.org.id), world.team.id)
    alert_rule_create(
        access=access,
        name="Refunds and cancellations",
        condition={"type": "keyword", "phrases": ["refund", "Cancel my"]},
    )
    automation_create(
        access=access,
        name="Flag anger",
        trigger="call.ingested",
        conditions=[{"type": "keyword", "phrases": ["angry"]}],
        actions=[{"type": "add_tag", "tag": "flagged"}],
    )
    tracker_create(access=access, name="Refunds asked", query="customer:refund")
    tracker_create(access=access, name="Praise", query="excellent OR wonderful -terrible")
    return access


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.casefold())


def _said(phrase: str, segments: list[dict], speaker=None) -> bool:
    """`phrase`'s words, consecutive, in one segment (of `speaker`, if given)."""
    wanted = _words(phrase)
    for s in segments:
        if speaker and s["speaker"] != speaker:
            continue
        found = _words(s["text"])
        if any(found[i : i + len(wanted)] == wanted for i in range(len(found))):
            return True
    return False


def expected_trackers(world, transcript: list[dict]) -> list[str]:
    """The trackers of setup_team a transcript matches, evaluated here (not by the matcher)."""
    ids = dict(Tracker.objects.filter(team=world.team).values_list("name", "id"))
    found = []
    if _said("refund", transcript, speaker="customer"):
        found.append(ids["Refunds asked"])
    if (_said("excellent", transcript) or _said("wonderful", transcript)) and not _said(
        "terrible", transcript
    ):
        found.append(ids["Praise"])
    return found


def check_stored(world, sent: list[dict]) -> None:
    """The stored calls are the ones sent: belonging to whom the sender named, with the sent
    duration, sentiment of the transcript, tags deduplicated plus the automation's."""
    stored = {c.external_id: c for c in Call.objects.filter(team=world.team)}
    assert len(stored) == len(sent)
    for i, call in enumerate(sent):
        row = stored[f"p-{i}"]
        who = AGENTS[call["agent_how"]]
        assert row.agent_id == (world[who].account.pk if who else None), call["agent_how"]
        assert row.duration_seconds == call["_duration"]
        assert row.started_at == call["_started"]
        assert row.sentiment == call_sentiment(call["transcript"])
        segments = call["transcript"]
        angry = _said("angry", segments)
        tags = list(dict.fromkeys(call["tags"])) + (["flagged"] if angry else [])
        assert row.tags == tags
        # Keyword trackers: the phrases of the team's keyword conditions, rules' and automations',
        # said as whole words in one segment.
        assert row.keywords == [k for k in ("refund", "Cancel my", "angry") if _said(k, segments)]
        assert sorted(row.trackers) == sorted(expected_trackers(world, segments))


def check_figures(world, start: date, end: date) -> None:
    team = world.team
    trackers = list(Tracker.objects.filter(team=team))
    got = get_analytics(world.api("supervisor"), world.team_url, start, end)
    assert got["scope"] == "all"
    assert len(got["duration_distribution_labels"]) == 6
    assert_matches(
        got,
        expected_analytics(counted_calls(team), start, end, leaderboard=True, trackers=trackers),
    )
    own = get_analytics(world.api("agent"), world.team_url, start, end)
    assert own["scope"] == "own" and own["agents"] is None
    assert_matches(
        own,
        expected_analytics(
            counted_calls(team, agent_pk=world["agent"].account.pk),
            start,
            end,
            leaderboard=False,
            trackers=trackers,
        ),
    )


def rollup_rows() -> dict:
    days = {
        (r["team_id"], r["day"], r["agent_key"]): r
        for r in DayRollup.objects.values("team_id", "day", "agent_key", *rollups.SUMS)
    }
    terms = {
        (r["team_id"], r["day"], r["agent_key"], r["kind"], r["term"]): r["calls"]
        for r in TermRollup.objects.values("team_id", "day", "agent_key", "kind", "term", "calls")
    }
    # A row whose sums all went back to zero (everything in it archived) is the same as no row.
    days = {k: v for k, v in days.items() if any(abs(v[s]) > 1e-6 for s in rollups.SUMS)}
    return {"days": days, "terms": {k: v for k, v in terms.items() if v}}


def assert_same_rollups(incremental: dict, rebuilt: dict) -> None:
    assert set(incremental["days"]) == set(rebuilt["days"])
    for key, row in rebuilt["days"].items():
        for name in rollups.SUMS:
            assert abs(incremental["days"][key][name] - row[name]) < 1e-6, (key, name)
    assert incremental["terms"] == rebuilt["terms"]


class Rollback(Exception):
    pass


def in_savepoint(fn):
    """Each example in its own savepoint, rolled back: examples never see each other's calls."""
    try:
        with transaction.atomic():
            fn()
            raise Rollback
    except Rollback:
        pass


def test_analytics_equal_the_figures_of_the_ingested_calls(world, ingest):
    give_qa_an_agent_id(world)

    @given(calls=st.lists(a_call(), min_size=4, max_size=30), data=st.data())
    @SETTINGS
    def prop(calls, data):
        def example():
            setup_team(world)
            wire = [to_wire(world, i, c) for i, c in enumerate(calls)]
            # In two streams with an analysis pass between them, the second resending some of
            # the first: nothing is counted twice.
            split = data.draw(st.integers(0, len(wire)), label="split")
            stream(ingest, wire[:split])
            analyze_pending()
            body = stream(ingest, wire[:split][: data.draw(st.integers(0, 3))] + wire[split:])
            assert body["accepted"] == len(wire) - split
            analyze_pending()
            check_stored(world, calls)
            for _ in range(2):
                start, end = a_range(data.draw)
                check_figures(world, start, end)

        in_savepoint(example)

    prop()


def test_rollups_stay_exact_through_archive_automation_linking_and_reanalysis(world, ingest):
    give_qa_an_agent_id(world)
    admin = org_access(world["admin"].account, world.org.id)
    late = person("late@acme.test")
    org_member_add(access=admin, account_id=late.account_id)
    world.people["late"] = late
    everything = (DAYS[0], DAYS[-1])

    @given(calls=st.lists(a_call(), min_size=4, max_size=25), data=st.data())
    @SETTINGS
    def prop(calls, data):
        def example():
            access = setup_team(world)
            automation_create(
                access=access,
                name="Archive test calls",
                trigger="call.ingested",
                conditions=[{"type": "metadata_equals", "key": "test", "value": True}],
                actions=[{"type": "archive_call"}],
            )
            wire = [to_wire(world, i, c) for i, c in enumerate(calls)]
            for body in wire:
                if data.draw(st.integers(0, 4), label="test call") == 0:
                    body["metadata"] = {"test": True}
            stream(ingest, wire)
            assert analyze_pending() == len(wire)
            archived_by_rule = {b["external_id"] for b in wire if b.get("metadata")}
            assert (
                set(
                    Call.objects.filter(team=world.team, archived=True).values_list(
                        "external_id", flat=True
                    )
                )
                == archived_by_rule
            )
            check_figures(world, *everything)

            ids = dict(Call.objects.filter(team=world.team).values_list("external_id", "id"))
            supervisor = world.api("supervisor")
            for step in data.draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(sorted(ids)), st.sampled_from(["archive", "unarchive"])
                    ),
                    max_size=6,
                ),
                label="archive steps",
            ):
                external_id, action = step
                url = f"{world.team_url}/calls/{ids[external_id]}/{action}"
                response = supervisor.post(url)
                assert response.status_code == 200, response.content
                assert response.json()["archived"] == (action == "archive")
            check_figures(world, *everything)

            if data.draw(st.booleans(), label="late joins"):
                team_member_add(
                    access=access,
                    account_id=late.account_id,
                    role="agent",
                    agent_external_id="LATE-1",
                )
                linked = Call.objects.filter(team=world.team, agent=late.account)
                assert set(linked.values_list("external_id", flat=True)) == {
                    f"p-{i}" for i, c in enumerate(calls) if c["agent_how"] == "late-external"
                }
                check_figures(world, *everything)

            # Nothing pending: a second pass (a retry, a second worker) changes nothing.
            before = rollup_rows()
            assert analyze_pending() == 0
            assert rollup_rows() == before
            start, end = a_range(data.draw)
            check_figures(world, start, end)

            # A rebuild from the calls finds exactly what was maintained step by step.
            rebuild([world.team.id])
            assert_same_rollups(before, rollup_rows())

        in_savepoint(example)

    prop()
