import pytest

from callstudio.core.models import AuditLogEntry
from callstudio.orgs.models import Organization, OrgMembership, Team
from tests.helpers import assert_problem, expect, fingerprint


def test_creating_an_org_makes_the_caller_its_admin(world):
    response = world.api("outsider").post("/api/v1/orgs", {"name": "Initech"})
    assert response.status_code == 201
    org_id = response.json()["id"]
    assert response.json() == {"id": org_id, "name": "Initech"}
    assert OrgMembership.objects.get(organization_id=org_id).role == "admin"
    detail = world.api("outsider").get(f"/api/v1/orgs/{org_id}").json()
    assert detail["role"] == "admin" and "org.members.add" in detail["permissions"]
    assert AuditLogEntry.objects.filter(organization_id=org_id, action="org.create").count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "  "},
        {"name": "a" * 101},
        {"name": None},
        {},
        {"name": "x", "id": "org_mine"},
    ],
)
def test_invalid_org_creates_nothing(world, body):
    before = fingerprint()
    assert_problem(world.api("outsider").post("/api/v1/orgs", body), 422)
    assert fingerprint() == before


def test_org_list_and_detail_show_only_the_callers_orgs(world):
    body = world.api("manager").get("/api/v1/orgs").json()
    assert body == {
        "items": [{"id": world.org.id, "name": "Acme", "role": "manager"}],
        "next_cursor": None,
    }
    detail = world.api("member").get(world.org_url).json()
    assert detail == {
        "id": world.org.id,
        "name": "Acme",
        "role": "member",
        "permissions": ["org.read"],
        "settings": {"require_mfa": False, "default_role": "member", "scim_team_role": "agent"},
    }


@pytest.mark.parametrize("who", ["outsider", "foreign_admin"])
def test_another_orgs_routes_are_not_found(world, who):
    before = fingerprint()
    client = world.api(who)
    for method, path, body in [
        ("GET", world.org_url, None),
        ("GET", f"{world.org_url}/members", None),
        ("POST", f"{world.org_url}/members", {"account_id": world[who].account_id}),
        ("GET", f"{world.org_url}/teams", None),
        ("POST", f"{world.org_url}/teams", {"name": "Mine"}),
        ("GET", world.team_url, None),
        ("PATCH", world.team_url, {"name": "Mine"}),
        ("POST", f"{world.team_url}/rotate-workflow-id", None),
        ("GET", f"{world.team_url}/members", None),
        ("DELETE", f"{world.team_url}/members/{world['agent'].account_id}", None),
        ("GET", f"{world.org_url}/roles", None),
        ("DELETE", f"{world.org_url}/roles/{world.custom_role.id}", None),
        ("GET", f"{world.org_url}/audit-log", None),
        ("DELETE", f"{world.org_url}/members/{world['member'].account_id}", None),
    ]:
        assert_problem(client.request(method, path, body), 404)
    assert fingerprint() == before


def test_a_team_of_another_org_is_not_found_inside_my_org(world):
    url = f"{world.org_url}/teams/{world.foreign_team.id}"
    assert_problem(world.api("admin").get(url), 404)
    assert_problem(world.api("admin").patch(url, {"name": "Stolen"}), 404)
    assert_problem(world.api("admin").get(f"{url}/members"), 404)
    assert Team.objects.get(id=world.foreign_team.id).name == "Globex Billing"


def test_anonymous_gets_401_everywhere(world, api):
    for path in ["/api/v1/orgs", world.org_url, f"{world.org_url}/members", world.team_url]:
        assert_problem(api.get(path), 401)


def test_create_team_returns_it_with_a_unique_workflow_id(world):
    response = world.api("manager").post(
        f"{world.org_url}/teams", {"name": "Escalations", "description": "Hard ones"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Escalations" and body["description"] == "Hard ones"
    assert body["workflow_id"].startswith("wf_")
    team = Team.objects.get(id=body["id"])
    assert team.organization_id == world.org.id and team.workflow_id == body["workflow_id"]
    assert Team.objects.filter(workflow_id=body["workflow_id"]).count() == 1
    entry = AuditLogEntry.objects.get(action="team.create", target_id=team.id)
    assert entry.actor == world["manager"].account and entry.after["name"] == "Escalations"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"name": ""}, 422, "name"),
        ({"name": "   "}, 422, "name"),
        ({"name": "a" * 101}, 422, "name"),
        ({"name": "Bad\x00Name"}, 422, "name"),
        ({"name": "Two\nlines"}, 422, "name"),
        ({"name": 12}, 422, "name"),
        ({"name": ["x"]}, 422, "name"),
        ({"name": "ok", "description": "d" * 2001}, 422, "description"),
        ({"name": "billing"}, 409, "name"),
        ({"name": " BILLING "}, 409, "name"),
        ({"name": "New", "workflow_id": "wf_mine"}, 422, "workflow_id"),
        ({"name": "New", "organization": "org_x"}, 422, "organization"),
        ({"name": "New", "id": "team_x"}, 422, "id"),
    ],
)
def test_invalid_team_input_creates_nothing(world, body, status, field):
    before = fingerprint()
    assert_problem(world.api("admin").post(f"{world.org_url}/teams", body), status, field=field)
    assert fingerprint() == before


