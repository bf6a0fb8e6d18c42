"""SCIM Users ↔ organization members: creation and linking, reads with filters and paging,
PUT/PATCH, and the seed's deprovisioning order (revoke from every team, then archive), with
exact statuses, the audit entries naming the SCIM token, and nothing changed on refusal."""

from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext

from callstudio.access.policy import org_access, team_access
from callstudio.accounts.models import Account
from callstudio.core.models import AuditLogEntry
from callstudio.directory import services
from callstudio.orgs.models import OrgMembership, TeamMembership
from callstudio.scim.models import ScimUser
from tests.conftest import make_account
from tests.helpers import assert_unchanged, fingerprint

from .conftest import SCIM_JSON, USER, scim_error, user_body


def _membership(world, account_id) -> OrgMembership:
    return OrgMembership.objects.get(organization=world.org, account__account_id=account_id)


def _provision(okta, email, **extra) -> dict:
    response = okta.post("Users", user_body(email, **extra))
    assert response.status_code == 201, response.content
    return response.json()


def test_post_creates_a_verified_passwordless_account_and_a_member(world, okta):
    response = okta.post("Users", user_body("ada.lovelace@acme.test", externalId="00u1ada"))
    assert response.status_code == 201
    assert response["Content-Type"] == SCIM_JSON
    body = response.json()
    assert response["Location"] == body["meta"]["location"]
    assert body["meta"]["location"].endswith(f"/scim/v2/{world.org.id}/Users/{body['id']}")
    assert body["schemas"] == [USER] and body["userName"] == "ada.lovelace@acme.test"
    assert body["active"] is True and body["externalId"] == "00u1ada"
    assert body["name"] == {"givenName": "Ada", "familyName": "Lovelace"}
    account = Account.objects.get(account_id=body["id"])
    assert account.email == "ada.lovelace@acme.test" and not account.has_usable_password()
    address = EmailAddress.objects.get(user=account)
    assert address.verified and address.primary
    membership = _membership(world, body["id"])
    assert membership.status == "active" and membership.role == world.org.default_role
    assert membership.external_id == "00u1ada"
    entries = AuditLogEntry.objects.filter(organization=world.org, actor_token=okta.token)
    assert list(entries.order_by("id").values_list("action", "target_id", "actor_id")) == [
        ("scim.account.create", body["id"], None),
        ("member.add", body["id"], None),
    ]
    assert {e.actor_label for e in entries} == {"SCIM token “Okta”"}


def test_post_links_the_account_that_verified_the_address(world, okta):
    outsider = world["outsider"].account
    before = Account.objects.count()
    body = _provision(okta, "OUTSIDER@elsewhere.test")
    assert body["id"] == outsider.account_id
    assert Account.objects.count() == before
    assert _membership(world, outsider.account_id).status == "active"
    assert outsider.has_usable_password()  # their own password is untouched


def test_post_refuses_an_account_that_has_not_verified_the_address(world, okta):
    make_account("squatter@acme.test", verified=False)
    before = fingerprint()
    scim_error(okta.post("Users", user_body("squatter@acme.test")), 409, "uniqueness")
    assert_unchanged(before, "unverified address")


def test_duplicate_user_name_is_409_uniqueness_and_changes_nothing(world, okta):
    _provision(okta, "grace@acme.test")
    before = fingerprint()
    scim_error(okta.post("Users", user_body("GRACE@acme.test")), 409, "uniqueness")
    # A member added by hand has their email as userName.
    scim_error(okta.post("Users", user_body("member@acme.test")), 409, "uniqueness")
    assert_unchanged(before, "duplicate userName")


