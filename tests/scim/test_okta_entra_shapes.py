"""The requests Okta and Microsoft Entra ID send, replayed as their SCIM documentation shows
them (Okta: "SCIM 2.0 protocol reference"; Entra: "Tutorial: Develop and plan provisioning for
a SCIM endpoint", "Known issues and resolutions with SCIM 2.0 protocol compliance"), each with
the effect it must have on members and teams."""

from callstudio.core.models import AuditLogEntry
from callstudio.orgs.models import OrgMembership, Team, TeamMembership

from .conftest import GROUP, USER, Scim, make_scim_token

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def _status(world, account_id) -> str:
    return OrgMembership.objects.get(organization=world.org, account__account_id=account_id).status


def _live(team_id) -> set[str]:
    return set(
        TeamMembership.objects.filter(team_id=team_id, revoked_at__isnull=True).values_list(
            "account__account_id", flat=True
        )
    )


def test_okta_user_lifecycle(world, okta):
    # Okta first looks the user up, then creates it with the attributes of its default profile.
    lookup = okta.get("Users", filter='userName eq "test.user@okta.local"', startIndex=1, count=100)
    assert lookup.status_code == 200 and lookup.json()["totalResults"] == 0
    created = okta.post(
        "Users",
        {
            "schemas": [USER],
            "userName": "test.user@okta.local",
            "name": {"givenName": "Test", "familyName": "User"},
            "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work"}],
            "displayName": "Test User",
            "locale": "en-US",
            "externalId": "00ujl29u0le5T6Aj10h7",
            "groups": [],
            "password": "1mz050nq",
            "active": True,
        },
    )
    assert created.status_code == 201
    user = created.json()
    uid = user["id"]
    assert user["displayName"] == "Test User" and "password" not in user
    # Profile push: PUT of the whole user, id and meta included.
    put = okta.put(f"Users/{uid}", {**user, "name": {"givenName": "Another", "familyName": "User"}})
    assert put.status_code == 200 and put.json()["name"]["givenName"] == "Another"
    # Deactivation: a path-less replace.
    off = okta.patch(f"Users/{uid}", [{"op": "replace", "value": {"active": False}}])
    assert off.status_code == 200 and off.json()["active"] is False
    assert _status(world, uid) == "archived"
    on = okta.patch(f"Users/{uid}", [{"op": "replace", "value": {"active": True}}])
    assert on.status_code == 200 and _status(world, uid) == "active"


def test_okta_group_push(world, okta):
    uid = okta.post(
        "Users",
        {
            "schemas": [USER],
            "userName": "test.user@okta.local",
            "active": True,
            "emails": [{"primary": True, "value": "test.user@okta.local"}],
        },
    ).json()["id"]
    lookup = okta.get("Groups", filter='displayName eq "Test SCIMv2"', startIndex=1, count=100)
    assert lookup.json()["totalResults"] == 0
    group = okta.post("Groups", {"schemas": [GROUP], "displayName": "Test SCIMv2", "members": []})
    assert group.status_code == 201
    gid = group.json()["id"]
    add = okta.patch(
        f"Groups/{gid}",
        [
            {
                "op": "add",
                "path": "members",
                "value": [{"value": uid, "display": "test.user@okta.local"}],
            }
        ],
    )
    assert add.status_code == 200 and _live(gid) == {uid}
    rename = okta.patch(
        f"Groups/{gid}", [{"op": "replace", "value": {"id": gid, "displayName": "Renamed"}}]
    )
    assert rename.status_code == 200 and Team.objects.get(id=gid).name == "Renamed"
    remove = okta.patch(f"Groups/{gid}", [{"op": "remove", "path": f'members[value eq "{uid}"]'}])
    assert remove.status_code == 200 and _live(gid) == set()
    assert okta.delete(f"Groups/{gid}").status_code == 204
    assert Team.objects.get(id=gid).archived_at is not None


