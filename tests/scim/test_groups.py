"""SCIM Groups ↔ teams managed by the identity provider: creation with its own workflow ID,
members with the organization's SCIM team role, Okta's and Entra's member changes, renames,
DELETE archiving, and the refusals (another organization's ids, name clashes)."""

from callstudio.core.models import AuditLogEntry
from callstudio.orgs.models import Team, TeamMembership
from tests.helpers import assert_unchanged, fingerprint

from .conftest import GROUP, Scim, make_scim_token, scim_error, user_body


def _user(okta, email) -> str:
    response = okta.post("Users", user_body(email))
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _group(okta, name, *member_ids, **extra) -> dict:
    body = {"schemas": [GROUP], "displayName": name, "members": [{"value": i} for i in member_ids]}
    body.update(extra)
    response = okta.post("Groups", body)
    assert response.status_code == 201, response.content
    return response.json()


def _live(team_id) -> dict:
    return dict(
        TeamMembership.objects.filter(team_id=team_id, revoked_at__isnull=True).values_list(
            "account__account_id", "role"
        )
    )


def test_post_creates_a_managed_team_with_its_own_workflow_id(world, okta):
    world.org.scim_team_role = "supervisor"
    world.org.save(update_fields=["scim_team_role"])
    ada, bob = _user(okta, "ada@acme.test"), _user(okta, "bob@acme.test")
    group = _group(okta, "Support", ada, bob, externalId="00g-support")
    team = Team.objects.get(id=group["id"])
    assert team.organization_id == world.org.id and team.name == "Support"
    assert team.managed_by == "Okta" and team.managed_by_token_id == okta.token.id
    assert team.external_id == "00g-support" and team.workflow_id.startswith("wf_")
    assert team.workflow_id not in {world.team.workflow_id, world.other_team.workflow_id}
    assert _live(team.id) == {ada: "supervisor", bob: "supervisor"}
    assert group["displayName"] == "Support" and group["externalId"] == "00g-support"
    assert sorted(m["value"] for m in group["members"]) == sorted([ada, bob])
    assert all(
        m["type"] == "User" and m["$ref"].endswith(f"/Users/{m['value']}") for m in group["members"]
    )
    actions = set(
        AuditLogEntry.objects.filter(actor_token=okta.token, team=team).values_list(
            "action", flat=True
        )
    )
    assert actions == {"team.create", "scim.group.update", "team.member.add"}


def test_members_of_another_organization_are_400_and_nothing_is_created(world, okta):
    before = fingerprint()
    body = {
        "schemas": [GROUP],
        "displayName": "Leak",
        "members": [{"value": world["foreign_admin"].account_id}],
    }
    scim_error(okta.post("Groups", body), 400, "invalidValue")
    body["members"] = [{"value": world["outsider"].account_id}]
    scim_error(okta.post("Groups", body), 400, "invalidValue")
    assert_unchanged(before, "foreign member")


def test_a_name_already_used_by_a_team_is_409_uniqueness(world, okta):
    before = fingerprint()
    scim_error(
        okta.post("Groups", {"schemas": [GROUP], "displayName": "billing"}), 409, "uniqueness"
    )
    assert_unchanged(before, "name clash")


def test_hand_made_teams_and_other_organizations_groups_are_not_found(world, okta):
    scim_error(okta.get(f"Groups/{world.team.id}"), 404)
    globex_token, raw = make_scim_token(world.foreign_org, "Globex IdP")
    globex = Scim(world.foreign_org.id, raw)
    foreign = globex.post("Groups", {"schemas": [GROUP], "displayName": "Globex Support"}).json()
    before = fingerprint()
    scim_error(okta.get(f"Groups/{foreign['id']}"), 404)
    scim_error(
        okta.patch(
            f"Groups/{foreign['id']}", [{"op": "replace", "path": "displayName", "value": "x"}]
        ),
        404,
    )
    scim_error(okta.delete(f"Groups/{foreign['id']}"), 404)
    assert_unchanged(before, "foreign group")
    assert okta.get("Groups").json()["totalResults"] == 0


