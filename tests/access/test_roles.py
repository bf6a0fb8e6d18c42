from callstudio.access.permissions import ALL, CATALOG, ORG_PERMISSIONS, TEAM_PERMISSIONS
from callstudio.access.roles import BUILTIN_ROLES

from .matrix import MATRIX, PATH


def test_every_catalog_permission_is_a_row_of_the_matrix_once():
    rows = [line.split(",")[0] for line in PATH.read_text().splitlines()[1:]]
    assert sorted(rows) == sorted(ALL)
    assert len(rows) == len(set(rows)) == len(CATALOG)


def test_builtin_roles_are_exactly_the_matrix():
    assert set(MATRIX) == set(BUILTIN_ROLES)
    for key, role in BUILTIN_ROLES.items():
        assert role.permissions == MATRIX[key], key


def test_seed_semantics_of_the_table():
    assert BUILTIN_ROLES["admin"].permissions == ALL
    assert BUILTIN_ROLES["manager"].permissions >= TEAM_PERMISSIONS
    assert BUILTIN_ROLES["manager"].permissions & ORG_PERMISSIONS == {
        "org.read",
        "org.members.read",
        "teams.create",
    }
    assert BUILTIN_ROLES["member"].permissions == {"org.read"}
    assert BUILTIN_ROLES["agent"].permissions == {
        "team.read",
        "calls.read.own",
        "analytics.read.own",
    }
    assert BUILTIN_ROLES["supervisor"].permissions <= TEAM_PERMISSIONS
    assert "team.manage" not in BUILTIN_ROLES["supervisor"].permissions
    assert {r.scope for r in BUILTIN_ROLES.values()} == {"org", "team"}


def test_permission_catalog_endpoint_lists_the_catalog(world):
    response = world.api("member").get("/api/v1/permissions")
    assert response.status_code == 200
    assert [p["name"] for p in response.json()] == [p.name for p in CATALOG]
    assert {p["scope"] for p in response.json()} == {"org", "team"}
    assert all(p["description"] for p in response.json())


def test_permission_catalog_needs_authentication(api):
    assert api.get("/api/v1/permissions").status_code == 401
