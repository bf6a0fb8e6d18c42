"""The denial side, in a real browser: an Agent (org role Member, team role Agent in Billing) sees
their team and no management controls, is refused every management page and POST with 403 and
no change, and other organizations' URLs answer 404 (the `world` fixture of tests/conftest.py)."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import fingerprint

pytestmark = pytest.mark.django_db(transaction=True)

ORG_MANAGEMENT = ["teams/new", "members", "members/add", "roles/new", "audit-log"]
TEAM_MANAGEMENT = ["settings", "settings/rotate-workflow-id", "members", "members/add"]


def urls(world) -> tuple[str, str]:
    org = f"/o/{world.org.id}"
    return org, f"{org}/teams/{world.team.id}"


def expect_status(page: Page, url: str, status: int, heading: str):
    response = page.goto(url)
    assert response is not None and response.status == status, (url, response and response.status)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def test_agent_sees_their_team_and_no_management_controls(world, page: Page, login):
    org, team = urls(world)
    login(world["agent"].account.email)
    page.goto("/")
    expect(page).to_have_url(re.compile(rf"{org}/$"))
    teams = page.get_by_role("list", name="Teams")
    expect(teams.get_by_role("link")).to_have_text(["Billing"])  # not Retention
    expect(page.get_by_role("link", name="Create Team")).to_have_count(0)
    expect(page.get_by_role("button", name="Create Team")).to_have_count(0)

    teams.get_by_role("link", name="Billing", exact=True).click()
    expect(page.get_by_role("heading", name="Billing", level=1)).to_be_visible()
    nav = page.get_by_role("navigation", name="Team", exact=True)
    expect(nav.get_by_role("link")).to_have_text(["Overview", "Calls", "Analytics"])
    expect(nav.get_by_role("link", name="Members")).to_have_count(0)
    expect(nav.get_by_role("link", name="Settings")).to_have_count(0)
    expect(page.get_by_role("link", name="Add Member")).to_have_count(0)
    expect(page.get_by_role("link", name="Revoke")).to_have_count(0)
    # The workflow ID is for those with the team's settings, not for agents.
    assert world.team.workflow_id not in page.content()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organization").click()
    org_nav = page.get_by_role("navigation", name="Organization", exact=True)
    expect(org_nav.get_by_role("link")).to_have_text(["Roles"])
    expect(page.get_by_role("link", name="Add Member")).to_have_count(0)


def test_agent_gets_403_on_management_urls(world, page: Page, login):
    org, team = urls(world)
    login(world["agent"].account.email)
    other_team = f"{org}/teams/{world.other_team.id}/"  # Retention: in their org, not their team
    supervisor, member = world["supervisor"].account_id, world["member"].account_id
    for url in [
        *(f"{org}/{path}" for path in ORG_MANAGEMENT),
        *(f"{team}/{path}" for path in TEAM_MANAGEMENT),
        f"{org}/members/{member}/revoke",
        f"{team}/members/{supervisor}/revoke",
        other_team,
    ]:
        expect_status(page, url, 403, "Forbidden")
    expect_status(page, f"{team}/", 200, "Billing")  # their own team still opens


def test_other_organizations_answer_404(world, page: Page, login):
    org, _ = urls(world)
    foreign_org = f"/o/{world.foreign_org.id}"
    foreign_team = f"/teams/{world.foreign_team.id}"
    not_found = [
        f"{foreign_org}/",
        f"{foreign_org}/members",
        f"{foreign_org}{foreign_team}/",
        f"{org}{foreign_team}/",  # another org's team inside my org's URL
        f"{org}{foreign_team}/settings",
        f"{org}{foreign_team}/members/add",
    ]
    for who in ("agent", "admin"):  # an Admin of Acme reaches no further than an Agent
        page.context.clear_cookies()
        login(world[who].account.email)
        for url in not_found:
            expect_status(page, url, 404, "Not found")
    assert world.foreign_team.workflow_id not in page.content()


def test_agent_management_posts_with_valid_csrf_are_refused(world, page: Page, login):
    org, team = urls(world)
    login(world["agent"].account.email)
    page.goto(f"{team}/")
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    before = fingerprint()
    member, supervisor = world["member"].account_id, world["supervisor"].account_id
    attempts = [
        (f"{org}/teams/new", {"name": "Agent's team", "description": ""}),
        (f"{org}/members/add", {"account_id": world["outsider"].account_id, "role": "member"}),
        (f"{org}/members/{member}/role", {"role": "admin"}),
        (f"{org}/members/{member}/revoke", {}),
        (f"{org}/roles/new", {"name": "Sneaky", "scope": "team", "permissions": "team.read"}),
        (f"{team}/members/add", {"account_id": member, "role": "agent"}),
        (f"{team}/members/{supervisor}/role", {"role": "agent"}),
        (f"{team}/members/{supervisor}/revoke", {}),
        (f"{team}/settings", {"name": "Renamed", "description": ""}),
        (f"{team}/settings/rotate-workflow-id", {}),
    ]
    for url, form in attempts:
        response = page.request.post(url, form=form, headers={"X-CSRFToken": csrf}, max_redirects=0)
        assert response.status == 403, (url, response.status)
        # Refused by the access policy, not by the CSRF check: the token was good.
        assert "does not allow this" in response.text(), url
    assert fingerprint() == before

    # The same token and session do work for what an agent may change: their own tokens.
    token = world["agent"].account.tokens.get()
    response = page.request.post(
        f"/profile/tokens/{token.id}/revoke", headers={"X-CSRFToken": csrf}, max_redirects=0
    )
    assert response.status == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
