"""The rollups equal the sum over the team's analysed, unarchived calls through every way a call
moves: archive and unarchive (API), an automation archiving it on arrival, a member joining (or
getting their agent ID) after their calls arrived, a crashed or repeated analysis pass; and a
rebuild from the calls finds exactly what was maintained."""

from datetime import date
from unittest import mock

import pytest

from callstudio.access.policy import org_access, team_access
from callstudio.analytics import rollups
from callstudio.calls.models import Call
from callstudio.directory.services import org_member_add
from callstudio.pipeline.analysis import analyze_pending, pending_count
from callstudio.pipeline.rebuild import rebuild
from callstudio.rules.models import Alert
from callstudio.rules.services import alert_rule_create, automation_create
from tests.calls.conftest import call_body
from tests.conftest import person

from .conftest import assert_matches, counted_calls, expected_analytics, get_analytics, stream
from .test_figures_property import assert_same_rollups, rollup_rows

START, END = date(2026, 11, 19), date(2026, 11, 23)


def check(world) -> dict:
    """The team's analytics (Supervisor and Agent) equal the figures of the counted calls."""
    got = get_analytics(world.api("supervisor"), world.team_url, START, END)
    assert_matches(got, expected_analytics(counted_calls(world.team), START, END, leaderboard=True))
    own = get_analytics(world.api("agent"), world.team_url, START, END)
    mine = counted_calls(world.team, agent_pk=world["agent"].account.pk)
    assert_matches(own, expected_analytics(mine, START, END, leaderboard=False))
    return got


def calls(n=4, **over):
    return [
        call_body(
            f"c{i}",
            started_at=f"2026-11-{20 + i % 2}T10:00:00Z",
            duration_seconds=60 * (i + 1),
            direction=("inbound", "outbound")[i % 2],
            **over,
        )
        for i in range(n)
    ]


def call_id(world, external_id) -> int:
    return Call.objects.get(team=world.team, external_id=external_id).id


def post(world, who, url):
    response = world.api(who).post(url)
    assert response.status_code == 200, response.content
    return response.json()


def test_archive_and_unarchive_move_a_call_out_and_back(world, ingest):
    stream(ingest, calls())
    analyze_pending()
    full = check(world)
    url = f"{world.team_url}/calls/{call_id(world, 'c1')}"
    post(world, "supervisor", f"{url}/archive")
    less = check(world)
    assert less["calls"] == full["calls"] - 1
    assert less["total_duration_seconds"] == full["total_duration_seconds"] - 120
    # Archiving again changes nothing: the call is not taken out twice.
    post(world, "supervisor", f"{url}/archive")
    assert check(world) == less
    post(world, "supervisor", f"{url}/unarchive")
    post(world, "supervisor", f"{url}/unarchive")
    assert check(world) == full


def test_a_call_archived_before_its_analysis_is_counted_once_unarchived(world, ingest):
    stream(ingest, calls(2))
    url = f"{world.team_url}/calls/{call_id(world, 'c0')}"
    post(world, "supervisor", f"{url}/archive")  # still pending: not in the rollups yet
    post(world, "supervisor", f"{url}/archive")
    assert analyze_pending() == 2
    assert check(world)["calls"] == 1
    post(world, "supervisor", f"{url}/unarchive")
    assert check(world)["calls"] == 2
    assert analyze_pending() == 0
    assert check(world)["calls"] == 2


def test_an_automation_archiving_on_arrival_keeps_the_call_out_until_unarchived(world, ingest):
    access = team_access(org_access(world["admin"].account, world.org.id), world.team.id)
    automation_create(
        access=access,
        name="Archive short calls",
        trigger="call.ingested",
        conditions=[{"type": "duration_below", "seconds": 100}],
        actions=[{"type": "add_tag", "tag": "short"}, {"type": "archive_call"}],
    )
    stream(ingest, calls(3))  # c0 is 60 s long
    analyze_pending()
    got = check(world)
    assert got["calls"] == 2 and {t["term"] for t in got["tags"]} == {"refund"}
    post(world, "supervisor", f"{world.team_url}/calls/{call_id(world, 'c0')}/unarchive")
    got = check(world)
    assert got["calls"] == 3
    assert {"term": "short", "calls": 1} in got["tags"]


def test_an_automation_on_a_raised_alert_archives_too(world, ingest):
    access = team_access(org_access(world["admin"].account, world.org.id), world.team.id)
    alert_rule_create(
        access=access, name="Refunds", condition={"type": "keyword", "phrases": ["twice"]}
    )
    automation_create(
        access=access, name="Archive", trigger="alert.raised", actions=[{"type": "archive_call"}]
    )
    stream(ingest, [*calls(2), call_body("calm", transcript=[])])
    analyze_pending()
    assert Alert.objects.count() == 2
    assert check(world)["calls"] == 1