def test_patch_adds_removes_and_replaces_members(world, okta):
    ada, bob, cy = (_user(okta, f"{n}@acme.test") for n in ("ada", "bob", "cy"))
    group = _group(okta, "Support", ada)
    gid = group["id"]
    add = okta.patch(
        f"Groups/{gid}",
        [{"op": "Add", "path": "members", "value": [{"value": bob}, {"value": cy}]}],
    )
    assert add.status_code == 200 and set(_live(gid)) == {ada, bob, cy}
    # Entra: remove through a value filter.
    entra = okta.patch(f"Groups/{gid}", [{"op": "Remove", "path": f'members[value eq "{bob}"]'}])
    assert entra.status_code == 200 and set(_live(gid)) == {ada, cy}
    # Okta: replace the whole list.
    okta_replace = okta.patch(
        f"Groups/{gid}", [{"op": "replace", "path": "members", "value": [{"value": bob}]}]
    )
    assert okta_replace.status_code == 200 and set(_live(gid)) == {bob}
    assert [m["value"] for m in okta_replace.json()["members"]] == [bob]
    # History is kept: revoked rows stay.
    assert TeamMembership.objects.filter(team_id=gid, revoked_at__isnull=False).count() == 3
    revokes = AuditLogEntry.objects.filter(
        action="team.member.revoke", actor_token=okta.token, team_id=gid
    )
    assert revokes.count() == 3


def test_rename_follows_and_filters_find_the_group(world, okta):
    group = _group(okta, "Support", externalId="g1")
    response = okta.patch(
        f"Groups/{group['id']}",
        [{"op": "replace", "value": {"id": group["id"], "displayName": "Customer Care"}}],
    )
    assert response.status_code == 200 and response.json()["displayName"] == "Customer Care"
    assert Team.objects.get(id=group["id"]).name == "Customer Care"
    entry = AuditLogEntry.objects.get(action="team.update", actor_token=okta.token)
    assert entry.before == {"name": "Support"} and entry.after == {"name": "Customer Care"}
    found = okta.get("Groups", filter='displayName eq "customer care"').json()
    assert [g["id"] for g in found["Resources"]] == [group["id"]]
    assert okta.get("Groups", filter='externalId eq "g1"').json()["totalResults"] == 1
    assert okta.get("Groups", filter='displayName eq "Billing"').json()["totalResults"] == 0
    lean = okta.get("Groups", filter='externalId eq "g1"', excludedAttributes="members").json()
    assert "members" not in lean["Resources"][0]


def test_put_replaces_name_and_members(world, okta):
    ada, bob = _user(okta, "ada@acme.test"), _user(okta, "bob@acme.test")
    group = _group(okta, "Support", ada)
    response = okta.put(
        f"Groups/{group['id']}",
        {"schemas": [GROUP], "displayName": "Helpdesk", "members": [{"value": bob}]},
    )
    assert response.status_code == 200
    assert Team.objects.get(id=group["id"]).name == "Helpdesk" and set(_live(group["id"])) == {bob}


def test_delete_archives_the_team_and_keeps_its_data(world, okta):
    ada = _user(okta, "ada@acme.test")
    group = _group(okta, "Support", ada)
    response = okta.delete(f"Groups/{group['id']}")
    assert response.status_code == 204
    team = Team.objects.get(id=group["id"])
    assert team.archived_at is not None  # archived, not deleted
    assert set(_live(team.id)) == {ada}  # an archived team keeps its members and calls
    scim_error(okta.get(f"Groups/{group['id']}"), 404)
    assert AuditLogEntry.objects.filter(action="team.archive", actor_token=okta.token).count() == 1


def test_group_members_listing_is_a_fixed_number_of_queries(
    world, okta, django_assert_max_num_queries
):
    ids = [_user(okta, f"u{i}@acme.test") for i in range(6)]
    for n in range(3):
        _group(okta, f"G{n}", *ids)
    with django_assert_max_num_queries(4):
        listing = okta.get("Groups")
    assert [len(g["members"]) for g in listing.json()["Resources"]] == [6, 6, 6]


def test_adding_one_member_costs_the_same_queries_whatever_the_groups_size(world, okta):
    """Entra pushes one member at a time: the push reads the group once, not once per member."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    people = [_user(okta, f"p{i}@acme.test") for i in range(12)]
    small, big = _group(okta, "Small", *people[:1]), _group(okta, "Big", *people[:10])

    def add(group, member) -> int:
        op = {"op": "add", "path": "members", "value": [{"value": member}]}
        with CaptureQueriesContext(connection) as queries:
            assert okta.patch(f"Groups/{group['id']}", [op]).status_code == 200
        return len(queries)

    assert add(small, people[11]) == add(big, people[10])
    assert people[10] in _live(big["id"]) and people[11] in _live(small["id"])
