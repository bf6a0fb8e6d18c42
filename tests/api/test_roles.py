import pytest

from callstudio.access.models import Role
from callstudio.access.roles import BUILTIN_ROLES
from callstudio.core.models import AuditLogEntry
from tests.helpers import assert_problem, expect, fingerprint

LISTENER = {"name": "Listener", "scope": "team", "permissions": ["team.read", "calls.read.all"]}


def test_roles_list_has_builtins_and_custom_roles(world):
    response = world.api("member").get(f"{world.org_url}/roles")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [r["id"] for r in items if r["builtin"]] == list(BUILTIN_ROLES)
    custom = [r for r in items if not r["builtin"]]
    assert custom == [
        {
            "id": world.custom_role.id,
            "name": "QA Reviewer",
            "scope": "team",
            "builtin": False,
            "description": "",
            "permissions": ["calls.read.all", "team.members.read", "team.read"],
        }
    ]


def test_create_edit_delete_a_custom_role(world):
    admin = world.api("admin")
    created = admin.post(f"{world.org_url}/roles", LISTENER)
    assert created.status_code == 201
    role_id = created.json()["id"]
    assert created.json()["permissions"] == ["calls.read.all", "team.read"]
    edited = admin.patch(
        f"{world.org_url}/roles/{role_id}", {"name": "Call listener", "permissions": ["team.read"]}
    )
    assert edited.status_code == 200 and edited.json()["name"] == "Call listener"
    assert Role.objects.get(id=role_id).permissions == ["team.read"]
    assert admin.delete(f"{world.org_url}/roles/{role_id}").status_code == 204
    assert not Role.objects.filter(id=role_id).exists()
    assert [e.action for e in AuditLogEntry.objects.filter(target_id=role_id).order_by("id")] == [
        "role.create",
        "role.update",
        "role.delete",
    ]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({**LISTENER, "permissions": ["team.read", "calls.delete.all"]}, 422, "permissions"),
        ({**LISTENER, "permissions": "team.read"}, 422, "permissions"),
        ({**LISTENER, "permissions": ["org.members.add"]}, 422, "permissions"),
        ({**LISTENER, "scope": "galaxy"}, 422, "scope"),
        ({**LISTENER, "name": ""}, 422, "name"),
        ({**LISTENER, "name": "r" * 101}, 422, "name"),
        ({**LISTENER, "name": "Bad\x00"}, 422, "name"),
        ({**LISTENER, "name": "qa reviewer"}, 409, "name"),
        ({**LISTENER, "name": "Admin"}, 409, "name"),
        ({**LISTENER, "name": "supervisor"}, 409, "name"),
        ({**LISTENER, "id": "role_mine"}, 422, "id"),
    ],
)
def test_invalid_roles_are_refused_and_nothing_changes(world, body, status, field):
    before = fingerprint()
    assert_problem(world.api("admin").post(f"{world.org_url}/roles", body), status, field=field)
    assert fingerprint() == before


def _role_keeper(world, permissions):
    admin = world.api("admin")
    role = expect(
        admin.post(
            f"{world.org_url}/roles", {"name": "Keeper", "scope": "org", "permissions": permissions}
        ),
        201,
    )
    assert (
        admin.patch(
            f"{world.org_url}/members/{world['member'].account_id}", {"role": role["id"]}
        ).status_code
        == 200
    )
    return role


def test_nobody_builds_a_role_stronger_than_their_own(world):
    _role_keeper(world, ["org.read", "org.roles.manage", "team.read"])
    keeper = world.api("member")
    before = fingerprint()
    body = assert_problem(keeper.post(f"{world.org_url}/roles", {**LISTENER}), 403)
    assert "calls.read.all" in body["detail"]
    assert_problem(
        keeper.patch(f"{world.org_url}/roles/{world.custom_role.id}", {"name": "Mine"}), 403
    )
    assert_problem(keeper.delete(f"{world.org_url}/roles/{world.custom_role.id}"), 403)
    assert fingerprint() == before
    assert (
        keeper.post(
            f"{world.org_url}/roles",
            {"name": "Viewer", "scope": "team", "permissions": ["team.read"]},
        ).status_code
        == 201
    )


def test_nobody_edits_a_role_they_hold(world):
    role = _role_keeper(world, ["org.read", "org.roles.manage", "team.read"])
    before = fingerprint()
    assert_problem(
        world.api("member").patch(
            f"{world.org_url}/roles/{role['id']}",
            {"permissions": ["org.read", "org.roles.manage", "team.read", "team.manage"]},
        ),
        403,
    )
    assert fingerprint() == before


def test_a_role_in_use_cannot_be_deleted_and_the_error_says_where(world):
    before = fingerprint()
    body = assert_problem(
        world.api("admin").delete(f"{world.org_url}/roles/{world.custom_role.id}"), 409
    )
    assert "Billing" in body["detail"]
    assert body["teams"] == [{"id": world.team.id, "name": "Billing"}]
    assert fingerprint() == before


def test_a_role_held_only_by_an_archived_member_is_still_in_use(world):
    role = _role_keeper(world, ["org.read"])
    expect(world.api("admin").delete(f"{world.org_url}/members/{world['member'].account_id}"), 200)
    body = assert_problem(world.api("admin").delete(f"{world.org_url}/roles/{role['id']}"), 409)
    assert body["members"] == ["Member"]


def test_a_role_used_only_in_team_history_can_be_deleted(world):
    admin = world.api("admin")
    expect(admin.delete(f"{world.team_url}/members/{world['qa'].account_id}"), 204)
    assert admin.delete(f"{world.org_url}/roles/{world.custom_role.id}").status_code == 204


def test_scope_of_a_role_in_use_cannot_change(world):
    before = fingerprint()
    assert_problem(
        world.api("admin").patch(f"{world.org_url}/roles/{world.custom_role.id}", {"scope": "org"}),
        409,
        field="scope",
    )
    assert fingerprint() == before


def test_editing_a_role_changes_its_holders_access_at_once(world):
    qa = world.api("qa")
    assert qa.get(f"{world.team_url}/members").status_code == 200
    expect(
        world.api("admin").patch(
            f"{world.org_url}/roles/{world.custom_role.id}", {"permissions": ["team.read"]}
        ),
        200,
    )
    assert_problem(qa.get(f"{world.team_url}/members"), 403)


def test_org_scope_custom_role_grants_team_permissions_in_every_team(world):
    _role_keeper(world, ["org.read", "team.read", "team.members.read"])
    member = world.api("member")
    assert member.get(f"{world.org_url}/teams/{world.other_team.id}/members").status_code == 200
    assert [t["name"] for t in member.get(f"{world.org_url}/teams").json()["items"]] == [
        "Billing",
        "Retention",
    ]


def test_role_of_another_org_is_not_found_and_not_assignable(world):
    foreign = expect(
        world.api("foreign_admin").post(f"/api/v1/orgs/{world.foreign_org.id}/roles", LISTENER), 201
    )
    before = fingerprint()
    assert_problem(
        world.api("admin").patch(f"{world.org_url}/roles/{foreign['id']}", {"name": "x"}), 404
    )
    assert_problem(world.api("admin").delete(f"{world.org_url}/roles/{foreign['id']}"), 404)
    assert_problem(
        world.api("admin").post(
            f"{world.team_url}/members",
            {"account_id": world["member"].account_id, "role": foreign["id"]},
        ),
        422,
        field="role",
    )
    assert fingerprint() == before
