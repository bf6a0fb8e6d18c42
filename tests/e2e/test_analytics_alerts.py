"""Analytics, alerts and automations in a real browser: a Supervisor sees the team's charts and
leaderboard and creates an alert rule through its form (the fields follow the condition type);
an Agent sees only their own figures."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from callstudio.calls.ingest import store_calls
from callstudio.calls.schemas import CallIn
from callstudio.pipeline.analysis import analyze_pending
from callstudio.rules.models import AlertRule
from tests.calls.conftest import call_body

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def calls(world):
    """Two analysed calls in Billing yesterday: one by the Agent, one by the Supervisor."""
    day = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    store_calls(
        team=world.team,
        calls=[
            CallIn.model_validate(
                call_body(f"c-{who}", started_at=f"{day}T10:00:00Z", agent={"email": email})
            )
            for who, email in [("a", "agent@acme.test"), ("s", "supervisor@acme.test")]
        ],
    )
    analyze_pending()
    return world


def open_tab(page: Page, world, tab: str):
    page.goto(f"/o/{world.org.id}/teams/{world.team.id}/")
    page.get_by_role("navigation", name="Team", exact=True).get_by_role(
        "link", name=tab, exact=True
    ).click()


def headline(page: Page, name: str):
    return page.get_by_label("Headline figures").locator(".stat", has_text=name).locator("dd")


def test_supervisor_sees_charts_and_creates_an_alert_rule(calls, page: Page, login):
    world = calls
    login(world["supervisor"].account.email)
    open_tab(page, world, "Analytics")
    expect(page.get_by_role("heading", name=re.compile("^Analytics"))).to_be_visible()
    expect(page.locator("svg.chart-svg")).to_have_count(4)
    for title in ("Calls per day", "Call duration", "Sentiment over time", "Talk ratio per agent"):
        expect(page.get_by_role("img", name=re.compile(title))).to_be_visible()
    expect(page.locator("#calls-per-day rect")).to_have_count(30)
    expect(headline(page, "Calls")).to_have_text("2")
    expect(page.get_by_role("heading", name="Agent leaderboard")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="agent@acme.test")).to_have_count(1)
    # the table fallback of a chart opens on demand
    chart = page.locator("#calls-per-day")
    chart.get_by_text("Show as a table").click()
    expect(chart.get_by_role("table")).to_be_visible()

    open_tab(page, world, "Alerts")
    page.get_by_role("link", name="Create alert rule").click()
    expect(page.get_by_label("Phrases")).to_be_visible()  # keyword: the first type
    expect(page.get_by_label("Seconds")).to_be_hidden()
    page.get_by_label("Condition").select_option("duration_above")
    expect(page.get_by_label("Seconds")).to_be_visible()
    expect(page.get_by_label("Phrases")).to_be_hidden()
    page.get_by_label("Condition").select_option("keyword")
    page.get_by_label("Name").fill("Refunds")
    page.get_by_role("button", name="Create alert rule").click()
    # no phrase: the message is next to the field and nothing is created
    phrases = page.get_by_label("Phrases")
    expect(phrases).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field", has=phrases).get_by_role("alert")).to_contain_text("phrases")
    assert not AlertRule.objects.exists()
    phrases.fill("refund, chargeback")
    page.get_by_label("Webhook URL (optional)").fill("https://hooks.acme.test/refunds")
    page.get_by_role("button", name="Create alert rule").click()
    expect(page).to_have_url(re.compile(r"/alerts$"))
    expect(page.get_by_role("status")).to_contain_text("Alert rule “Refunds” saved.")
    rule = AlertRule.objects.get()
    assert rule.condition == {"type": "keyword", "phrases": ["refund", "chargeback"]}
    row = page.get_by_role("row").filter(has_text="Refunds")
    expect(row).to_contain_text("Said: “refund”, “chargeback”")
    expect(row).to_contain_text(rule.webhook_secret)


def test_agent_sees_only_their_own_figures(calls, page: Page, login):
    world = calls
    login(world["agent"].account.email)
    open_tab(page, world, "Analytics")
    expect(page.locator("#scope-note")).to_contain_text("your own calls")
    expect(headline(page, "Calls")).to_have_text("1")
    expect(page.locator("svg.chart-svg")).to_have_count(3)
    expect(page.get_by_role("heading", name="Agent leaderboard")).to_have_count(0)
    expect(page.get_by_text("supervisor@acme.test")).to_have_count(0)
    nav = page.get_by_role("navigation", name="Team", exact=True)
    expect(nav.get_by_role("link", name="Alerts")).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export calls (CSV)").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and "agent@acme.test" in lines[1] and "c-a" in lines[1]
