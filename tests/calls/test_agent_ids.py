"""§7.2 agent IDs: an agent ID decides whose calls are whose. Nobody sets their own; setting a
member's needs `team.members.manage` and a role at least theirs (org role and team role
together); every change is audited with before/after. The "agent ID takeover" finding: a member
who manages the team pointed an agent ID at calls meant for someone else."""

import pytest

from callstudio.access.policy import org_access, team_access
from callstudio.access.services import role_create
from callstudio.calls.models import Call
from callstudio.core.models import AuditLogEntry
from callstudio.directory.services import org_member_add, team_member_add
from tests.conftest import person
from tests.helpers import assert_problem, assert_unchanged, expect, fingerprint

from .conftest import call_body


@pytest.fixture
def team(world):
    """Billing with a team lead (custom team role that manages members, nothing org-wide), the
    manager and a second Admin as agents, and an unlinked call sent for agent ID PBX-9."""
    admin = org_access(world["admin"].account, world.org.id)
    billing = team_access(admin, world.team.id)
    lead_role = role_create(
        access=admin,
        name="Team lead",
        scope="team",
        permissions=[
            "team.read",
            "team.members.read",
            "team.members.manage",
            "calls.read.all",
            "calls.read.own",
            "analytics.read.own",
        ],
    )
    for key, org_role, team_role in [
        ("lead", "member", lead_role.id),
        ("admin2", "admin", "agent"),
    ]:
        world.people[key] = person(f"{key}@acme.test")
        org_member_add(access=admin, account_id=world[key].account_id, role=org_role)
        team_member_add(access=billing, account_id=world[key].account_id, role=team_role)
    team_member_add(access=billing, account_id=world["manager"].account_id, role="agent")
    return world


@pytest.fixture
def pbx_call(ingest):
    body = call_body("pbx-9", agent={"external_id": "PBX-9"})
    expect(ingest.post(ingest.url, body), 201)
    return Call.objects.get(external_id="pbx-9")


def member_url(world, who: str) -> str:
    return f"{world.team_url}/members/{world[who].account_id}"


@pytest.mark.parametrize(
    ("actor", "target", "code"),
    [
        ("agent", "agent", None),  # no team.members.manage
        ("manager", "manager", "own_agent_id"),  # manages the team, names themselves
        ("lead", "lead", "own_agent_id"),
        ("lead", "admin2", None),  # a team lead on an Admin: the Admin's role is above theirs
        ("lead", "manager", None),  # and the Manager's org role too
        ("manager", "admin2", None),
    ],
)
def test_agent_id_takeover_is_403_and_changes_nothing(team, pbx_call, actor, target, code):
    before = fingerprint()
    response = team.api(actor).patch(member_url(team, target), {"agent_external_id": "PBX-9"})
    assert_problem(response, 403, code=code)
    assert_unchanged(before, actor, target)
    pbx_call.refresh_from_db()
    assert pbx_call.agent_id is None


def test_adding_oneself_with_an_agent_id_is_403(team, pbx_call):
    admin = team.api("admin")
    url = f"{team.org_url}/teams/{team.other_team.id}/members"
    before = fingerprint()
    body = {"account_id": team["admin"].account_id, "role": "agent", "agent_external_id": "X"}
    assert_problem(admin.post(url, body), 403, code="own_agent_id")
    assert_unchanged(before)
    # A lead cannot add an Admin to a team under an agent ID either.
    lead_url = f"{team.team_url}/members"
    other_admin = person("admin3@acme.test")
    org_member_add(
        access=org_access(team["admin"].account, team.org.id),
        account_id=other_admin.account_id,
        role="admin",
    )
    before = fingerprint()
    body = {"account_id": other_admin.account_id, "role": "agent", "agent_external_id": "PBX-9"}
    assert_problem(team.api("lead").post(lead_url, body), 403)
    assert_unchanged(before)


def test_a_role_at_least_the_targets_sets_it_links_the_calls_and_is_audited(team, pbx_call):
    response = team.api("lead").patch(member_url(team, "agent"), {"agent_external_id": "PBX-9"})
    assert expect(response, 200)["agent_external_id"] == "PBX-9"
    pbx_call.refresh_from_db()
    assert pbx_call.agent_id == team["agent"].account.pk
    entry = AuditLogEntry.objects.get(action="team.member.agent_id.change")
    assert (entry.actor_id, entry.target_id, entry.team_id) == (
        team["lead"].account.pk,
        team["agent"].account_id,
        team.team.id,
    )
    assert (entry.before, entry.after) == (
        {"agent_external_id": ""},
        {"agent_external_id": "PBX-9"},
    )
    # An Admin may set another Admin's (equal roles).
    expect(team.api("admin").patch(member_url(team, "admin2"), {"agent_external_id": "A-2"}), 200)


def test_the_page_refuses_ones_own_agent_id(team, pbx_call, client):
    client.force_login(team["manager"].account)
    path = f"/o/{team.org.id}/teams/{team.team.id}/members/{team['manager'].account_id}/agent-id"
    before = fingerprint()
    response = client.post(path, {"agent_external_id": "PBX-9"}, follow=True)
    assert "Nobody sets their own agent ID" in response.content.decode()
    assert_unchanged(before)