def test_entra_user_lifecycle(world):
    token, raw = make_scim_token(world.org, "Microsoft Entra ID")
    entra = Scim(world.org.id, raw)
    # Entra's validator sends a userName that is not an address, with a work email.
    user_name = "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"
    lookup = entra.get("Users", filter=f'userName eq "{user_name}"')
    assert lookup.json()["totalResults"] == 0
    created = entra.post(
        "Users",
        {
            "schemas": [USER, ENTERPRISE],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": user_name,
            "active": True,
            "emails": [
                {"primary": True, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}
            ],
            "meta": {"resourceType": "User"},
            "name": {
                "formatted": "givenName familyName",
                "familyName": "familyName",
                "givenName": "givenName",
            },
            "roles": [],
            ENTERPRISE: {"employeeNumber": "1"},
        },
    )
    assert created.status_code == 201, created.content
    uid = created.json()["id"]
    membership = OrgMembership.objects.get(organization=world.org, account__account_id=uid)
    assert membership.account.email == "test_user_fd0ea19b@testuser.com"
    assert (
        entra.get("Users", filter=f'userName eq "{user_name.upper()}"').json()["totalResults"] == 1
    )
    update = entra.patch(
        f"Users/{uid}",
        [
            {"op": "Replace", "path": "displayName", "value": "Updated Name"},
            {
                "op": "Replace",
                "path": 'emails[type eq "work"].value',
                "value": "updatedEmail@microsoft.com",
            },
            {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
            {"op": "Add", "path": "externalId", "value": "new-external"},
        ],
    )
    assert update.status_code == 200, update.content
    body = update.json()
    assert (
        body["displayName"] == "Updated Name" and body["name"]["familyName"] == "updatedFamilyName"
    )
    assert body["emails"] == [
        {"primary": True, "type": "work", "value": "updatedEmail@microsoft.com"}
    ]
    assert body["externalId"] == "new-external"
    # A user without a work address gets one from Entra's filtered path.
    entra.patch(
        f"Users/{uid}",
        [{"op": "Add", "path": 'emails[type eq "home"].value', "value": "me@home.test"}],
    )
    assert len(entra.get(f"Users/{uid}").json()["emails"]) == 2
    # Disable: the string "False", capitalised op, and the capitalised path-less key.
    off = entra.patch(f"Users/{uid}", [{"op": "Replace", "path": "active", "value": "False"}])
    assert off.status_code == 200 and _status(world, uid) == "archived"
    on = entra.patch(f"Users/{uid}", [{"op": "Replace", "value": {"Active": "True"}}])
    assert on.status_code == 200 and _status(world, uid) == "active"
    off_again = entra.patch(f"Users/{uid}", [{"op": "replace", "value": {"Active": "False"}}])
    assert off_again.status_code == 200 and _status(world, uid) == "archived"
    assert entra.delete(f"Users/{uid}").status_code == 204
    labels = set(
        AuditLogEntry.objects.filter(actor_token=token).values_list("actor_label", flat=True)
    )
    assert labels == {"SCIM token “Microsoft Entra ID”"}


def test_entra_group_provisioning(world):
    _, raw = make_scim_token(world.org, "Microsoft Entra ID")
    entra = Scim(world.org.id, raw)
    ids = [
        entra.post(
            "Users",
            {
                "schemas": [USER],
                "userName": f"user{i}@contoso.test",
                "active": True,
                "emails": [{"primary": True, "type": "work", "value": f"user{i}@contoso.test"}],
            },
        ).json()["id"]
        for i in range(3)
    ]
    group = entra.post(
        "Groups",
        {
            "schemas": [GROUP],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "displayName",
            "meta": {"resourceType": "Group"},
        },
    )
    assert group.status_code == 201
    gid = group.json()["id"]
    found = entra.get("Groups", excludedAttributes="members", filter='displayName eq "displayName"')
    assert [g["id"] for g in found.json()["Resources"]] == [gid]
    assert "members" not in found.json()["Resources"][0]
    add = entra.patch(
        f"Groups/{gid}",
        [{"op": "Add", "path": "members", "value": [{"$ref": None, "value": i} for i in ids]}],
    )
    assert add.status_code == 200 and _live(gid) == set(ids)
    remove = entra.patch(
        f"Groups/{gid}",
        [{"op": "Remove", "path": "members", "value": [{"$ref": None, "value": ids[0]}]}],
    )
    assert remove.status_code == 200 and _live(gid) == set(ids[1:])
    remove_filtered = entra.patch(
        f"Groups/{gid}", [{"op": "Remove", "path": f'members[value eq "{ids[1]}"]'}]
    )
    assert remove_filtered.status_code == 200 and _live(gid) == {ids[2]}
    rename = entra.patch(
        f"Groups/{gid}", [{"op": "Replace", "path": "displayName", "value": "updatedDisplayName"}]
    )
    assert rename.status_code == 200 and Team.objects.get(id=gid).name == "updatedDisplayName"
    one = entra.get(f"Groups/{gid}", excludedAttributes="members").json()
    assert one["displayName"] == "updatedDisplayName" and "members" not in one
    assert entra.delete(f"Groups/{gid}").status_code == 204
