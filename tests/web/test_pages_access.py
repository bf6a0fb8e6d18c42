"""Every page by every role: which answer 200, 403 or 404, and that a refused POST changes nothing
(a hidden button is never the only protection)."""

import pytest

from tests.helpers import expect, fingerprint

PEOPLE = ["admin", "manager", "member", "supervisor", "agent", "qa", "foreign_admin"]
# page -> set of people who get 200 (everyone else in the org gets 403; other orgs get 404)
PAGES = {
    "{org}/": set(PEOPLE) - {"foreign_admin"},
    "{org}/teams/new": {"admin", "manager"},
    "{org}/organization": set(PEOPLE) - {"foreign_admin"},
    "{org}/members": {"admin", "manager"},
    "{org}/members/add": {"admin"},
    "{org}/roles": set(PEOPLE) - {"foreign_admin"},
    "{org}/roles/new": {"admin"},
    "{org}/audit-log": {"admin"},
    "{org}/api-keys": {"admin"},
    "{team}/": {"admin", "manager", "supervisor", "agent", "qa"},
    "{team}/calls": {"admin", "manager", "supervisor", "agent", "qa"},
    "{team}/analytics": {"admin", "manager", "supervisor", "agent"},
    "{team}/analytics/calls.csv": {"admin", "manager", "supervisor", "agent"},
    "{team}/analytics/figures.csv": {"admin", "manager", "supervisor", "agent"},
    "{org}/analytics": {"admin", "manager"},  # a team role does not reach the org overview
    "{team}/alert-rules/new": {"admin", "manager", "supervisor"},
    "{team}/automations/new": {"admin", "manager", "supervisor"},
    "{team}/members": {"admin", "manager", "supervisor", "qa"},
    "{team}/members/add": {"admin", "manager"},
    "{team}/alerts": {"admin", "manager", "supervisor"},
    "{team}/automations": {"admin", "manager", "supervisor"},
    "{team}/settings": {"admin", "manager", "supervisor"},
    "{team}/settings/rotate-workflow-id": {"admin", "manager"},
}


def url(world, template: str) -> str:
    return template.replace("{team}", f"/o/{world.org.id}/teams/{world.team.id}").replace(
        "{org}", f"/o/{world.org.id}"
    )


@pytest.mark.parametrize("page", list(PAGES))
def test_page_access_by_role(world, browser_as, page):
    for who in PEOPLE:
        response = browser_as(who).get(url(world, page))
        expected = 200 if who in PAGES[page] else (404 if who == "foreign_admin" else 403)
        assert response.status_code == expected, (who, page, response.status_code)


def test_anonymous_is_sent_to_login(world, client):
    response = client.get(url(world, "{team}/"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_another_orgs_team_inside_my_org_url_is_404(world, browser_as):
    response = browser_as("admin").get(f"/o/{world.org.id}/teams/{world.foreign_team.id}/")
    assert response.status_code == 404


def test_archived_member_loses_every_page_at_once(world, browser_as):
    agent = browser_as("agent")
    assert agent.get(url(world, "{team}/")).status_code == 200
    admin = browser_as("admin")
    expect(
        admin.post(
            f"/o/{world.org.id}/teams/{world.team.id}/members/{world['agent'].account_id}/revoke"
        ),
        302,
    )
    expect(admin.post(f"/o/{world.org.id}/members/{world['agent'].account_id}/revoke"), 302)
    assert agent.get(url(world, "{team}/")).status_code == 404
    assert agent.get(url(world, "{org}/")).status_code == 404
    assert agent.get("/")["Location"] == "/welcome"


# Management POSTs by people the UI shows no button to: refused, nothing changed.
POSTS = [
    ("{org}/teams/new", {"name": "Sneaky"}, {"member", "supervisor", "agent", "qa"}),
    (
        "{org}/members/add",
        {"account_id": "{outsider}", "role": "member"},
        {"manager", "member", "supervisor", "agent", "qa"},
    ),
    (
        "{org}/members/{member}/role",
        {"role": "admin"},
        {"manager", "member", "supervisor", "agent", "qa"},
    ),
    ("{org}/members/{member}/revoke", {}, {"manager", "member", "supervisor", "agent", "qa"}),
    (
        "{org}/roles/new",
        {"name": "X", "scope": "team", "permissions": ["team.read"]},
        {"manager", "member", "supervisor", "agent", "qa"},
    ),
    (
        "{team}/members/add",
        {"account_id": "{member}", "role": "agent"},
        {"member", "supervisor", "agent", "qa"},
    ),
    ("{team}/members/{agent}/role", {"role": "supervisor"}, {"member", "supervisor", "qa"}),
    ("{team}/members/{agent}/revoke", {}, {"member", "supervisor", "qa"}),
    (
        "{team}/settings",
        {"name": "Renamed", "description": ""},
        {"member", "supervisor", "agent", "qa"},
    ),
    ("{team}/settings/rotate-workflow-id", {}, {"member", "supervisor", "agent", "qa"}),
]


@pytest.mark.parametrize(("page", "data", "refused"), POSTS)
def test_management_posts_are_refused_without_the_permission(
    world, browser_as, page, data, refused
):
    fill = {
        "outsider": world["outsider"].account_id,
        "member": world["member"].account_id,
        "agent": world["agent"].account_id,
    }
    path = url(world, page).replace("{member}", fill["member"]).replace("{agent}", fill["agent"])
    data = {k: v.format(**fill) if isinstance(v, str) else v for k, v in data.items()}
    for who in sorted(refused) + ["foreign_admin"]:
        before = fingerprint()
        response = browser_as(who).post(path, data)
        assert response.status_code == (404 if who == "foreign_admin" else 403), (who, page)
        assert fingerprint() == before, (who, page)
