"""The analytics endpoints' contract: bad input is a 422 naming the parameter and changes nothing,
permissions follow the role table (404 across organizations, 403 inside without the permission,
401 without credentials), the org overview is for roles that see every team, and reading the
figures costs the same few queries whatever the number of calls."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from callstudio.access.policy import org_access, team_access
from callstudio.access.services import role_create
from callstudio.calls.ingest import store_calls
from callstudio.calls.schemas import CallIn
from callstudio.directory.services import org_member_add, team_member_add
from callstudio.pipeline.analysis import analyze_pending
from tests.calls.conftest import call_body
from tests.conftest import person
from tests.helpers import assert_problem

from .conftest import assert_matches, counted_calls, expected_analytics, get_analytics, stream

DAY = datetime(2026, 11, 20, tzinfo=UTC).date()
LAST = DAY + timedelta(days=8)
MAX_DAYS = 3660  # the longest range answered, in days


def send(world, n: int, *, prefix="c") -> None:
    """`n` calls over three days, alternating agent / supervisor / unknown agent."""
    agents = [{"email": "agent@acme.test"}, {"email": "supervisor@acme.test"}, {"external_id": "X"}]
    bodies = [
        call_body(
            f"{prefix}{i}",
            started_at=f"2026-11-{20 + i % 3}T{i % 24:02d}:00:00Z",
            duration_seconds=30 + i % 700,
            direction=("inbound", "outbound")[i % 2],
            agent=agents[i % 3],
            tags=["refund", f"t{i % 5}"],
        )
        for i in range(n)
    ]
    for chunk in range(0, n, 500):
        store_calls(
            team=world.team, calls=[CallIn.model_validate(b) for b in bodies[chunk : chunk + 500]]
        )
    analyze_pending()


def analytics_url(world, team=None) -> str:
    return f"{world.org_url}/teams/{(team or world.team).id}/analytics"


# Bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"to": "2026-11-31"}, "to"),
        ({"from": "2026-1-1"}, "from"),
        ({"from": "2026-11-20T25:00:00Z"}, "from"),
        ({"to": "\x00"}, "to"),
        # Times whose UTC date falls outside the calendar.
        ({"to": "9999-12-31T23:59:59-23:59"}, "to"),
        ({"from": "0001-01-01T00:00:00+05:00", "to": "2026-11-20"}, "from"),
        ({"from": "2026-11-21", "to": "2026-11-20"}, "from"),
        ({"from": "2026-11-20T23:00:00-02:00", "to": "2026-11-20T23:00:00Z"}, "from"),
        ({"from": str(LAST - timedelta(days=MAX_DAYS)), "to": str(LAST)}, "from"),
        ({"from": "0001-01-01", "to": "9999-12-31"}, "from"),
    ],
)
@pytest.mark.parametrize("where", ["team", "org"])
def test_bad_dates_are_422_naming_the_parameter(world, query, field, where):
    url = analytics_url(world) if where == "team" else f"{world.org_url}/analytics"
    assert_problem(world.api("admin").get(url, **query), 422, field=field)


def test_the_longest_range_and_the_calendar_edges_are_answered(world):
    api = world.api("supervisor")
    # MAX_DAYS days is the most; one more is refused (above).
    start = LAST - timedelta(days=MAX_DAYS - 1)
    body = api.get(analytics_url(world), **{"from": str(start), "to": str(LAST)}).json()
    assert len(body["by_day"]) == MAX_DAYS
    for query in ({"to": "0001-01-01"}, {"from": "9999-12-31", "to": "9999-12-31"}):
        response = api.get(analytics_url(world), **query)
        assert response.status_code == 200, (query, response.content)
    assert api.get(analytics_url(world), to="0001-01-01").json()["range"] == {
        "from": "0001-01-01",
        "to": "0001-01-01",
    }


def test_times_are_taken_as_their_utc_day(world, ingest):
    stream(ingest, [call_body("late", started_at="2026-11-20T23:30:00Z")])
    analyze_pending()
    api = world.api("supervisor")
    # 2026-11-21T01:00+02:00 is 2026-11-20T23:00Z: the range is the 20th only.
    body = api.get(
        analytics_url(world),
        **{"from": "2026-11-21T01:00:00+02:00", "to": "2026-11-20T23:59:59Z"},
    ).json()
    assert body["range"] == {"from": "2026-11-20", "to": "2026-11-20"}
    assert body["calls"] == 1
    body = api.get(analytics_url(world), **{"from": "2026-11-21", "to": "2026-11-21"}).json()
    assert body["calls"] == 0


def test_default_range_is_the_last_30_days_up_to_today(world, ingest):
    today = datetime.now(UTC)
    stream(
        ingest,
        [
            call_body("today", started_at=today.isoformat()),
            call_body("old", started_at=(today - timedelta(days=30)).isoformat()),
        ],
    )
    analyze_pending()
    body = world.api("supervisor").get(analytics_url(world)).json()
    assert body["range"] == {
        "from": (today.date() - timedelta(days=29)).isoformat(),
        "to": today.date().isoformat(),
    }
    assert len(body["by_day"]) == 30 and body["calls"] == 1


# Permissions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("manager", 200),
        ("supervisor", 200),
        ("agent", 200),
        ("member", 403),  # in the org, no role in the team
        ("qa", 403),  # a custom team role without analytics
        ("foreign_admin", 404),
        ("outsider", 404),
        (None, 401),
    ],
)
def test_team_analytics_by_principal(world, who, status):
    response = world.api(who).get(analytics_url(world))
    if status == 200:
        assert response.status_code == 200, response.content
    else:
        assert_problem(response, status)


def test_other_organizations_and_teams_are_not_found(world):
    admin = world.api("admin")
    # Globex's team under Acme, and Acme's team under Globex: not found.
    assert_problem(admin.get(f"{world.org_url}/teams/{world.foreign_team.id}/analytics"), 404)
    url = f"/api/v1/orgs/{world.foreign_org.id}/teams/{world.team.id}/analytics"
    assert_problem(admin.get(url), 404)
    assert_problem(admin.get(f"/api/v1/orgs/{world.foreign_org.id}/analytics"), 404)
    assert_problem(admin.get(f"{world.org_url}/teams/team_doesnotexist0000000/analytics"), 404)
    # A team role reaches one team: Billing's supervisor has nothing in Retention.
    assert_problem(world.api("supervisor").get(analytics_url(world, world.other_team)), 403)


def test_permission_is_checked_before_the_dates(world):
    assert_problem(world.api("member").get(analytics_url(world), to="nonsense"), 403)
    assert_problem(world.api("supervisor").get(f"{world.org_url}/analytics", to="nonsense"), 403)
    assert_problem(world.api("outsider").get(analytics_url(world), to="nonsense"), 404)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("manager", 200),
        ("supervisor", 403),  # a team role does not reach the organization's view
        ("agent", 403),
        ("member", 403),
        ("qa", 403),
        ("foreign_admin", 404),
        ("outsider", 404),
        (None, 401),
    ],
)
def test_org_overview_by_principal(world, who, status):
    response = world.api(who).get(f"{world.org_url}/analytics")
    if status == 200:
        assert response.status_code == 200, response.content
    else:
        assert_problem(response, status)


def test_org_overview_sums_each_team_and_only_this_organization(world):
    send(world, 9)
    store_calls(team=world.foreign_team, calls=[CallIn.model_validate(call_body("globex-1"))])
    store_calls(team=world.other_team, calls=[CallIn.model_validate(call_body("retention-1"))])
    analyze_pending()
    body = (
        world.api("manager")
        .get(f"{world.org_url}/analytics", **{"from": "2026-11-01", "to": "2026-11-30"})
        .json()
    )
    teams = {t["team"]["name"]: t for t in body["teams"]}
    assert set(teams) == {"Billing", "Retention"}
    start, end = DAY.replace(day=1), DAY.replace(day=30)
    for team in (world.team, world.other_team):
        expected = expected_analytics(counted_calls(team), start, end, leaderboard=False)
        figures = {k: v for k, v in expected.items() if k in teams[team.name] and k != "agents"}
        assert_matches(teams[team.name], figures)
    assert teams["Billing"]["calls"] == 9 and teams["Retention"]["calls"] == 1


def test_own_scope_sees_own_figures_only_and_no_leaderboard(world):
    send(world, 12)
    agent = get_analytics(world.api("agent"), world.team_url, DAY, DAY + timedelta(days=2))
    assert agent["scope"] == "own" and agent["agents"] is None
    assert agent["calls"] == 4  # every third call names the agent
    team = get_analytics(world.api("supervisor"), world.team_url, DAY, DAY + timedelta(days=2))
    assert team["scope"] == "all" and team["calls"] == 12
    assert sorted((r["agent"] or {}).get("email", "unlinked") for r in team["agents"]) == [
        "agent@acme.test",
        "supervisor@acme.test",
        "unlinked",
    ]


def test_a_member_holding_both_scopes_sees_the_team(world):
    """An agent in Billing who is also a Manager of the organization reads the whole team."""
    admin = org_access(world["admin"].account, world.org.id)
    team_member_add(
        access=team_access(admin, world.team.id),
        account_id=world["manager"].account_id,
        role="agent",
    )
    body = world.api("manager").get(analytics_url(world)).json()
    assert body["scope"] == "all" and body["agents"] == []


# Query count -----------------------------------------------------------------------------------


def queries(api, url) -> int:
    api.get(url)  # the token's last-used time is written at most once a minute: not measured
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url, **{"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    ("who", "expected"),
    # token, org access, team access (2), the team's trackers, by day, terms, [leaderboard, its
    # agents' names]
    [("supervisor", 9), ("agent", 7)],
)
def test_query_count_is_fixed_whatever_the_number_of_calls(world, who, expected):
    url = analytics_url(world)
    send(world, 10, prefix="a")
    small = queries(world.api(who), url)
    send(world, 990, prefix="b")
    big = queries(world.api(who), url)
    body = world.api(who).get(url, **{"from": "2026-11-01", "to": "2026-11-30"}).json()
    assert body["calls"] == (1000 if who == "supervisor" else 334)
    assert small == big == expected, (small, big)


def test_org_overview_query_count_is_fixed(world):
    url = f"{world.org_url}/analytics"
    send(world, 10, prefix="a")
    small = queries(world.api("admin"), url)
    send(world, 990, prefix="b")
    assert queries(world.api("admin"), url) == small <= 5, small


@pytest.mark.parametrize(
    ("permissions", "scope", "leaderboard"),
    [
        (["team.read", "analytics.read.all"], "all", False),  # the team, but no agent data
        (["team.read", "analytics.read.all", "agents.read"], "all", True),
        (["team.read", "analytics.read.own", "agents.read"], "own", False),
        (["team.read", "agents.read"], None, False),
    ],
)
def test_custom_roles_get_the_scope_they_hold(world, permissions, scope, leaderboard):
    admin = org_access(world["admin"].account, world.org.id)
    role = role_create(access=admin, name="Analyst", scope="team", permissions=permissions)
    analyst = person("analyst@acme.test")
    org_member_add(access=admin, account_id=analyst.account_id)
    team_member_add(
        access=team_access(admin, world.team.id), account_id=analyst.account_id, role=role.id
    )
    send(world, 6)
    response = (
        world.api(None)
        .as_(analyst.token)
        .get(analytics_url(world), **{"from": "2026-11-20", "to": "2026-11-22"})
    )
    if scope is None:
        assert_problem(response, 403)
        return
    body = response.json()
    assert body["scope"] == scope
    assert body["calls"] == (6 if scope == "all" else 0)  # the analyst has no calls of their own
    assert (body["agents"] is not None) == leaderboard
