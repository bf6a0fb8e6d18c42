"""Teams managed by an identity provider (PRODUCT §8.2): their members, name and existence follow
the IdP's group, so changing them by hand is refused with 409 `managed_by_idp` naming the IdP,
in the API and on the pages, and nothing changes. Agent IDs, the description and the workflow
ID stay editable by hand. The SCIM server passes `as_idp` (its token) and goes through."""

import hashlib
import re

import pytest
from django.test import Client

from callstudio.access.policy import org_access, team_access
from callstudio.core.errors import Conflict, NotFound
from callstudio.directory import services
from callstudio.orgs.models import Invitation, OrgMembership, Team, TeamMembership
from callstudio.scim.models import ScimToken
from tests.conftest import Api, person
from tests.helpers import assert_problem, assert_unchanged, expect, fingerprint

MEMBERS = "This team is managed by Okta: change its members in the identity provider."
RENAME = "This team is managed by Okta: rename its group in the identity provider."
ARCHIVE = "This team is managed by Okta: it is archived when its group is deleted in the identity provider."
UNARCHIVE = (
    "This team is managed by Okta: it follows its group in the identity provider, which deleted it."
)
INVITE = "This team is managed by Okta: invite people to it through the identity provider's group."


def scim_token(organization, name="Okta") -> ScimToken:
    """A SCIM token row as the Provisioning page makes it (only the digest is stored)."""
    raw = f"cs_scim_test-{organization.id}-{name}"
    return ScimToken.objects.create(
        organization=organization,
        name=name,
        hint=raw[:12],
        digest=hashlib.sha256(raw.encode()).hexdigest(),
    )


def manage(team, token: ScimToken, external_id="00g1billing") -> Team:
    """Make `team` managed by the IdP of `token`, as SCIM's Group POST leaves it."""
    Team.objects.filter(id=team.id).update(
        managed_by=token.name, managed_by_token=token, external_id=external_id
    )
    team.refresh_from_db()
    return team


@pytest.fixture
def okta(world):
    token = scim_token(world.org)
    manage(world.team, token)
    return token


def conflict_body(detail: str, field: str | None = None) -> dict:
    body = {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": detail,
        "code": "managed_by_idp",
    }
    if field:
        body["errors"] = [{"field": field, "message": detail}]
    return body


def refused(response, detail: str, field: str | None = None) -> None:
    assert_problem(response, 409, code="managed_by_idp")
    assert response.json() == conflict_body(detail, field)


# -- members over the API --------------------------------------------------------------------


def test_adding_a_member_to_a_managed_team_is_refused(world, okta):
    before = fingerprint()
    response = world.api("admin").post(
        f"{world.team_url}/members", {"account_id": world["manager"].account_id, "role": "agent"}
    )
    refused(response, MEMBERS)
    assert_unchanged(before)


def test_revoking_a_member_of_a_managed_team_is_refused(world, okta):
    before = fingerprint()
    response = world.api("admin").delete(f"{world.team_url}/members/{world['agent'].account_id}")
    refused(response, MEMBERS)
    assert_unchanged(before)
    assert TeamMembership.objects.filter(
        team=world.team, account=world["agent"].account, revoked_at__isnull=True
    ).exists()


def test_changing_a_team_role_in_a_managed_team_is_refused(world, okta):
    before = fingerprint()
    url = f"{world.team_url}/members/{world['agent'].account_id}"
    refused(world.api("admin").patch(url, {"role": "supervisor"}), MEMBERS)
    # With an agent ID in the same request: one transaction, so the agent ID is not kept either.
    refused(
        world.api("admin").patch(url, {"role": "supervisor", "agent_external_id": "A-7"}), MEMBERS
    )
    assert_unchanged(before)


def test_a_manager_is_refused_too(world, okta):
    """Every role that manages members gets the same answer as Admins: nobody changes a
    managed team by hand."""
    before = fingerprint()
    response = world.api("manager").delete(f"{world.team_url}/members/{world['agent'].account_id}")
    refused(response, MEMBERS)
    assert_unchanged(before)


def test_agent_ids_stay_editable_in_a_managed_team(world, okta):
    url = f"{world.team_url}/members/{world['agent'].account_id}"
    body = expect(world.api("admin").patch(url, {"agent_external_id": "A-7"}), 200)
    assert body["agent_external_id"] == "A-7"
    assert body["role"] == "agent"


def test_permission_and_tenancy_come_before_the_managed_answer(world, okta):
    """A reader without `team.members.manage` gets 403, another organization 404: the 409 only
    tells someone who could otherwise make the change."""
    before = fingerprint()
    add = {"account_id": world["manager"].account_id, "role": "agent"}
    assert_problem(world.api("qa").post(f"{world.team_url}/members", add), 403)
    assert_problem(world.api("foreign_admin").post(f"{world.team_url}/members", add), 404)
    assert_problem(
        world.api("agent").delete(f"{world.team_url}/members/{world['qa'].account_id}"), 403
    )
    assert_unchanged(before)