def test_a_100_character_name_is_accepted(world):
    assert world.api("admin").post(f"{world.org_url}/teams", {"name": "n" * 100}).status_code == 201


def test_same_team_name_in_another_org_is_fine(world):
    response = world.api("foreign_admin").post(
        f"/api/v1/orgs/{world.foreign_org.id}/teams", {"name": "Billing"}
    )
    assert response.status_code == 201


def test_malformed_json_is_a_400_problem(world):
    before = fingerprint()
    assert_problem(world.api("admin").post(f"{world.org_url}/teams", raw=b'{"name": '), 400)
    assert fingerprint() == before


def test_rename_and_describe_a_team(world):
    response = world.api("admin").patch(
        world.team_url, {"name": "Billing EU", "description": "Europe"}
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Billing EU" and response.json()["description"] == "Europe"
    entry = AuditLogEntry.objects.get(action="team.update")
    assert entry.before == {"name": "Billing", "description": "Invoices"}
    assert entry.after == {"name": "Billing EU", "description": "Europe"}


def test_renaming_onto_another_teams_name_is_a_conflict(world):
    before = fingerprint()
    assert_problem(
        world.api("admin").patch(world.team_url, {"name": "retention"}), 409, field="name"
    )
    assert fingerprint() == before


def test_renaming_to_its_own_name_in_other_case_is_allowed(world):
    assert (
        expect(world.api("admin").patch(world.team_url, {"name": "BILLING"}), 200)["name"]
        == "BILLING"
    )


def test_rotating_the_workflow_id_retires_the_old_one_and_is_audited(world):
    old = world.team.workflow_id
    new = expect(world.api("admin").post(f"{world.team_url}/rotate-workflow-id"), 200)[
        "workflow_id"
    ]
    assert new != old and not Team.objects.filter(workflow_id=old).exists()
    entry = AuditLogEntry.objects.get(action="team.workflow_id.rotate")
    assert entry.before == {"workflow_id": old} and entry.after == {"workflow_id": new}


def test_team_list_shows_what_the_caller_may_read(world):
    def names(who):
        return [t["name"] for t in world.api(who).get(f"{world.org_url}/teams").json()["items"]]  # noqa: E731

    assert names("admin") == ["Billing", "Retention"]
    assert names("manager") == ["Billing", "Retention"]
    assert names("supervisor") == ["Billing"]
    assert names("agent") == ["Billing"]
    assert names("qa") == ["Billing"]
    assert names("member") == []


def test_team_list_paginates_by_name_with_a_cursor(world):
    admin = world.api("admin")
    for name in ["alpha", "Bravo", "charlie", "Delta"]:
        expect(admin.post(f"{world.org_url}/teams", {"name": name}), 201)
    seen, cursor = [], None
    while True:
        page = admin.get(
            f"{world.org_url}/teams", limit=2, **({"cursor": cursor} if cursor else {})
        ).json()
        seen += [t["name"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["alpha", "Billing", "Bravo", "charlie", "Delta", "Retention"]


@pytest.mark.parametrize(
    "query",
    [{"cursor": "garbage!"}, {"cursor": "WzFd"}, {"limit": 0}, {"limit": 201}, {"limit": "x"}],
)
def test_bad_pagination_parameters_are_422(world, query):
    assert_problem(world.api("admin").get(f"{world.org_url}/teams", **query), 422)


def test_organization_row_is_untouched_by_team_changes(world):
    expect(world.api("admin").patch(world.team_url, {"name": "Other"}), 200)
    assert Organization.objects.get(id=world.org.id).name == "Acme"
