"""The Analytics tab, its CSV exports and the organization's overview: who sees what (team figures
and the leaderboard, or one's own figures only), what the charts and exports hold, and a fixed
number of queries whatever the team's size."""

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test import AsyncClient, Client
from django.test.utils import CaptureQueriesContext

from callstudio.access.policy import org_access, team_access
from callstudio.accounts.models import Account
from callstudio.calls.ingest import store_calls
from callstudio.calls.models import Call
from callstudio.demo.data import demo_calls
from callstudio.directory.services import (
    org_member_add,
    organization_create,
    team_create,
    team_member_add,
)
from callstudio.pipeline.analysis import analyze_pending
from tests.calls.conftest import call_body, ingest  # noqa: F401  (fixture)

NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = NOW.date()
ANGRY = [
    {"speaker": "customer", "start": 0, "end": 9, "text": "This is terrible. I hate it, awful."},
    {"speaker": "agent", "start": 10, "end": 20, "text": "I am sorry."},
]


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    """The pages' "today" is the day the data was built around, even when the suite crosses
    midnight between importing this module and rendering a page."""
    monkeypatch.setattr("callstudio.core.clock.today", lambda: TODAY)


def when(days_ago: int, hour: int = 10) -> str:
    day = TODAY - timedelta(days=days_ago)
    return f"{day.isoformat()}T{hour:02d}:00:00Z"


def team_url(world, rest=""):
    return f"/o/{world.org.id}/teams/{world.team.id}/{rest}"


@pytest.fixture
def analysed(world, ingest):  # noqa: F811
    """Four calls in Billing: two by the agent (one angry, one with a formula for an id and a
    tag), one by the supervisor, one archived by the agent; all analysed."""
    for body in [
        call_body("agent-1", started_at=when(1), agent={"email": "agent@acme.test"}),
        call_body(
            "=HYPERLINK(1)",
            started_at=when(3),
            duration_seconds=700,
            agent={"email": "agent@acme.test"},
            transcript=ANGRY,
            tags=["@risk", "refund"],
        ),
        call_body(
            "super-1",
            started_at=when(2),
            direction="outbound",
            agent={"email": "supervisor@acme.test"},
        ),
        call_body("agent-archived", started_at=when(1), agent={"email": "agent@acme.test"}),
    ]:
        assert ingest.post(ingest.url, body).status_code == 201
    analyze_pending()
    supervisor = team_access(org_access(world["supervisor"].account, world.org.id), world.team.id)
    from callstudio.calls.services import call_set_archived

    call_set_archived(
        access=supervisor,
        call_id=Call.objects.get(external_id="agent-archived").id,
        archived=True,
    )
    return world


def svg_count(page: str) -> int:
    return page.count('<svg class="chart-svg"')


def test_supervisor_sees_team_figures_charts_and_the_leaderboard(analysed, browser_as):
    response = browser_as("supervisor").get(team_url(analysed, "analytics"))
    assert response.status_code == 200
    page = response.content.decode()
    assert svg_count(page) == 4  # calls per day, duration, sentiment, talk ratio per agent
    for chart in ("calls-per-day", "duration-distribution", "sentiment-over-time"):
        assert f'id="{chart}"' in page and f'aria-labelledby="{chart}-title {chart}-desc"' in page
    assert 'id="talk-ratio-per-agent"' in page
    assert "<dt>Calls</dt><dd>3</dd>" in page  # the archived call is not counted
    assert "Agent leaderboard" in page and "agent@acme.test" in page
    assert "supervisor@acme.test" in page
    assert "Export calls (CSV)" in page and "Export figures (CSV)" in page
    assert "refund" in page and "@risk" in page  # top tags
    assert f"{(TODAY - timedelta(days=29)).isoformat()} to {TODAY.isoformat()}" in page
    assert 'style="' not in page and "<script>" not in page  # the CSP allows neither


def test_agent_sees_only_their_own_figures_and_no_leaderboard(analysed, browser_as):
    page = browser_as("agent").get(team_url(analysed, "analytics")).content.decode()
    assert "<dt>Calls</dt><dd>2</dd>" in page
    assert "your own calls" in page
    assert "Agent leaderboard" not in page and 'id="talk-ratio-per-agent"' not in page
    assert "supervisor@acme.test" not in page and "Supervisor" not in page.split("tab-body")[1]
    assert svg_count(page) == 3
    assert "Export calls (CSV)" in page


def test_manager_sees_the_team_and_a_member_without_a_team_role_is_refused(analysed, browser_as):
    page = browser_as("manager").get(team_url(analysed, "analytics")).content.decode()
    assert "<dt>Calls</dt><dd>3</dd>" in page and "Agent leaderboard" in page
    for who in ("member", "qa"):
        for rest in ("analytics", "analytics/calls.csv", "analytics/figures.csv"):
            assert browser_as(who).get(team_url(analysed, rest)).status_code == 403, (who, rest)
    for rest in ("analytics", "analytics/calls.csv", "analytics/figures.csv"):
        assert browser_as("foreign_admin").get(team_url(analysed, rest)).status_code == 404