def test_an_unmanaged_team_is_unaffected(world, okta):
    url = f"{world.org_url}/teams/{world.other_team.id}/members"
    account_id = world["member"].account_id
    expect(world.api("admin").post(url, {"account_id": account_id, "role": "agent"}), 201)
    expect(world.api("admin").patch(f"{url}/{account_id}", {"role": "supervisor"}), 200)
    expect(world.api("admin").delete(f"{url}/{account_id}"), 204)


def test_the_api_names_the_idp_of_a_managed_team(world, okta):
    assert expect(world.api("agent").get(world.team_url), 200)["managed_by"] == "Okta"
    listed = expect(world.api("admin").get(f"{world.org_url}/teams"), 200)["items"]
    assert {t["name"]: t["managed_by"] for t in listed} == {"Billing": "Okta", "Retention": None}


# -- name and existence over the API -------------------------------------------------------


def test_renaming_a_managed_team_is_refused_but_its_description_is_not(world, okta):
    before = fingerprint()
    refused(world.api("admin").patch(world.team_url, {"name": "Invoices"}), RENAME, "name")
    refused(
        world.api("admin").patch(world.team_url, {"name": "Invoices", "description": "x"}),
        RENAME,
        "name",
    )
    assert_unchanged(before)
    body = expect(
        world.api("admin").patch(world.team_url, {"name": "Billing", "description": "Ours"}), 200
    )
    assert (body["name"], body["description"]) == ("Billing", "Ours")


def test_archiving_or_unarchiving_a_managed_team_is_refused(world, okta):
    before = fingerprint()
    refused(world.api("admin").post(f"{world.team_url}/archive"), ARCHIVE)
    assert_unchanged(before)
    Team.objects.filter(id=world.team.id).update(archived_at="2026-12-01T00:00:00Z")
    before = fingerprint()
    refused(world.api("admin").post(f"{world.team_url}/unarchive"), UNARCHIVE)
    assert_unchanged(before)


def test_rotating_the_workflow_id_of_a_managed_team_is_allowed(world, okta):
    body = expect(world.api("admin").post(f"{world.team_url}/rotate-workflow-id"), 200)
    assert body["workflow_id"] != world.team.workflow_id


# -- invitations ----------------------------------------------------------------------------


def test_an_invitation_naming_a_managed_team_is_refused(world, okta):
    before = fingerprint()
    response = world.api("admin").post(
        f"{world.org_url}/invitations",
        {
            "email": "newcomer@elsewhere.test",
            "teams": [
                {"team": world.other_team.id, "role": "agent"},
                {"team": world.team.id, "role": "agent"},
            ],
        },
    )
    refused(response, INVITE, "teams")
    assert_unchanged(before)


def test_accepting_leaves_out_a_team_managed_since_the_invitation(world):
    """The offer was made while Billing was managed by hand; the IdP took it over since. The
    invitee joins the organization and Retention, and Billing's group decides about Billing."""
    invitee = person("newcomer@elsewhere.test")
    invitation, raw = services.invitation_create(
        access=org_access(world["admin"].account, world.org.id),
        email=invitee.account.email,
        teams=[
            {"team": world.team.id, "role": "agent"},
            {"team": world.other_team.id, "role": "agent"},
        ],
    )
    manage(world.team, scim_token(world.org))
    expect(Api(invitee.token).post(f"/api/v1/invitations/{raw}/accept"), 200)
    assert OrgMembership.objects.filter(organization=world.org, account=invitee.account).exists()
    teams = set(
        TeamMembership.objects.filter(account=invitee.account, revoked_at__isnull=True).values_list(
            "team_id", flat=True
        )
    )
    assert teams == {world.other_team.id}
    invitation.refresh_from_db()
    assert invitation.status == Invitation.ACCEPTED


# -- the IdP itself (`as_idp`) ---------------------------------------------------------------


def _admin_in(world, team) -> object:
    return team_access(org_access(world["admin"].account, world.org.id), team.id)


def test_the_idp_changes_members_of_its_team(world, okta):
    access = _admin_in(world, world.team)
    manager = world["manager"].account_id
    added = services.team_member_add(access=access, account_id=manager, role="agent", as_idp=okta)
    assert added.role == "agent"
    changed = services.team_member_change_role(
        access=access, account_id=manager, role="supervisor", as_idp=okta
    )
    assert changed.role == "supervisor"
    services.team_member_revoke(access=access, account_id=manager, as_idp=okta)
    assert not TeamMembership.objects.filter(
        team=world.team, account__account_id=manager, revoked_at__isnull=True
    ).exists()
    services.team_update(access=access, name="Invoices", as_idp=okta)
    services.team_set_archived(access=access, archived=True, as_idp=okta)
    world.team.refresh_from_db()
    assert world.team.name == "Invoices" and world.team.archived_at is not None


