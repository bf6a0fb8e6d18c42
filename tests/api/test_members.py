import pytest

from callstudio.access.policy import org_access, team_access
from callstudio.core.models import AuditLogEntry
from callstudio.directory.services import org_member_add, team_member_add
from callstudio.orgs.models import OrgMembership, TeamMembership
from tests.helpers import assert_problem, expect, fingerprint


def members(w, who="admin", **query):
    response = w.api(who).get(f"{w.org_url}/members", **query)
    assert response.status_code == 200
    return response.json()


def add_to_other_team(w, who: str, role="agent"):
    access = org_access(w["admin"].account, w.org.id)
    team_member_add(
        access=team_access(access, w.other_team.id), account_id=w[who].account_id, role=role
    )


def test_member_list_has_one_row_per_member_with_role_status_and_teams(world):
    rows = {m["email"]: m for m in members(world)["items"]}
    assert set(rows) == {
        f"{k}@acme.test" for k in ["admin", "manager", "member", "supervisor", "agent", "qa"]
    }
    assert rows["supervisor@acme.test"] == {
        "account_id": world["supervisor"].account_id,
        "name": "Supervisor",
        "email": "supervisor@acme.test",
        "role": "member",
        "role_name": "Member",
        "status": "active",
        "teams": [{"id": world.team.id, "name": "Billing", "role": "supervisor"}],
    }
    assert rows["qa@acme.test"]["teams"][0]["role"] == world.custom_role.id


def test_member_list_paginates(world):
    first = members(world, limit=4)
    assert len(first["items"]) == 4 and first["next_cursor"]
    second = members(world, limit=4, cursor=first["next_cursor"])
    assert len(second["items"]) == 2 and second["next_cursor"] is None
    emails = [m["email"] for m in first["items"] + second["items"]]
    assert len(set(emails)) == 6


def test_add_member_by_account_id_with_default_role(world):
    response = world.api("admin").post(
        f"{world.org_url}/members", {"account_id": world["outsider"].account_id}
    )
    assert response.status_code == 201
    assert response.json()["role"] == "member" and response.json()["status"] == "active"
    assert world.api("outsider").get(world.org_url).status_code == 200
    entry = AuditLogEntry.objects.get(action="member.add", target_id=world["outsider"].account_id)
    assert entry.target_id == world["outsider"].account_id and entry.after == {"role": "member"}


def test_add_member_with_a_role(world):
    response = world.api("admin").post(
        f"{world.org_url}/members", {"account_id": world["outsider"].account_id, "role": "manager"}
    )
    assert response.status_code == 201 and response.json()["role"] == "manager"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"account_id": "acc_doesnotexist000000"}, 422, "account_id"),
        ({"account_id": ""}, 422, "account_id"),
        ({"account_id": 5}, 422, "account_id"),
        ({}, 422, "account_id"),
        ({"account_id": "{outsider}", "role": "supervisor"}, 422, "role"),
        ({"account_id": "{outsider}", "role": "owner"}, 422, "role"),
        ({"account_id": "{outsider}", "role": "{qa_role}"}, 422, "role"),
        ({"account_id": "{outsider}", "status": "active"}, 422, "status"),
        ({"account_id": "{member}"}, 409, "account_id"),
    ],
)
def test_bad_member_additions_change_nothing(world, body, status, field):
    body = {
        k: v.format(
            outsider=world["outsider"].account_id,
            member=world["member"].account_id,
            qa_role=world.custom_role.id,
        )
        if isinstance(v, str)
        else v
        for k, v in body.items()
    }
    before = fingerprint()
    assert_problem(world.api("admin").post(f"{world.org_url}/members", body), status, field=field)
    assert fingerprint() == before


def test_a_member_of_another_org_cannot_be_added_by_its_own_account_id_into_a_foreign_org(world):
    # Globex's admin is a real account: adding them to Acme works only from Acme's side.
    assert_problem(
        world.api("foreign_admin").post(
            f"{world.org_url}/members", {"account_id": world["foreign_admin"].account_id}
        ),
        404,
    )


