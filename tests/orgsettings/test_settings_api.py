"""GET/PATCH /api/v1/orgs/{org}: the settings, who may change them, and what a refusal leaves."""

import pytest

from callstudio.core.models import AuditLogEntry
from callstudio.orgs.models import Organization, OrgMembership
from tests.helpers import assert_problem, assert_unchanged, expect, fingerprint

from .mfa import give_mfa


def test_get_carries_the_settings(world):
    body = expect(world.api("agent").get(world.org_url), 200)
    assert body["settings"] == {
        "require_mfa": False,
        "default_role": "member",
        "scim_team_role": "agent",
    }


def test_admin_renames_and_sets_the_default_role_audited(world):
    body = expect(
        world.api("admin").patch(world.org_url, {"name": "Acme Ltd", "default_role": "manager"}),
        200,
    )
    assert body["name"] == "Acme Ltd"
    assert body["settings"] == {
        "require_mfa": False,
        "default_role": "manager",
        "scim_team_role": "agent",
    }
    org = Organization.objects.get(id=world.org.id)
    assert (org.name, org.default_role) == ("Acme Ltd", "manager")
    entry = AuditLogEntry.objects.get(organization=org, action="org.update")
    assert entry.before == {"name": "Acme", "default_role": "member"}
    assert entry.after == {"name": "Acme Ltd", "default_role": "manager"}
    assert entry.actor_id == world["admin"].account.pk


def test_custom_org_role_can_be_the_default(world):
    from callstudio.access.policy import org_access
    from callstudio.access.services import role_create

    role = role_create(
        access=org_access(world["admin"].account, world.org.id),
        name="Reader",
        scope="org",
        permissions=["org.read", "org.members.read"],
    )
    body = expect(world.api("admin").patch(world.org_url, {"default_role": role.id}), 200)
    assert body["settings"]["default_role"] == role.id


@pytest.mark.parametrize("who", ["manager", "member", "supervisor", "agent", "qa"])
def test_without_org_manage_is_403_and_changes_nothing(world, who):
    before = fingerprint()
    response = world.api(who).patch(world.org_url, {"name": "Taken over", "require_mfa": False})
    assert_problem(response, 403, code="forbidden")
    assert_unchanged(before, who)


@pytest.mark.parametrize("who", ["foreign_admin", "outsider"])
def test_strangers_get_404(world, who):
    before = fingerprint()
    assert_problem(world.api(who).patch(world.org_url, {"name": "Mine"}), 404)
    assert_unchanged(before, who)


def test_anonymous_gets_401(world):
    assert_problem(world.api(None).patch(world.org_url, {"name": "Mine"}), 401)


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"default_role": "admin"}, "default_role", "admin_default"),
        ({"default_role": "supervisor"}, "default_role", "invalid"),  # a team role
        ({"default_role": "role_nope"}, "default_role", "invalid"),
        ({"name": ""}, "name", None),
        ({"require_mfa": "yes"}, "require_mfa", None),
        ({"owner": "me"}, "owner", None),
    ],
)
def test_invalid_settings_are_422_and_change_nothing(world, body, field, code):
    before = fingerprint()
    assert_problem(world.api("admin").patch(world.org_url, body), 422, field=field, code=code)
    assert_unchanged(before, body)


def test_team_scope_custom_role_is_not_a_default(world):
    before = fingerprint()
    response = world.api("admin").patch(world.org_url, {"default_role": world.custom_role.id})
    assert_problem(response, 422, field="default_role")
    assert_unchanged(before)


def test_require_mfa_needs_the_actors_own_mfa(world):
    before = fingerprint()
    response = world.api("admin").patch(world.org_url, {"require_mfa": True})
    assert_problem(response, 409, field="require_mfa", code="enable_mfa_first")
    assert_unchanged(before)


def test_admin_with_mfa_turns_require_mfa_on_and_off(world):
    give_mfa(world["admin"].account)
    body = expect(world.api("admin").patch(world.org_url, {"require_mfa": True}), 200)
    assert body["settings"]["require_mfa"] is True
    entry = AuditLogEntry.objects.get(organization=world.org, action="org.update")
    assert (entry.before, entry.after) == ({"require_mfa": False}, {"require_mfa": True})
    body = expect(world.api("admin").patch(world.org_url, {"require_mfa": False}), 200)
    assert body["settings"]["require_mfa"] is False
    assert AuditLogEntry.objects.filter(organization=world.org, action="org.update").count() == 2


def test_unchanged_values_record_nothing(world):
    expect(world.api("admin").patch(world.org_url, {"name": "Acme", "require_mfa": False}), 200)
    assert not AuditLogEntry.objects.filter(action="org.update").exists()


def test_member_added_without_a_role_gets_the_default_role(world):
    expect(world.api("admin").patch(world.org_url, {"default_role": "manager"}), 200)
    outsider = world["outsider"]
    body = expect(
        world.api("admin").post(f"{world.org_url}/members", {"account_id": outsider.account_id}),
        201,
    )
    assert body["role"] == "manager"
    membership = OrgMembership.objects.get(organization=world.org, account=outsider.account)
    assert membership.role == "manager"


def test_without_a_default_set_new_members_are_members(world):
    outsider = world["outsider"]
    body = expect(
        world.api("admin").post(f"{world.org_url}/members", {"account_id": outsider.account_id}),
        201,
    )
    assert body["role"] == "member"


def test_the_default_role_cannot_be_deleted(world):
    from callstudio.access.policy import org_access
    from callstudio.access.services import role_create

    role = role_create(
        access=org_access(world["admin"].account, world.org.id),
        name="Reader",
        scope="org",
        permissions=["org.read"],
    )
    expect(world.api("admin").patch(world.org_url, {"default_role": role.id}), 200)
    before = fingerprint()
    response = world.api("admin").delete(f"{world.org_url}/roles/{role.id}")
    assert_problem(response, 409, code="default_role")
    assert_unchanged(before)
    expect(world.api("admin").patch(world.org_url, {"default_role": "member"}), 200)
    assert world.api("admin").delete(f"{world.org_url}/roles/{role.id}").status_code == 204


def test_nobody_makes_a_role_above_their_own_the_default(world):
    from callstudio.access.policy import org_access
    from callstudio.access.services import role_create

    keeper = role_create(
        access=org_access(world["admin"].account, world.org.id),
        name="Keeper",
        scope="org",
        permissions=["org.read", "org.manage"],
    )
    member_url = f"{world.org_url}/members/{world['member'].account_id}"
    expect(world.api("admin").patch(member_url, {"role": keeper.id}), 200)
    before = fingerprint()
    response = world.api("member").patch(world.org_url, {"default_role": "manager"})
    assert_problem(response, 403, field="default_role")
    assert_unchanged(before)
    expect(world.api("member").patch(world.org_url, {"name": "Acme 2"}), 200)
