"""GET /api/v1/orgs/{org}/access: the exact explanation per role, the verdict for one permission
with what blocks it, the refusals, and the query bound for 1,000 teams."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from callstudio.access.permissions import CATALOG, TEAM_PERMISSIONS
from callstudio.access.policy import org_access, team_access
from callstudio.access.services import role_create
from callstudio.directory.services import org_member_add, org_member_revoke, team_member_add
from callstudio.orgs.models import Team
from tests.conftest import person
from tests.helpers import assert_problem, expect

from .mfa import require_mfa

OK = [{"name": "active_membership", "satisfied": True}, {"name": "require_mfa", "satisfied": True}]
TEAM_KEY_OK = [{"name": "team_read_required", "satisfied": True}]
ORDERED_TEAM = [p.name for p in CATALOG if p.name in TEAM_PERMISSIONS]


def explain(world, who, *, by="admin", **query):
    url = f"{world.org_url}/access"
    return world.api(by).get(url, account=world[who].account_id, **query)


def org_sourced(names, role):
    return [{"name": n, "sources": [{"kind": "org_role", "role": role}]} for n in names]


def team_sourced(names, role):
    return [{"name": n, "sources": [{"kind": "team_role", "role": role}]} for n in names]


def test_agent(world):
    body = expect(explain(world, "agent"), 200)
    assert body == {
        "account_id": world["agent"].account_id,
        "org_role": "member",
        "policies": OK,
        "org_permissions": org_sourced(["org.read"], "member"),
        "teams": [
            {
                "team": {"id": world.team.id, "name": "Billing"},
                "archived": False,
                "role": "agent",
                "permissions": team_sourced(
                    ["team.read", "calls.read.own", "analytics.read.own"], "agent"
                ),
                "policies": TEAM_KEY_OK,
            }
        ],
    }


def test_supervisor(world):
    body = expect(explain(world, "supervisor"), 200)
    [billing] = body["teams"]
    assert billing["role"] == "supervisor"
    assert [p["name"] for p in billing["permissions"]] == [
        "team.read",
        "team.settings",
        "team.members.read",
        "calls.read.all",
        "calls.archive",
        "analytics.read.all",
        "agents.read",
        "alerts.read",
        "alerts.manage",
        "automations.read",
        "automations.manage",
    ]
    assert {s["kind"] for p in billing["permissions"] for s in p["sources"]} == {"team_role"}


def test_manager_reaches_every_team_through_the_org_role(world):
    body = expect(explain(world, "manager"), 200)
    assert body["org_role"] == "manager"
    assert body["org_permissions"] == org_sourced(
        ["org.read", "org.members.read", "teams.create"], "manager"
    )
    assert body["teams"] == [
        {
            "team": {"id": t.id, "name": t.name},
            "archived": False,
            "role": None,
            "permissions": org_sourced(ORDERED_TEAM, "manager"),
            "policies": TEAM_KEY_OK,
        }
        for t in (world.team, world.other_team)
    ]


def test_admin_holds_everything(world):
    body = expect(explain(world, "admin", by="manager"), 200)
    assert body["org_role"] == "admin"
    assert len(body["org_permissions"]) == len(CATALOG) - len(TEAM_PERMISSIONS)
    assert [len(t["permissions"]) for t in body["teams"]] == [len(TEAM_PERMISSIONS)] * 2


def test_custom_team_role_is_named_by_id_and_name(world):
    body = expect(explain(world, "qa"), 200)
    role = {"id": world.custom_role.id, "name": "QA Reviewer"}
    [billing] = body["teams"]
    assert billing["role"] == role
    assert billing["permissions"] == team_sourced(
        ["team.read", "team.members.read", "calls.read.all"], role
    )


def test_org_and_team_role_are_both_sources(world):
    admin = org_access(world["admin"].account, world.org.id)
    team_member_add(
        access=team_access(admin, world.team.id),
        account_id=world["manager"].account_id,
        role="agent",
    )
    body = expect(explain(world, "manager", team=world.team.id, permission="calls.read.own"), 200)
    both = [{"kind": "org_role", "role": "manager"}, {"kind": "team_role", "role": "agent"}]
    assert body["teams"][0]["role"] == "agent"
    assert body["sources"] == both
    assert (body["allowed"], body["blocked_by"]) == (True, [])


def test_permission_without_team_read_is_blocked(world):
    admin = org_access(world["admin"].account, world.org.id)
    listener = role_create(
        access=admin, name="Listener", scope="team", permissions=["calls.read.all"]
    )
    team_member_add(
        access=team_access(admin, world.team.id),
        account_id=world["member"].account_id,
        role=listener.id,
    )
    body = expect(explain(world, "member", team=world.team.id, permission="calls.read.all"), 200)
    assert body["teams"][0]["policies"] == [{"name": "team_read_required", "satisfied": False}]
    assert body["permission"] == "calls.read.all"
    assert body["allowed"] is False
    assert body["sources"] == [
        {"kind": "team_role", "role": {"id": listener.id, "name": "Listener"}}
    ]
    assert body["blocked_by"] == ["team_read_required"]


def test_archived_member_is_blocked_by_active_membership(world):
    admin = org_access(world["admin"].account, world.org.id)
    former = person("former@acme.test")
    org_member_add(access=admin, account_id=former.account_id, role="manager")
    org_member_revoke(access=admin, account_id=former.account_id)
    world.people["former"] = former
    body = expect(explain(world, "former", permission="org.members.read"), 200)
    assert body["policies"][0] == {"name": "active_membership", "satisfied": False}
    assert body["sources"] == [{"kind": "org_role", "role": "manager"}]
    assert (body["allowed"], body["blocked_by"]) == (False, ["active_membership"])


def test_require_mfa_blocks_a_member_without_mfa(world):
    require_mfa(world)
    body = expect(explain(world, "supervisor", team=world.team.id, permission="alerts.read"), 200)
    assert body["policies"][1] == {"name": "require_mfa", "satisfied": False}
    assert (body["allowed"], body["blocked_by"]) == (False, ["require_mfa"])
    admin = expect(explain(world, "admin", permission="org.manage"), 200)
    assert (admin["allowed"], admin["policies"]) == (True, OK)


def test_a_permission_not_held_is_not_allowed(world):
    body = expect(explain(world, "agent", team=world.team.id, permission="calls.read.all"), 200)
    assert (body["allowed"], body["sources"], body["blocked_by"]) == (False, [], [])


def test_archived_team_is_listed_as_archived(world):
    Team.objects.filter(id=world.team.id).update(archived_at="2026-11-30T10:00:00Z")
    body = expect(explain(world, "agent", team=world.team.id, permission="team.read"), 200)
    assert body["teams"][0]["archived"] is True
    assert body["allowed"] is True


def test_asked_team_without_access_is_listed_empty(world):
    body = expect(explain(world, "agent", team=world.other_team.id), 200)
    assert body["teams"] == [
        {
            "team": {"id": world.other_team.id, "name": "Retention"},
            "archived": False,
            "role": None,
            "permissions": [],
            "policies": [{"name": "team_read_required", "satisfied": False}],
        }
    ]


@pytest.mark.parametrize("by", ["member", "supervisor", "agent", "qa"])
def test_without_org_members_read_is_403(world, by):
    assert_problem(explain(world, "agent", by=by), 403, code="forbidden")


def test_outsider_and_unknown_accounts_are_404(world):
    assert_problem(explain(world, "outsider"), 404)
    url = f"{world.org_url}/access"
    assert_problem(world.api("admin").get(url, account="acc_nope"), 404)
    assert_problem(explain(world, "foreign_admin"), 404)


def test_other_organizations_are_404(world):
    url = f"/api/v1/orgs/{world.foreign_org.id}/access"
    assert_problem(world.api("admin").get(url, account=world["foreign_admin"].account_id), 404)


def test_unknown_team_is_404_and_foreign_team_too(world):
    assert_problem(explain(world, "agent", team="team_nope"), 404)
    assert_problem(explain(world, "agent", team=world.foreign_team.id), 404)


def test_unknown_permission_and_missing_team_are_422(world):
    assert_problem(explain(world, "agent", permission="calls.delete"), 422, field="permission")
    assert_problem(explain(world, "agent", permission="calls.read.all"), 422, field="team")
    assert_problem(world.api("admin").get(f"{world.org_url}/access"), 422, field="account")


def test_a_thousand_teams_in_one_request_under_ten_queries(world):
    Team.objects.bulk_create(
        Team(organization=world.org, name=f"Team {i:04}") for i in range(1, 999)
    )
    client = world.api("admin")
    explain(world, "manager")  # warm: the token's last-used time is written at most once a minute
    with CaptureQueriesContext(connection) as ctx:
        body = expect(explain(world, "manager"), 200)
    assert len(body["teams"]) == 1000
    assert len(ctx) < 10, [q["sql"] for q in ctx.captured_queries]
    with CaptureQueriesContext(connection) as ctx:
        expect(client.get(f"{world.org_url}/access", account=world["agent"].account_id), 200)
    assert len(ctx) < 10