def test_manager_cannot_grant_admin(world):
    org_member_add(
        access=org_access(world["admin"].account, world.org.id),
        account_id=world["outsider"].account_id,
    )
    # Give the manager the right to change roles through a custom org role that lacks the rest.
    response = world.api("admin").post(
        f"{world.org_url}/roles",
        {
            "name": "Role keeper",
            "scope": "org",
            "permissions": ["org.read", "org.members.read", "org.members.roles"],
        },
    )
    keeper = response.json()["id"]
    assert (
        world.api("admin")
        .patch(f"{world.org_url}/members/{world['manager'].account_id}", {"role": keeper})
        .status_code
        == 200
    )
    before = fingerprint()
    body = assert_problem(
        world.api("manager").patch(
            f"{world.org_url}/members/{world['outsider'].account_id}", {"role": "admin"}
        ),
        403,
    )
    assert "org.manage" in body["detail"]
    # ... nor demote someone above them.
    assert_problem(
        world.api("manager").patch(
            f"{world.org_url}/members/{world['admin'].account_id}", {"role": "member"}
        ),
        403,
    )
    assert fingerprint() == before
    # ... but may set roles within their own permissions.
    assert (
        world.api("manager")
        .patch(f"{world.org_url}/members/{world['outsider'].account_id}", {"role": "member"})
        .status_code
        == 200
    )


def test_nobody_changes_their_own_role(world):
    before = fingerprint()
    assert_problem(
        world.api("admin").patch(
            f"{world.org_url}/members/{world['admin'].account_id}", {"role": "member"}
        ),
        403,
    )
    assert_problem(
        world.api("admin").delete(f"{world.org_url}/members/{world['admin'].account_id}"), 403
    )
    assert_problem(
        world.api("admin").delete(
            f"{world.org_url}/teams/{world.team.id}/members/{world['admin'].account_id}"
        ),
        404,
    )
    assert fingerprint() == before


def test_change_org_role_takes_effect_on_the_next_request(world):
    assert_problem(world.api("member").get(f"{world.org_url}/members"), 403)
    response = world.api("admin").patch(
        f"{world.org_url}/members/{world['member'].account_id}", {"role": "manager"}
    )
    assert response.status_code == 200 and response.json()["role"] == "manager"
    assert world.api("member").get(f"{world.org_url}/members").status_code == 200
    entry = AuditLogEntry.objects.filter(action="member.role.change").latest("id")
    assert entry.before == {"role": "member"} and entry.after == {"role": "manager"}


def test_two_admins_may_demote_each_other_only_while_one_remains(world):
    admin = world.api("admin")
    expect(
        admin.patch(f"{world.org_url}/members/{world['manager'].account_id}", {"role": "admin"}),
        200,
    )
    assert (
        world.api("manager")
        .patch(f"{world.org_url}/members/{world['admin'].account_id}", {"role": "member"})
        .status_code
        == 200
    )
    # The original admin is now a Member: they can no longer act.
    assert_problem(
        admin.patch(f"{world.org_url}/members/{world['manager'].account_id}", {"role": "member"}),
        403,
    )
    assert (
        OrgMembership.objects.filter(organization=world.org, role="admin", status="active").count()
        == 1
    )


def test_last_admin_is_kept_even_against_a_full_custom_role(world):
    from callstudio.access.permissions import ALL

    role = expect(
        world.api("admin").post(
            f"{world.org_url}/roles",
            {"name": "Everything", "scope": "org", "permissions": sorted(ALL)},
        ),
        201,
    )
    assert (
        world.api("admin")
        .patch(f"{world.org_url}/members/{world['manager'].account_id}", {"role": role["id"]})
        .status_code
        == 200
    )
    before = fingerprint()
    body = assert_problem(
        world.api("manager").patch(
            f"{world.org_url}/members/{world['admin'].account_id}", {"role": "member"}
        ),
        409,
    )
    assert "Admin" in body["detail"]
    assert_problem(
        world.api("manager").delete(f"{world.org_url}/members/{world['admin'].account_id}"), 409
    )
    assert fingerprint() == before