def test_a_token_of_another_organization_is_not_the_idp_of_this_team(world, okta):
    stranger = scim_token(world.foreign_org, name="Globex Okta")
    access = _admin_in(world, world.team)
    before = fingerprint()
    with pytest.raises(NotFound):
        services.team_member_add(
            access=access, account_id=world["manager"].account_id, role="agent", as_idp=stranger
        )
    with pytest.raises(NotFound):
        services.team_member_revoke(
            access=access, account_id=world["agent"].account_id, as_idp=stranger
        )
    with pytest.raises(Conflict) as refused_by_hand:
        services.team_member_revoke(access=access, account_id=world["agent"].account_id)
    assert refused_by_hand.value.code == "managed_by_idp"
    assert_unchanged(before)


# -- the pages -------------------------------------------------------------------------------


def browser(world, who) -> Client:
    client = Client()
    client.force_login(world[who].account)
    return client


def team_page(world, team, tail="") -> str:
    return f"/o/{world.org.id}/teams/{team.id}/{tail}"


NOTICE = "<strong>Managed by Okta:</strong> members follow the identity provider's group “Billing”"


def test_the_members_page_names_the_idp_and_offers_no_membership_controls(world, okta):
    html = browser(world, "admin").get(team_page(world, world.team, "members")).content.decode()
    assert NOTICE in html and "(external ID <code>00g1billing</code>)" in html
    assert "Add Member" not in html
    assert "/revoke" not in html
    assert 'name="role"' not in html  # roles shown as text
    assert 'name="agent_external_id"' in html  # agent IDs stay editable
    # An unmanaged team keeps its controls (the same page, the same Admin).
    other = browser(world, "admin").get(team_page(world, world.other_team, "members"))
    assert "Add Member" in other.content.decode() and "Managed by" not in other.content.decode()


def test_a_reader_sees_the_notice_too(world, okta):
    html = browser(world, "qa").get(team_page(world, world.team, "members")).content.decode()
    assert NOTICE in html


def test_overview_settings_and_the_teams_list_name_the_idp(world, okta):
    client = browser(world, "admin")
    assert NOTICE in client.get(team_page(world, world.team)).content.decode()
    settings_html = client.get(team_page(world, world.team, "settings")).content.decode()
    assert NOTICE in settings_html
    assert re.search(r'<input[^>]*name="name"[^>]*readonly', settings_html)
    assert RENAME in settings_html
    assert "/settings/archive" not in settings_html
    home = client.get(f"/o/{world.org.id}/").content.decode()
    assert home.count('<span class="badge">Managed by Okta</span>') == 1


@pytest.mark.parametrize(
    ("method", "tail", "data"),
    [
        ("get", "members/add", None),
        ("post", "members/add", {"account_id": "{manager}", "role": "agent"}),
        ("post", "members/{agent}/role", {"role": "supervisor"}),
        ("get", "members/{agent}/revoke", None),
        ("post", "members/{agent}/revoke", {}),
    ],
)
def test_hand_crafted_membership_requests_get_the_409_page(world, okta, method, tail, data):
    fill = {"{manager}": world["manager"].account_id, "{agent}": world["agent"].account_id}
    for key, value in fill.items():
        tail = tail.replace(key, value)
    data = {k: fill.get(v, v) for k, v in (data or {}).items()}
    before = fingerprint()
    client = browser(world, "admin")
    response = getattr(client, method)(team_page(world, world.team, tail), data)
    assert response.status_code == 409
    assert MEMBERS in response.content.decode()
    assert_unchanged(before)


def test_renaming_on_the_settings_page_gets_409_on_the_form(world, okta):
    before = fingerprint()
    client = browser(world, "admin")
    url = team_page(world, world.team, "settings")
    response = client.post(url, {"name": "Invoices", "description": "x"})
    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="id_name_error"' in html and RENAME in html
    assert_unchanged(before)
    response = client.post(url, {"name": "Billing", "description": "Ours"})
    assert response.status_code == 302
    world.team.refresh_from_db()
    assert (world.team.name, world.team.description) == ("Billing", "Ours")


@pytest.mark.parametrize("method", ["get", "post"])
def test_archiving_on_the_page_gets_409(world, okta, method):
    before = fingerprint()
    response = getattr(browser(world, "admin"), method)(
        team_page(world, world.team, "settings/archive")
    )
    assert response.status_code == 409
    assert ARCHIVE in response.content.decode()
    assert_unchanged(before)