def test_a_range_picks_the_days_and_bad_dates_are_explained(analysed, browser_as):
    supervisor = browser_as("supervisor")
    start = (TODAY - timedelta(days=2)).isoformat()
    page = supervisor.get(team_url(analysed, "analytics"), {"from": start}).content.decode()
    assert "<dt>Calls</dt><dd>2</dd>" in page  # agent-1 and super-1, not the call of 3 days ago
    assert f'name="from" value="{start}"' in page
    response = supervisor.get(
        team_url(analysed, "analytics"), {"from": TODAY.isoformat(), "to": "2020-01-01"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="range-from-error"' in page and "From must be on or before To." in page
    assert svg_count(page) == 0
    response = supervisor.get(team_url(analysed, "analytics"), {"to": "yesterday"})
    assert response.status_code == 422 and 'id="range-to-error"' in response.content.decode()


def test_an_empty_range_says_so(analysed, browser_as):
    page = (
        browser_as("supervisor")
        .get(team_url(analysed, "analytics"), {"from": "2020-01-01", "to": "2020-01-31"})
        .content.decode()
    )
    assert "No calls in this range" in page and svg_count(page) == 0


def rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="billing-')
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_calls_export_holds_the_readable_calls_of_the_range(analysed, browser_as):
    exported = rows(browser_as("supervisor").get(team_url(analysed, "analytics/calls.csv")))
    assert [r["external_id"] for r in exported] == ["'=HYPERLINK(1)", "super-1", "agent-1"]
    angry = exported[0]
    assert list(angry) == [
        "id",
        "external_id",
        "started_at",
        "duration_seconds",
        "direction",
        "agent_name",
        "agent_email",
        "agent_account_id",
        "agent_ref",
        "tags",
        "talk_ratio",
        "silence_share",
        "sentiment",
    ]
    assert angry["tags"] == "'@risk; refund"  # formula-looking text is quoted
    assert float(angry["sentiment"]) < 0 and not angry["sentiment"].startswith("'")
    assert angry["started_at"] == when(3) and angry["duration_seconds"] == "700.0"
    assert angry["agent_email"] == "agent@acme.test"
    assert angry["agent_account_id"] == analysed["agent"].account_id


def test_an_agents_export_holds_only_their_own_calls(analysed, browser_as):
    exported = rows(browser_as("agent").get(team_url(analysed, "analytics/calls.csv")))
    assert {r["agent_email"] for r in exported} == {"agent@acme.test"}
    assert len(exported) == 2  # not the archived one
    start = (TODAY - timedelta(days=1)).isoformat()
    exported = rows(
        browser_as("agent").get(team_url(analysed, "analytics/calls.csv"), {"from": start})
    )
    assert [r["external_id"] for r in exported] == ["agent-1"]


def test_figures_export_has_a_row_per_day_and_the_totals(analysed, browser_as):
    exported = rows(browser_as("supervisor").get(team_url(analysed, "analytics/figures.csv")))
    assert len(exported) == 31 and exported[-1]["day"] == "total"
    assert exported[-1]["calls"] == "3" and exported[-1]["outbound"] == "1"
    assert sum(int(r["calls"]) for r in exported[:-1]) == 3
    by_day = {r["day"]: r for r in exported}
    assert by_day[(TODAY - timedelta(days=3)).isoformat()]["calls"] == "1"
    assert by_day[TODAY.isoformat()]["avg_sentiment"] == ""
    agent = rows(browser_as("agent").get(team_url(analysed, "analytics/figures.csv")))
    assert agent[-1]["calls"] == "2"


def test_exports_stream_under_asgi_too(analysed):
    """Under ASGI the rows are pulled chunk by chunk in the request's thread."""

    async def fetch():
        client = AsyncClient()
        await client.aforce_login(analysed["agent"].account)
        response = await client.get(team_url(analysed, "analytics/calls.csv"))
        assert response.is_async
        return b"".join([chunk async for chunk in response.streaming_content])

    body = async_to_sync(fetch)().decode()
    assert body.splitlines()[0].startswith("id,external_id,") and len(body.splitlines()) == 3


def test_exports_refuse_post(analysed, browser_as):
    for rest in ("analytics", "analytics/calls.csv", "analytics/figures.csv"):
        assert browser_as("supervisor").post(team_url(analysed, rest)).status_code == 405


def test_org_overview_shows_every_team_to_admins_and_managers(analysed, browser_as):
    url = f"/o/{analysed.org.id}/analytics"
    for who in ("admin", "manager"):
        response = browser_as(who).get(url)
        page = response.content.decode()
        assert response.status_code == 200
        assert "Billing" in page and "Retention" in page and svg_count(page) == 1
        assert 'id="calls-per-team"' in page
        assert f'href="/o/{analysed.org.id}/teams/{analysed.team.id}/analytics?from=' in page
        org_page = browser_as(who).get(f"/o/{analysed.org.id}/organization").content.decode()
        assert "Analytics overview" in org_page
    for who in ("supervisor", "agent", "member", "qa"):
        assert browser_as(who).get(url).status_code == 403, who
        assert (
            "Analytics overview"
            not in browser_as(who).get(f"/o/{analysed.org.id}/organization").content.decode()
        )
    assert browser_as("foreign_admin").get(url).status_code == 404
    response = browser_as("admin").get(url, {"from": "nonsense"})
    assert response.status_code == 422 and 'id="range-from-error"' in response.content.decode()


def build_team(size: int):
    """An org with one team of `size` agents and 10 calls per agent over the last 60 days."""
    admin = Account.objects.create_user(email=f"admin{size}@size.test", password="x", name="Ad")
    org = organization_create(actor=admin, name=f"Org {size}")
    access = org_access(admin, org.id)
    team = team_create(access=access, name="Billing")
    emails = []
    for i in range(size):
        agent = Account.objects.create_user(
            email=f"a{i}-{size}@size.test", password="x", name=f"Agent {i}"
        )
        org_member_add(access=access, account_id=agent.account_id)
        team_member_add(
            access=team_access(access, team.id), account_id=agent.account_id, role="agent"
        )
        emails.append(agent.email)
    store_calls(team=team, calls=demo_calls(team, emails, count=10 * size, seed=size))
    analyze_pending()
    return {"org": org, "team": team, "admin": admin, "agent": Account.objects.get(email=emails[0])}


def count(client: Client, path: str) -> int:
    client.get(path)  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(ctx)


@pytest.mark.parametrize("who", ["admin", "agent"])
def test_analytics_tab_query_count_is_fixed(db, who):
    """Figures come from the rollups: the same queries for 2 agents and 20 calls as for 40
    agents and 400 calls (the org overview's count is pinned in test_page_queries.py)."""
    counts = {}
    for size in (2, 40):
        built = build_team(size)
        client = Client()
        client.force_login(built[who])
        counts[size] = count(client, f"/o/{built['org'].id}/teams/{built['team'].id}/analytics")
    assert counts[2] == counts[40] <= 10, counts


# One date range on the Calls and Analytics tabs: From and To, both days included, one error.
REVERSED = "From must be on or before To."
BAD_DATE = "Enter a date as YYYY-MM-DD, for example 2026-11-28."


def field_error(page: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="range-{field}-error"[^>]*>([^<]*)</p>', page)
    return html.unescape(match.group(1)) if match else ""


@pytest.mark.parametrize("tab", ["calls", "analytics"])
def test_a_reversed_range_is_the_same_form_error_on_both_tabs(analysed, browser_as, tab):
    response = browser_as("supervisor").get(
        team_url(analysed, tab), {"from": TODAY.isoformat(), "to": "2020-01-01"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert field_error(page, "from") == REVERSED and field_error(page, "to") == ""
    assert 'name="from" value="' + TODAY.isoformat() + '"' in page
    assert 'name="to" value="2020-01-01"' in page
    assert "No calls" not in page and "`" not in page.split("tab-body")[1]


@pytest.mark.parametrize("tab", ["calls", "analytics"])
@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "11/28/2026"])
def test_an_invalid_date_is_the_same_form_error_on_both_tabs(analysed, browser_as, tab, value):
    response = browser_as("supervisor").get(team_url(analysed, tab), {"to": value})
    assert response.status_code == 422
    page = response.content.decode()
    assert field_error(page, "to") == BAD_DATE and field_error(page, "from") == ""


def test_from_equal_to_includes_the_days_calls_on_both_tabs(analysed, browser_as):
    day = (TODAY - timedelta(days=1)).isoformat()  # agent-1 (and the archived agent-archived)
    supervisor = browser_as("supervisor")
    calls = supervisor.get(team_url(analysed, "calls"), {"from": day, "to": day})
    assert calls.status_code == 200
    listed = re.findall(r'<th scope="row"><a href="[^"]*/calls/(\d+)"', calls.content.decode())
    assert listed == [str(Call.objects.get(external_id="agent-1").id)]
    analytics = supervisor.get(team_url(analysed, "analytics"), {"from": day, "to": day})
    assert analytics.status_code == 200
    page = analytics.content.decode()
    assert "<dt>Calls</dt><dd>1</dd>" in page
    assert f"{day} to {day}" in page
    assert f'analytics/calls.csv?from={day}&amp;to={day}"' in page
    assert f'analytics/figures.csv?from={day}&amp;to={day}"' in page
    exported = rows(
        supervisor.get(team_url(analysed, "analytics/calls.csv"), {"from": day, "to": day})
    )
    assert [r["external_id"] for r in exported] == ["agent-1"]


def test_exports_refuse_a_reversed_range_with_the_form_message(analysed, browser_as):
    response = browser_as("supervisor").get(
        team_url(analysed, "analytics/calls.csv"), {"from": TODAY.isoformat(), "to": "2020-01-01"}
    )
    assert response.status_code == 422 and REVERSED in response.content.decode()


def test_org_overview_uses_the_same_range_form(analysed, browser_as):
    url = f"/o/{analysed.org.id}/analytics"
    response = browser_as("admin").get(url, {"from": TODAY.isoformat(), "to": "2020-01-01"})
    assert response.status_code == 422
    assert field_error(response.content.decode(), "from") == REVERSED