def test_revoke_from_team_keeps_other_teams(world):
    add_to_other_team(world, "agent")
    response = world.api("admin").delete(f"{world.team_url}/members/{world['agent'].account_id}")
    assert response.status_code == 204 and response.content == b""
    agent = world.api("agent")
    assert_problem(agent.get(world.team_url), 403)
    assert agent.get(f"{world.org_url}/teams/{world.other_team.id}").status_code == 200
    history = TeamMembership.objects.get(team=world.team, account=world["agent"].account)
    assert history.revoked_at is not None and history.role == "agent"
    assert AuditLogEntry.objects.filter(action="team.member.revoke", team=world.team).count() == 1


def test_revoke_from_org_is_refused_while_in_teams_and_names_them(world):
    add_to_other_team(world, "agent")
    before = fingerprint()
    body = assert_problem(
        world.api("admin").delete(f"{world.org_url}/members/{world['agent'].account_id}"), 409
    )
    assert body["teams"] == [
        {"id": world.team.id, "name": "Billing"},
        {"id": world.other_team.id, "name": "Retention"},
    ]
    assert "Billing" in body["detail"] and "Retention" in body["detail"]
    assert fingerprint() == before


def test_full_revocation_flow_then_restore(world):
    admin, agent_id = world.api("admin"), world["agent"].account_id
    agent = world.api("agent")
    assert agent.get(world.team_url).status_code == 200
    assert admin.delete(f"{world.team_url}/members/{agent_id}").status_code == 204
    response = admin.delete(f"{world.org_url}/members/{agent_id}")
    assert response.status_code == 200 and response.json()["status"] == "archived"
    # From the very next request the token reaches nothing of this org.
    for path in [world.org_url, world.team_url, f"{world.org_url}/teams"]:
        assert_problem(agent.get(path), 404)
    assert agent.get("/api/v1/me").json()["orgs"] == []
    assert members(world, status="archived")["items"][0]["account_id"] == agent_id
    assert agent_id not in [m["account_id"] for m in members(world)["items"]]
    # Adding them again is refused, pointing at restore.
    before = fingerprint()
    body = assert_problem(
        admin.post(f"{world.org_url}/members", {"account_id": agent_id}), 409, field="account_id"
    )
    assert body["restore"] == f"/api/v1/orgs/{world.org.id}/members/{agent_id}/restore"
    assert fingerprint() == before
    restored = admin.post(f"{world.org_url}/members/{agent_id}/restore")
    assert restored.status_code == 200
    assert restored.json() == {
        "account_id": agent_id,
        "status": "active",
        "role": "member",
        "former_teams": [{"id": world.team.id, "name": "Billing", "role": "agent"}],
    }
    assert agent.get(world.org_url).status_code == 200
    actions = list(
        AuditLogEntry.objects.filter(organization=world.org)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-3:] == ["team.member.revoke", "member.revoke", "member.restore"]


def test_restore_gives_back_a_custom_or_manager_role(world):
    admin = world.api("admin")
    expect(
        admin.patch(f"{world.org_url}/members/{world['member'].account_id}", {"role": "manager"}),
        200,
    )
    expect(admin.delete(f"{world.org_url}/members/{world['member'].account_id}"), 200)
    assert (
        expect(admin.post(f"{world.org_url}/members/{world['member'].account_id}/restore"), 200)[
            "role"
        ]
        == "manager"
    )


def test_restore_and_revoke_errors(world):
    admin = world.api("admin")
    before = fingerprint()
    assert_problem(admin.post(f"{world.org_url}/members/{world['member'].account_id}/restore"), 409)
    assert_problem(admin.post(f"{world.org_url}/members/acc_unknown/restore"), 404)
    assert_problem(admin.delete(f"{world.org_url}/members/acc_unknown"), 404)
    assert_problem(admin.delete(f"{world.org_url}/members/{world['outsider'].account_id}"), 404)
    assert fingerprint() == before


def test_archived_members_role_cannot_change_until_restored(world):
    admin = world.api("admin")
    expect(admin.delete(f"{world.org_url}/members/{world['member'].account_id}"), 200)
    before = fingerprint()
    assert_problem(
        admin.patch(f"{world.org_url}/members/{world['member'].account_id}", {"role": "manager"}),
        409,
    )
    assert fingerprint() == before


# Team members ------------------------------------------------------------------------------


