"""Trackers in the team's analytics: the analysis pass records on each call the trackers whose
query it matches (the one matcher), the rollups count them per day (`TermRollup` kind
`tracker`), and `GET .../analytics` answers `trackers: [{id, name, query, calls}]` for the range,
moving with archive and unarchive, per scope (the team, or your own calls), recounted exactly by a
rebuild. Calls analysed before a tracker existed are not counted."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from callstudio.access.policy import org_access, team_access
from callstudio.analytics.models import TermRollup
from callstudio.calls.models import Call
from callstudio.pipeline.analysis import analyze_pending
from callstudio.pipeline.rebuild import rebuild
from callstudio.rules.models import Tracker
from callstudio.rules.services import tracker_create, tracker_delete, tracker_update
from tests.calls.conftest import call_body

from .conftest import assert_matches, counted_calls, expected_analytics, get_analytics, stream
from .test_figures_property import assert_same_rollups, rollup_rows

START, END = date(2026, 11, 19), date(2026, 11, 23)
CANCEL = [{"speaker": "customer", "start": 0, "end": 4, "text": "Please cancel my subscription."}]
AGENT_CANCELS = [{"speaker": "agent", "start": 0, "end": 4, "text": "I cancel my subscription?"}]


def in_team(world):
    return team_access(org_access(world["admin"].account, world.org.id), world.team.id)


def trackers_of(world, who="supervisor", start=START, end=END) -> dict[str, int]:
    got = get_analytics(world.api(who), world.team_url, start, end)
    return {t["name"]: t["calls"] for t in got["trackers"]}


def check(world) -> dict:
    """The answer equals the counts of the counted calls' recorded trackers, for the team and
    for the agent's own calls."""
    trackers = list(Tracker.objects.filter(team=world.team))
    got = get_analytics(world.api("supervisor"), world.team_url, START, END)
    expected = expected_analytics(
        counted_calls(world.team), START, END, leaderboard=True, trackers=trackers
    )
    assert_matches(got, expected)
    own = get_analytics(world.api("agent"), world.team_url, START, END)
    mine = counted_calls(world.team, agent_pk=world["agent"].account.pk)
    assert_matches(own, expected_analytics(mine, START, END, leaderboard=False, trackers=trackers))
    return got


def call_id(world, external_id) -> int:
    return Call.objects.get(team=world.team, external_id=external_id).id


def test_trackers_count_the_calls_that_match_them(world, ingest):
    access = in_team(world)
    stream(ingest, [call_body("before")])  # "I was charged twice for my refund."
    analyze_pending()
    double = tracker_create(access=access, name="Double charge", query='"charged twice"')
    plural = tracker_create(access=access, name="Plural", query="refunds")
    cancel = tracker_create(
        access=access, name="Cancellations", query='customer:"cancel my subscription"'
    )
    jordan = tracker_create(access=access, name="Jordan", query="jordan")  # the customer's name
    # Calls analysed before the trackers existed are not counted.
    assert trackers_of(world) == {"Cancellations": 0, "Double charge": 0, "Jordan": 0, "Plural": 0}

    stream(
        ingest,
        [
            call_body("hit", started_at="2026-11-20T10:00:00Z"),
            call_body("cancel", started_at="2026-11-21T10:00:00Z", transcript=CANCEL),
            call_body(
                "agent-cancels",
                started_at="2026-11-21T11:00:00Z",
                transcript=AGENT_CANCELS,
                agent={"email": "supervisor@acme.test"},
                customer={"name": "Sam"},
            ),
            call_body("outside", started_at="2026-12-20T10:00:00Z"),
        ],
    )
    analyze_pending()
    recorded = dict(Call.objects.filter(team=world.team).values_list("external_id", "trackers"))
    assert recorded == {
        "before": [],
        "hit": [double.id, jordan.id],
        "cancel": [cancel.id, jordan.id],
        "agent-cancels": [],
        "outside": [double.id, jordan.id],
    }
    got = check(world)
    assert got["trackers"] == [
        {"id": cancel.id, "name": "Cancellations", "query": cancel.query, "calls": 1},
        {"id": double.id, "name": "Double charge", "query": double.query, "calls": 1},
        {"id": jordan.id, "name": "Jordan", "query": "jordan", "calls": 2},
        {"id": plural.id, "name": "Plural", "query": "refunds", "calls": 0},
    ]
    # The keyword figures still come from the rules' phrases (none here).
    assert got["keywords"] == []
    # The range decides: the December call counts in December only.
    december = trackers_of(world, start=date(2026, 12, 1), end=date(2026, 12, 31))
    assert december == {"Cancellations": 0, "Double charge": 1, "Jordan": 1, "Plural": 0}
    # The agent sees the counts of their own calls (hit and cancel are theirs).
    assert trackers_of(world, "agent") == {
        "Cancellations": 1,
        "Double charge": 1,
        "Jordan": 2,
        "Plural": 0,
    }

    # Archived, a call leaves the counts; unarchived, it comes back.
    url = f"{world.team_url}/calls/{call_id(world, 'hit')}"
    assert world.api("supervisor").post(f"{url}/archive").status_code == 200
    assert trackers_of(world)["Jordan"] == 1 and trackers_of(world)["Double charge"] == 0
    check(world)
    assert world.api("supervisor").post(f"{url}/unarchive").status_code == 200
    assert trackers_of(world)["Jordan"] == 2
    check(world)

    # A rebuild recounts from what each call recorded: the same rows.
    before = rollup_rows()
    rebuild([world.team.id])
    assert_same_rollups(before, rollup_rows())
    rows = TermRollup.objects.filter(team=world.team, kind=TermRollup.TRACKER, agent_key=-1)
    assert {r.term for r in rows} == {double.id, cancel.id, jordan.id}

    # A new query counts the calls analysed from then on; a deleted tracker is not shown.
    tracker_update(access=access, tracker_id=plural.id, query="refund")
    stream(ingest, [call_body("after-update", started_at="2026-11-22T10:00:00Z")])
    analyze_pending()
    assert trackers_of(world)["Plural"] == 1
    tracker_delete(access=access, tracker_id=jordan.id)
    assert "Jordan" not in trackers_of(world)
    check(world)


def test_reading_the_trackers_costs_the_same_queries_whatever_their_number(world, ingest):
    access = in_team(world)
    stream(ingest, [call_body("one")])
    analyze_pending()

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            get_analytics(world.api("supervisor"), world.team_url, START, END)
        return len(ctx)

    tracker_create(access=access, name="T0", query="refund")
    count()  # the token's last use is written once a minute: on the first request
    one = count()
    for i in range(1, 12):
        tracker_create(access=access, name=f"T{i}", query=f"refund OR w{i}")
    stream(ingest, [call_body("two")])
    analyze_pending()
    assert count() == one
    assert len(trackers_of(world)) == 12