@pytest.mark.parametrize("how", ["joins", "agent_id_set"])
def test_calls_of_an_unknown_agent_move_to_the_member_who_joins_later(world, ingest, how):
    admin = org_access(world["admin"].account, world.org.id)
    late = person("late@acme.test")
    org_member_add(access=admin, account_id=late.account_id)
    world.people["late"] = late
    stream(
        ingest,
        [
            *calls(3, agent={"external_id": "EXT-9"}),
            call_body("by-email", agent={"email": "LATE@acme.test"}),
            call_body("someone-else", agent={"external_id": "EXT-10"}),
        ],
    )
    # One of them archived, one still pending, when the member arrives.
    post(world, "supervisor", f"{world.team_url}/calls/{call_id(world, 'c2')}/archive")
    analyze_pending()
    stream(ingest, [call_body("pending", agent={"external_id": "EXT-9"})])
    before = check(world)
    assert [r["agent"] for r in before["agents"]] == [None]
    admin_api = world.api("admin")
    members = f"{world.team_url}/members"
    if how == "joins":
        response = admin_api.post(
            members, {"account_id": late.account_id, "role": "agent", "agent_external_id": "EXT-9"}
        )
        assert response.status_code == 201, response.content
        linked = {"c0", "c1", "c2", "by-email", "pending"}
    else:
        response = admin_api.post(members, {"account_id": late.account_id, "role": "agent"})
        assert response.status_code == 201, response.content
        assert set(
            Call.objects.filter(agent=late.account).values_list("external_id", flat=True)
        ) == {"by-email"}
        check(world)
        response = admin_api.patch(f"{members}/{late.account_id}", {"agent_external_id": "EXT-9"})
        assert response.status_code == 200, response.content
        linked = {"c0", "c1", "c2", "by-email", "pending"}
    assert set(Call.objects.filter(agent=late.account).values_list("external_id", flat=True)) == (
        linked
    )
    after = check(world)
    assert after["calls"] == before["calls"]  # moved, not added
    board = {(r["agent"] or {}).get("email"): r["calls"] for r in after["agents"]}
    assert board == {"late@acme.test": 3, None: 1}  # c0, c1, by-email; someone-else
    analyze_pending()  # the pending one is counted for the member
    assert {(r["agent"] or {}).get("email"): r["calls"] for r in check(world)["agents"]} == {
        "late@acme.test": 4,
        None: 1,
    }
    post(world, "supervisor", f"{world.team_url}/calls/{call_id(world, 'c2')}/unarchive")
    assert {(r["agent"] or {}).get("email"): r["calls"] for r in check(world)["agents"]} == {
        "late@acme.test": 5,
        None: 1,
    }
    snapshot = rollup_rows()
    rebuild([world.team.id])
    assert_same_rollups(snapshot, rollup_rows())


def test_a_pass_that_fails_counts_nothing_and_the_retry_counts_once(world, ingest):
    access = team_access(org_access(world["admin"].account, world.org.id), world.team.id)
    alert_rule_create(
        access=access, name="Refunds", condition={"type": "keyword", "phrases": ["refund"]}
    )
    stream(ingest, calls(4))
    with (
        mock.patch.object(Alert.objects, "bulk_create", side_effect=RuntimeError("crash")),
        pytest.raises(RuntimeError),
    ):
        analyze_pending()
    assert pending_count() == 4
    assert rollup_rows() == {"days": {}, "terms": {}}
    assert Alert.objects.count() == 0
    assert analyze_pending() == 4
    assert analyze_pending() == 0
    assert Alert.objects.count() == 4
    assert check(world)["calls"] == 4


def test_analysing_in_small_batches_equals_one_pass(world, ingest):
    stream(ingest, calls(7, agent={"email": "agent@acme.test"}))
    assert analyze_pending(batch=2, limit=3) == 3
    assert pending_count() == 4
    partial = check(world)
    assert partial["calls"] == 3
    assert analyze_pending(batch=2) == 4
    assert check(world)["calls"] == 7
    snapshot = rollup_rows()
    rebuild([world.team.id])
    assert_same_rollups(snapshot, rollup_rows())


def test_rebuild_touches_only_the_teams_named(world, ingest):
    from callstudio.calls.ingest import store_calls
    from callstudio.calls.schemas import CallIn

    stream(ingest, calls(3))
    store_calls(team=world.other_team, calls=[CallIn.model_validate(call_body("r1"))])
    analyze_pending()
    snapshot = rollup_rows()
    # Damage Billing's rollups; rebuild Billing only: Retention's stay, Billing's are repaired.
    rollups.apply(counted_calls(world.team)[:1], -1)
    assert rollup_rows() != snapshot
    assert rebuild([world.team.id]) == 3
    assert_same_rollups(snapshot, rollup_rows())
