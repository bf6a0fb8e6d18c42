"""Every permission that has an endpoint, asked by every role of the matrix: allowed exactly when
the matrix says the role (org role plus team role in Billing) holds it; a denial is a 403 that
changes nothing."""

import pytest

from callstudio.access.permissions import TEAM_PERMISSIONS
from callstudio.access.policy import org_access
from callstudio.directory.services import org_member_add, org_member_revoke
from tests.helpers import assert_problem, fingerprint

from .matrix import MATRIX

# The world's people: (org role, team role in Billing).
PEOPLE = {
    "admin": ("admin", None),
    "manager": ("manager", None),
    "member": ("member", None),
    "supervisor": ("member", "supervisor"),
    "agent": ("member", "agent"),
    "qa": ("member", "qa"),
}
QA = frozenset({"team.read", "team.members.read", "calls.read.all"})


def held(who: str) -> frozenset[str]:
    org_role, team_role = PEOPLE[who]
    team = QA if team_role == "qa" else MATRIX.get(team_role, frozenset())
    return MATRIX[org_role] | team


def _archive_outsider(w):
    access = org_access(w["admin"].account, w.org.id)
    org_member_add(access=access, account_id=w["outsider"].account_id)
    org_member_revoke(access=access, account_id=w["outsider"].account_id)


# permission -> (setup, method, path, body, success status)
PROBES = {
    "org.read": (None, "GET", "{org}/roles", None, 200),
    "org.members.read": (None, "GET", "{org}/members", None, 200),
    "org.members.add": (None, "POST", "{org}/members", {"account_id": "{outsider}"}, 201),
    "org.members.revoke": (None, "DELETE", "{org}/members/{member}", None, 200),
    "org.members.restore": (
        _archive_outsider,
        "POST",
        "{org}/members/{outsider}/restore",
        None,
        200,
    ),
    "org.members.roles": (None, "PATCH", "{org}/members/{member}", {"role": "member"}, 200),
    "org.roles.manage": (
        None,
        "POST",
        "{org}/roles",
        {"name": "Listener", "scope": "team", "permissions": ["team.read"]},
        201,
    ),
    "org.audit.read": (None, "GET", "{org}/audit-log", None, 200),
    "teams.create": (None, "POST", "{org}/teams", {"name": "Escalations"}, 201),
    "team.read": (None, "GET", "{team}", None, 200),
    "team.manage": (None, "PATCH", "{team}", {"description": "Changed"}, 200),
    "team.members.read": (None, "GET", "{team}/members", None, 200),
    "team.members.manage": (
        None,
        "POST",
        "{team}/members",
        {"account_id": "{member}", "role": "agent"},
        201,
    ),
}
CASES = [(who, perm) for who in PEOPLE for perm in PROBES]


def _fill(value, w):
    if isinstance(value, dict):
        return {k: _fill(v, w) for k, v in value.items()}
    if isinstance(value, str):
        return value.format(
            org=w.org_url,
            team=w.team_url,
            member=w["member"].account_id,
            outsider=w["outsider"].account_id,
        )
    return value


@pytest.mark.parametrize(("who", "permission"), CASES)
def test_role_matrix_over_the_api(world, who, permission):
    setup, method, path, body, success = PROBES[permission]
    if setup:
        setup(world)
    before = fingerprint()
    response = world.api(who).request(method, _fill(path, world), _fill(body, world))
    if permission in held(who):
        assert response.status_code == success, response.content
    else:
        assert_problem(response, 403)
        assert fingerprint() == before


@pytest.mark.parametrize("who", list(PEOPLE))
def test_workflow_id_is_shown_exactly_to_holders_of_team_settings(world, who):
    response = world.api(who).get(world.team_url)
    if "team.read" not in held(who):
        assert_problem(response, 403)
        return
    body = response.json()
    expected = world.team.workflow_id if "team.settings" in held(who) else None
    assert body["workflow_id"] == expected
    assert set(body["permissions"]) == held(who) & TEAM_PERMISSIONS


@pytest.mark.parametrize("who", list(PEOPLE))
def test_rotate_workflow_id_needs_team_manage(world, who):
    before = fingerprint()
    response = world.api(who).post(f"{world.team_url}/rotate-workflow-id")
    if "team.manage" in held(who):
        assert response.status_code == 200
        assert response.json()["workflow_id"] != world.team.workflow_id
        world.team.refresh_from_db()
        assert response.json()["workflow_id"] == world.team.workflow_id
    else:
        assert_problem(response, 403)
        assert fingerprint() == before
