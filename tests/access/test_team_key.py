"""`team.read` is the key to a team, over the API and in the browser alike (access/resolve.py):
a custom team role that may manage members but not open the team is refused both ways, with
nothing changed; the same role with `team.read` is allowed both ways."""

import pytest
from django.test import Client, RequestFactory

from callstudio.access.policy import org_access, team_access
from callstudio.access.resolve import resolve_team
from callstudio.access.services import role_create
from callstudio.directory.services import org_member_add, team_member_add
from callstudio.orgs.models import TeamMembership
from tests.conftest import person
from tests.helpers import assert_problem, fingerprint

MANAGE = ["team.members.read", "team.members.manage"]


@pytest.fixture
def clerks(world):
    """Two team roles in Billing: "Roster keeper" (members, no key) and "Roster keeper with key"
    (the same and team.read); "Listed" is a role both may grant; newbie is in the org only."""
    access = org_access(world["admin"].account, world.org.id)
    billing = team_access(access, world.team.id)
    keyless = role_create(access=access, name="Roster keeper", scope="team", permissions=MANAGE)
    keyed = role_create(
        access=access,
        name="Roster keeper with key",
        scope="team",
        permissions=["team.read", *MANAGE],
    )
    listed = role_create(
        access=access, name="Listed", scope="team", permissions=["team.members.read"]
    )
    for who, role in (("keyless", keyless), ("keyed", keyed)):
        world.people[who] = person(f"{who}@acme.test")
        org_member_add(access=access, account_id=world[who].account_id, role="member")
        team_member_add(access=billing, account_id=world[who].account_id, role=role.id)
    world.people["newbie"] = person("newbie@acme.test")
    org_member_add(access=access, account_id=world["newbie"].account_id, role="member")
    return {"listed": listed}


@pytest.fixture
def browser_as(world):
    def make(who: str) -> Client:
        client = Client()
        client.force_login(world[who].account)
        return client

    return make


def _in_billing(world, who: str) -> bool:
    return TeamMembership.objects.filter(
        team=world.team, account=world[who].account, revoked_at__isnull=True
    ).exists()


def test_api_refuses_member_management_without_team_read(world, clerks):
    before = fingerprint()
    api = world.api("keyless")
    agent = world["agent"].account_id
    assert_problem(
        api.post(
            f"{world.team_url}/members",
            {"account_id": world["newbie"].account_id, "role": clerks["listed"].id},
        ),
        403,
    )
    assert_problem(api.get(f"{world.team_url}/members"), 403)
    assert_problem(api.patch(f"{world.team_url}/members/{agent}", {"agent_external_id": "x"}), 403)
    assert_problem(api.delete(f"{world.team_url}/members/{agent}"), 403)
    assert fingerprint() == before
    assert not _in_billing(world, "newbie")


def test_api_refuses_team_endpoints_without_team_read(world, clerks):
    """Every team endpoint that used to skip the key now asks for it first."""
    before = fingerprint()
    api = world.api("keyless")
    assert_problem(api.patch(world.team_url, {"name": "Renamed"}), 403)
    assert_problem(api.post(f"{world.team_url}/rotate-workflow-id"), 403)
    assert_problem(api.post(f"{world.team_url}/archive"), 403)
    assert_problem(api.post(f"{world.team_url}/unarchive"), 403)
    assert fingerprint() == before


def test_pages_refuse_member_management_without_team_read(world, clerks, browser_as):
    before = fingerprint()
    browser = browser_as("keyless")
    base = f"/o/{world.org.id}/teams/{world.team.id}/members"
    assert browser.get(base).status_code == 403
    assert browser.get(f"{base}/add").status_code == 403
    response = browser.post(
        f"{base}/add",
        {"account_id": world["newbie"].account_id, "role": clerks["listed"].id},
    )
    assert response.status_code == 403
    assert browser.post(f"{base}/{world['agent'].account_id}/revoke").status_code == 403
    assert fingerprint() == before
    assert not _in_billing(world, "newbie")


def test_a_team_only_reader_without_the_key_does_not_see_the_team_listed(world, clerks):
    response = world.api("keyless").get(f"{world.org_url}/teams")
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_api_allows_member_management_with_team_read(world, clerks):
    response = world.api("keyed").post(
        f"{world.team_url}/members",
        {"account_id": world["newbie"].account_id, "role": clerks["listed"].id},
    )
    assert response.status_code == 201, response.content
    assert response.json()["role"] == clerks["listed"].id
    assert _in_billing(world, "newbie")
    listed = world.api("keyed").get(f"{world.team_url}/members")
    assert listed.status_code == 200
    assert world["newbie"].account_id in {m["account_id"] for m in listed.json()["items"]}


def test_page_allows_member_management_with_team_read(world, clerks, browser_as):
    browser = browser_as("keyed")
    base = f"/o/{world.org.id}/teams/{world.team.id}/members"
    assert browser.get(base).status_code == 200
    assert browser.get(f"{base}/add").status_code == 200
    response = browser.post(
        f"{base}/add",
        {"account_id": world["newbie"].account_id, "role": clerks["listed"].id},
    )
    assert response.status_code == 302
    assert response["Location"] == base
    membership = TeamMembership.objects.get(
        team=world.team, account=world["newbie"].account, revoked_at__isnull=True
    )
    assert membership.custom_role_id == clerks["listed"].id


def test_resolving_twice_in_one_request_builds_access_once(world, django_assert_num_queries):
    """The request-scoped cache: a second resolve of the same team costs no query."""
    request = RequestFactory().get("/")
    account = world["supervisor"].account
    first = resolve_team(request, world.org.id, world.team.id, account=account)
    with django_assert_num_queries(0):
        again = resolve_team(request, world.org.id, world.team.id, account=account)
    assert again is first