def test_get_by_id_and_another_organizations_member_is_404(world, okta):
    member = world["member"]
    response = okta.get(f"Users/{member.account_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["userName"] == "member@acme.test" and body["active"] is True
    assert body["emails"] == [{"value": "member@acme.test", "primary": True}]
    scim_error(okta.get(f"Users/{world['foreign_admin'].account_id}"), 404)
    scim_error(okta.get(f"Users/{world['outsider'].account_id}"), 404)
    scim_error(okta.get("Users/acc_doesnotexist"), 404)


def test_filters_eq_and_or_on_the_supported_attributes(world, okta):
    ada = _provision(okta, "ada@acme.test", externalId="e-ada", displayName="Ada L")
    bob = _provision(okta, "bob@acme.test", externalId="e-bob")

    def ids(expression):
        response = okta.get("Users", filter=expression)
        assert response.status_code == 200, response.content
        return sorted(r["id"] for r in response.json()["Resources"])

    assert ids('userName eq "ADA@acme.test"') == [ada["id"]]
    assert ids('externalId eq "e-bob"') == [bob["id"]]
    assert ids('emails.value eq "bob@acme.test"') == [bob["id"]]
    assert ids('emails[value eq "ada@acme.test"]') == [ada["id"]]
    assert ids('displayName eq "ada l"') == [ada["id"]]
    assert ids('userName eq "ada@acme.test" or externalId eq "e-bob"') == sorted(
        [ada["id"], bob["id"]]
    )
    assert ids('userName eq "ada@acme.test" and externalId eq "e-bob"') == []
    assert ids('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bob@acme.test"') == [
        bob["id"]
    ]
    assert ids('userName eq "member@acme.test"') == [world["member"].account_id]
    # Another organization's member is never found.
    assert ids('userName eq "admin@globex.test"') == []


def test_paging_is_one_based_with_an_exact_total_and_a_capped_count(world, okta):
    total = OrgMembership.objects.filter(organization=world.org).count()
    page = okta.get("Users", startIndex=2, count=3).json()
    assert page["totalResults"] == total and page["startIndex"] == 2
    assert page["itemsPerPage"] == 3 and len(page["Resources"]) == 3
    everyone = okta.get("Users", count=1000).json()
    assert len(everyone["Resources"]) == total  # fewer than the cap of 200
    assert [r["id"] for r in everyone["Resources"]][1:4] == [r["id"] for r in page["Resources"]]
    assert okta.get("Users", count=0).json()["Resources"] == []
    assert okta.get("Users", startIndex=0, count=1).json()["startIndex"] == 1


def test_attributes_and_excluded_attributes(world, okta):
    ada = _provision(okta, "ada@acme.test")
    only = okta.get(f"Users/{ada['id']}", attributes="userName,name.givenName").json()
    assert only == {
        "schemas": [USER],
        "id": ada["id"],
        "userName": "ada@acme.test",
        "name": {"givenName": "Ada"},
    }
    without = okta.get(
        "Users", filter='userName eq "ada@acme.test"', excludedAttributes="emails,meta"
    )
    resource = without.json()["Resources"][0]
    assert "emails" not in resource and "meta" not in resource and resource["id"] == ada["id"]


def test_put_replaces_the_attributes(world, okta):
    ada = _provision(okta, "ada@acme.test", externalId="x1", displayName="Ada")
    response = okta.put(
        f"Users/{ada['id']}",
        {
            "schemas": [USER],
            "userName": "ada@acme.test",
            "active": True,
            "emails": [{"value": "ada@acme.test", "primary": True}],
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert "name" not in body and "displayName" not in body and "externalId" not in body
    assert _membership(world, ada["id"]).external_id == ""
    entry = AuditLogEntry.objects.filter(action="scim.user.update", actor_token=okta.token).get()
    assert entry.before["externalId"] == "x1" and entry.after["externalId"] is None


def _in_teams(world, account_id, *teams):
    access = org_access(world["admin"].account, world.org.id)
    for team in teams:
        services.team_member_add(
            access=team_access(access, team.id), account_id=account_id, role="agent"
        )


def test_deactivation_revokes_every_team_then_archives_audited_as_the_token(world, okta):
    ada = _provision(okta, "ada@acme.test")
    _in_teams(world, ada["id"], world.team, world.other_team)
    response = okta.patch(f"Users/{ada['id']}", [{"op": "replace", "value": {"active": False}}])
    assert response.status_code == 200 and response.json()["active"] is False
    membership = _membership(world, ada["id"])
    assert membership.status == "archived" and membership.archived_at is not None
    assert not TeamMembership.objects.filter(
        account=membership.account, revoked_at__isnull=True
    ).exists()
    assert TeamMembership.objects.filter(account=membership.account).count() == 2  # history
    actions = list(
        AuditLogEntry.objects.filter(actor_token=okta.token, target_id=ada["id"])
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-3:] == ["team.member.revoke", "team.member.revoke", "member.revoke"]
    # Archived, not deleted: the account and the membership are there, GET still answers.
    assert okta.get(f"Users/{ada['id']}").json()["active"] is False


def test_deactivating_the_last_admin_is_refused_nothing_changes_and_it_is_audited(world, okta):
    admin = world["admin"]
    _in_teams(world, admin.account_id, world.team)
    before = fingerprint()
    refused = okta.patch(
        f"Users/{admin.account_id}", [{"op": "replace", "path": "active", "value": False}]
    )
    body = scim_error(refused, 409, "mutability")
    assert "last active Admin" in body["detail"]
    scim_error(okta.delete(f"Users/{admin.account_id}"), 409, "mutability")
    entries = AuditLogEntry.objects.filter(action="scim.user.deactivate_refused")
    assert entries.count() == 2
    assert {(e.actor_token_id, e.target_id) for e in entries} == {(okta.token.id, admin.account_id)}
    entries.delete()  # the refusals are the only rows written
    assert_unchanged(before, "last admin")
    # The admin keeps access.
    assert org_access(admin.account, world.org.id).has("org.manage")


def test_reactivation_restores_the_previous_role_and_the_groups_teams(world, okta):
    ada = _provision(okta, "ada@acme.test")
    access = org_access(world["admin"].account, world.org.id)
    services.org_member_change_role(access=access, account_id=ada["id"], role="manager")
    group = okta.post(
        "Groups",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Support",
            "members": [{"value": ada["id"]}],
        },
    ).json()
    okta.patch(f"Users/{ada['id']}", [{"op": "replace", "path": "active", "value": False}])
    membership = _membership(world, ada["id"])
    assert membership.status == "archived"
    assert not TeamMembership.objects.filter(team_id=group["id"], revoked_at__isnull=True).exists()
    # The group still lists the deactivated member.
    assert okta.get(f"Groups/{group['id']}").json()["members"][0]["value"] == ada["id"]
    response = okta.patch(
        f"Users/{ada['id']}", [{"op": "replace", "path": "active", "value": True}]
    )
    assert response.status_code == 200 and response.json()["active"] is True
    membership.refresh_from_db()
    assert membership.status == "active" and membership.role == "manager"
    live = TeamMembership.objects.get(
        team_id=group["id"], account=membership.account, revoked_at__isnull=True
    )
    assert live.role == world.org.scim_team_role
    assert AuditLogEntry.objects.filter(
        action="member.restore", actor_token=okta.token, target_id=ada["id"]
    ).exists()


def test_delete_archives_hides_and_a_new_post_brings_the_same_member_back(world, okta):
    ada = _provision(okta, "ada@acme.test")
    _in_teams(world, ada["id"], world.team)
    response = okta.delete(f"Users/{ada['id']}")
    assert response.status_code == 204 and response.content == b""
    membership = _membership(world, ada["id"])
    assert membership.status == "archived"  # never deleted
    assert Account.objects.filter(account_id=ada["id"]).exists()
    assert not TeamMembership.objects.filter(
        account=membership.account, revoked_at__isnull=True
    ).exists()
    scim_error(okta.get(f"Users/{ada['id']}"), 404)
    assert okta.get("Users", filter='userName eq "ada@acme.test"').json()["totalResults"] == 0
    assert (
        AuditLogEntry.objects.filter(action="scim.user.delete", actor_token=okta.token).count() == 1
    )
    again = _provision(okta, "ada@acme.test")
    assert again["id"] == ada["id"] and again["active"] is True
    membership.refresh_from_db()
    assert membership.status == "active"


def test_user_name_lookup_costs_the_same_queries_whatever_the_org_size(world, okta):
    _provision(okta, "needle@acme.test")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = okta.get("Users", filter='userName eq "needle@acme.test"')
        assert response.json()["totalResults"] == 1
        return len(captured)

    small = queries()
    for i in range(25):
        _provision(okta, f"hay{i}@acme.test")
    assert queries() == small
    assert small <= 4  # the token, the userName lookup, the count, the page
    assert ScimUser.objects.filter(organization=world.org).count() == 26


def test_the_audit_log_names_the_scim_token(world, okta):
    ada = _provision(okta, "ada@acme.test")
    okta.patch(f"Users/{ada['id']}", [{"op": "replace", "path": "active", "value": False}])
    admin = world.api("admin")
    items = admin.get(f"{world.org_url}/audit-log", action="member.revoke").json()["items"]
    # The API's actor is {account_id, email}: no account, and the label the entry keeps.
    assert [e["actor"] for e in items] == [{"account_id": None, "email": "SCIM token “Okta”"}]
    page = admin.client
    page.force_login(world["admin"].account)
    html = page.get(f"/o/{world.org.id}/audit-log").content.decode()
    assert "SCIM token “Okta”" in html


def test_a_hand_added_members_first_scim_change_audits_only_what_changed(world, okta):
    member = world["member"]
    response = okta.patch(
        f"Users/{member.account_id}", [{"op": "add", "path": "externalId", "value": "00u-member"}]
    )
    assert response.status_code == 200 and response.json()["userName"] == "member@acme.test"
    entry = AuditLogEntry.objects.get(action="scim.user.update", target_id=member.account_id)
    assert entry.before == {"externalId": None} and entry.after == {"externalId": "00u-member"}
    assert entry.actor_token_id == okta.token.id and entry.actor_id is None


def test_a_deleted_user_name_can_be_given_to_someone_else(world, okta):
    # Entra-style logins that are not addresses: the account comes from the primary email.
    def body(email):
        return user_body("desk-login", emails=[{"value": email, "primary": True}])

    first = okta.post("Users", body("first@acme.test")).json()
    assert okta.delete(f"Users/{first['id']}").status_code == 204
    second = okta.post("Users", body("second@acme.test"))
    assert second.status_code == 201, second.content
    assert second.json()["id"] != first["id"]
    found = okta.get("Users", filter='userName eq "DESK-LOGIN"').json()["Resources"]
    assert [u["id"] for u in found] == [second.json()["id"]]
    assert _membership(world, first["id"]).status == "archived"
    # The same login for a third person while the second holds it: 409.
    scim_error(okta.post("Users", body("third@acme.test")), 409, "uniqueness")