def test_team_member_list(world):
    response = world.api("supervisor").get(f"{world.team_url}/members")
    assert response.status_code == 200
    rows = {m["email"]: m for m in response.json()["items"]}
    assert set(rows) == {"supervisor@acme.test", "agent@acme.test", "qa@acme.test"}
    assert (
        rows["agent@acme.test"]["role"] == "agent"
        and rows["agent@acme.test"]["role_name"] == "Agent"
    )
    assert (
        rows["qa@acme.test"]["role"] == world.custom_role.id
        and rows["qa@acme.test"]["role_name"] == "QA Reviewer"
    )


def test_add_team_member_and_change_role(world):
    manager = world.api("manager")
    response = manager.post(
        f"{world.team_url}/members",
        {"account_id": world["member"].account_id, "role": "supervisor"},
    )
    assert response.status_code == 201 and response.json()["role"] == "supervisor"
    assert world.api("member").get(world.team_url).json()["workflow_id"] == world.team.workflow_id
    response = manager.patch(
        f"{world.team_url}/members/{world['member'].account_id}", {"role": "agent"}
    )
    assert response.status_code == 200 and response.json()["role"] == "agent"
    assert world.api("member").get(world.team_url).json()["workflow_id"] is None
    assert [e.action for e in AuditLogEntry.objects.filter(team=world.team).order_by("id")][
        -2:
    ] == ["team.member.add", "team.member.role.change"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"account_id": "{outsider}", "role": "agent"}, 422, "account_id"),
        ({"account_id": "acc_unknown", "role": "agent"}, 422, "account_id"),
        ({"account_id": "{agent}", "role": "agent"}, 409, "account_id"),
        ({"account_id": "{member}", "role": "manager"}, 422, "role"),
        ({"account_id": "{member}", "role": "nope"}, 422, "role"),
        ({"account_id": "{member}"}, 422, "role"),
        ({"account_id": "{foreign}", "role": "agent"}, 422, "account_id"),
    ],
)
def test_bad_team_member_additions_change_nothing(world, body, status, field):
    body = {
        k: v.format(
            outsider=world["outsider"].account_id,
            agent=world["agent"].account_id,
            member=world["member"].account_id,
            foreign=world["foreign_admin"].account_id,
        )
        for k, v in body.items()
    }
    before = fingerprint()
    assert_problem(world.api("admin").post(f"{world.team_url}/members", body), status, field=field)
    assert fingerprint() == before


def test_archived_org_member_cannot_be_added_to_a_team(world):
    admin = world.api("admin")
    expect(admin.delete(f"{world.org_url}/members/{world['member'].account_id}"), 200)
    before = fingerprint()
    assert_problem(
        admin.post(
            f"{world.team_url}/members", {"account_id": world["member"].account_id, "role": "agent"}
        ),
        422,
        field="account_id",
    )
    assert fingerprint() == before


def test_custom_team_role_can_be_assigned_and_gives_its_permissions(world):
    admin = world.api("admin")
    assert (
        admin.post(
            f"{world.team_url}/members",
            {"account_id": world["member"].account_id, "role": world.custom_role.id},
        ).status_code
        == 201
    )
    assert world.api("member").get(f"{world.team_url}/members").status_code == 200
    assert_problem(world.api("member").post(f"{world.team_url}/rotate-workflow-id"), 403)


def test_unknown_team_member_is_not_found(world):
    before = fingerprint()
    assert_problem(
        world.api("admin").delete(f"{world.team_url}/members/{world['member'].account_id}"), 404
    )
    assert_problem(
        world.api("admin").patch(
            f"{world.team_url}/members/{world['member'].account_id}", {"role": "agent"}
        ),
        404,
    )
    assert fingerprint() == before


def test_re_adding_after_revoke_keeps_history(world):
    admin = world.api("admin")
    expect(admin.delete(f"{world.team_url}/members/{world['agent'].account_id}"), 204)
    assert (
        admin.post(
            f"{world.team_url}/members",
            {"account_id": world["agent"].account_id, "role": "supervisor"},
        ).status_code
        == 201
    )
    rows = TeamMembership.objects.filter(team=world.team, account=world["agent"].account).order_by(
        "id"
    )
    assert [(r.role, r.revoked_at is None) for r in rows] == [
        ("agent", False),
        ("supervisor", True),
    ]
