"""PRODUCT §7.7: editing a custom role that members hold changes what they may do, so it needs
`org.members.roles` as well as `org.roles.manage` (403 otherwise, nothing changed). A role nobody
holds needs `org.roles.manage` only."""

import pytest

from callstudio.access.models import Role
from callstudio.access.policy import org_access
from callstudio.access.services import role_create
from callstudio.directory.services import org_member_change_role
from tests.helpers import assert_problem, assert_unchanged, fingerprint

TEAM_PERMISSIONS = ["team.read", "team.members.read", "calls.read.all"]


@pytest.fixture
def role_manager(world):
    """`member` gets an org role with org.roles.manage but not org.members.roles."""
    access = org_access(world["admin"].account, world.org.id)
    role = role_create(
        access=access,
        name="Role Curator",
        scope="org",
        permissions=["org.read", "org.roles.manage", *TEAM_PERMISSIONS],
    )
    org_member_change_role(access=access, account_id=world["member"].account_id, role=role.id)
    return world.api("member")


def unheld_role(world) -> Role:
    return role_create(
        access=org_access(world["admin"].account, world.org.id),
        name="Spare",
        scope="team",
        permissions=["team.read"],
    )


@pytest.mark.parametrize(
    "change",
    [
        {"permissions": ["team.read"]},
        {"name": "QA Lead"},
        {"description": "Reviews calls"},
    ],
)
def test_editing_a_held_role_without_org_members_roles_is_403(world, role_manager, change):
    # QA Reviewer is held by `qa` in Billing.
    before = fingerprint()
    response = role_manager.patch(f"{world.org_url}/roles/{world.custom_role.id}", change)
    body = assert_problem(response, 403)
    assert "org.members.roles" in body["detail"]
    assert_unchanged(before, change)


def test_editing_a_role_nobody_holds_needs_only_org_roles_manage(world, role_manager):
    spare = unheld_role(world)
    response = role_manager.patch(
        f"{world.org_url}/roles/{spare.id}", {"permissions": ["team.read", "team.members.read"]}
    )
    assert response.status_code == 200, response.content
    assert Role.objects.get(id=spare.id).permissions == ["team.members.read", "team.read"]


def test_with_both_permissions_a_held_role_can_be_edited(world):
    response = world.api("admin").patch(
        f"{world.org_url}/roles/{world.custom_role.id}", {"permissions": ["team.read"]}
    )
    assert response.status_code == 200, response.content
    assert Role.objects.get(id=world.custom_role.id).permissions == ["team.read"]
