"""What the pages do: forms put service errors next to their field and change nothing; the seed's
flows work through the pages; headers and sessions are safe."""

import re

import pytest
from django.test import Client, override_settings

from callstudio.access.policy import org_access
from callstudio.directory.services import org_member_add, organization_create
from callstudio.orgs.models import OrgMembership, Team, TeamMembership
from tests.conftest import PASSWORD, make_account
from tests.helpers import expect, fingerprint


def org_url(world, rest=""):
    return f"/o/{world.org.id}/{rest}"


def team_url(world, rest=""):
    return f"/o/{world.org.id}/teams/{world.team.id}/{rest}"


def test_home_lands_on_the_last_used_org(world, browser_as):
    other = organization_create(actor=world["admin"].account, name="Zeta")
    admin = browser_as("admin")
    assert admin.get("/")["Location"] in (f"/o/{world.org.id}/", f"/o/{other.id}/")
    admin.get(f"/o/{other.id}/")
    assert admin.get("/")["Location"] == f"/o/{other.id}/"
    admin.get(org_url(world))
    assert admin.get("/")["Location"] == f"/o/{world.org.id}/"
    page = admin.get(org_url(world)).content.decode()
    assert "Zeta" in page and 'id="org-switcher"' in page


def test_account_without_org_sees_onboarding_with_its_account_id(world, browser_as):
    outsider = browser_as("outsider")
    assert outsider.get("/")["Location"] == "/welcome"
    page = outsider.get("/welcome").content.decode()
    assert world["outsider"].account_id in page and "data-copy=" in page
    response = outsider.post("/welcome", {"name": "Outsiders Inc"})
    org = OrgMembership.objects.get(account=world["outsider"].account).organization
    assert response["Location"] == f"/o/{org.id}/" and org.name == "Outsiders Inc"


def test_create_team_button_only_for_teams_create(world, browser_as):
    assert "Create Team" in browser_as("manager").get(org_url(world)).content.decode()
    assert "Create Team" not in browser_as("supervisor").get(org_url(world)).content.decode()


def test_create_team_redirects_to_the_empty_team_page(world, browser_as):
    manager = browser_as("manager")
    response = manager.post(
        org_url(world, "teams/new"), {"name": "Escalations", "description": "Hard"}
    )
    team = Team.objects.get(organization=world.org, name="Escalations")
    assert response["Location"] == f"/o/{world.org.id}/teams/{team.id}/"
    page = manager.get(response["Location"]).content.decode()
    assert "No calls yet" in page and team.workflow_id in page


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "This field is required."),
        ("x" * 101, "at most 100 characters"),
        ("bILLING", "already exists"),
        ("Bad\x00name", "Null characters"),
    ],
)
def test_invalid_team_name_shows_the_form_with_the_error_next_to_the_field(
    world, browser_as, name, message
):
    before = fingerprint()
    response = browser_as("admin").post(
        org_url(world, "teams/new"), {"name": name, "description": ""}
    )
    assert response.status_code == 422
    page = response.content.decode()
    field = re.search(r'<div class="field field-invalid">.*?</div>', page, re.S).group(0)
    assert 'for="id_name"' in field and message in field
    assert fingerprint() == before


def test_add_member_by_account_id_and_the_clear_messages(world, browser_as):
    admin = browser_as("admin")
    path = org_url(world, "members/add")
    page = admin.get(path).content.decode()
    assert '<label for="id_account_id">Account ID</label>' in page
    unknown = admin.post(path, {"account_id": "acc_nobody", "role": "member"})
    assert (
        unknown.status_code == 422 and "No account has this account ID" in unknown.content.decode()
    )
    existing = admin.post(path, {"account_id": world["member"].account_id, "role": "member"})
    assert "already a member" in existing.content.decode()
    added = admin.post(path, {"account_id": world["outsider"].account_id, "role": "member"})
    assert added.status_code == 302
    assert (
        OrgMembership.objects.get(organization=world.org, account=world["outsider"].account).role
        == "member"
    )


def test_adding_an_archived_member_offers_restore(world, browser_as):
    admin = browser_as("admin")
    expect(admin.post(org_url(world, f"members/{world['member'].account_id}/revoke")), 302)
    before = fingerprint()
    page = admin.post(
        org_url(world, "members/add"), {"account_id": world["member"].account_id, "role": "member"}
    ).content.decode()
    assert (
        "archived member" in page
        and f'members/{world["member"].account_id}/restore">Restore</a>' in page
    )
    assert fingerprint() == before


def test_role_select_offers_only_roles_the_actor_may_grant(world, browser_as):
    admin = world.api("admin")
    keeper = expect(
        admin.post(
            f"{world.org_url}/roles",
            {
                "name": "Keeper",
                "scope": "org",
                "permissions": [
                    "org.read",
                    "org.members.read",
                    "org.members.roles",
                    "org.members.add",
                ],
            },
        ),
        201,
    )
    expect(
        admin.patch(
            f"{world.org_url}/members/{world['manager'].account_id}", {"role": keeper["id"]}
        ),
        200,
    )
    page = browser_as("manager").get(org_url(world, "members/add")).content.decode()
    options = re.findall(r'<option value="([^"]+)"', page)
    assert options == ["member", keeper["id"]]  # not admin nor manager: they hold more than Keeper


def test_revoke_asks_for_confirmation_first(world, browser_as):
    admin = browser_as("admin")
    path = team_url(world, f"members/{world['agent'].account_id}/revoke")
    # Opening any page of the organization records it as the one `/` opens: do that first, so
    # the comparison below is about the revoke alone.
    expect(admin.get(team_url(world, "members")), 200)
    before = fingerprint()
    page = admin.get(path).content.decode()
    assert ">Confirm</button>" in page
    assert fingerprint() == before
    expect(admin.post(path), 302)
    assert (
        TeamMembership.objects.get(team=world.team, account=world["agent"].account).revoked_at
        is not None
    )


def test_org_revoke_refused_while_in_teams_names_each_team_with_links(world, browser_as):
    before = fingerprint()
    response = browser_as("admin").post(
        org_url(world, f"members/{world['agent'].account_id}/revoke")
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert f'href="/o/{world.org.id}/teams/{world.team.id}/members">Billing</a>' in page
    assert fingerprint() == before


def test_restore_lists_former_teams_for_one_click_re_add(world, browser_as):
    admin = browser_as("admin")
    agent_id = world["agent"].account_id
    expect(admin.post(team_url(world, f"members/{agent_id}/revoke")), 302)
    expect(admin.post(org_url(world, f"members/{agent_id}/revoke")), 302)
    archived = admin.get(org_url(world, "members?status=archived")).content.decode()
    assert "Archived" in archived and agent_id in archived and ">Restore</a>" in archived
    restored = admin.post(org_url(world, f"members/{agent_id}/restore"))
    assert restored.status_code == 302
    assert restored["Location"] == org_url(world, f"members/{agent_id}/restored")
    for _ in range(2):  # a reload shows the same page and sends nothing
        before = fingerprint()
        page = admin.get(restored["Location"])
        assert page.status_code == 200 and "Re-add to Billing" in page.content.decode()
        assert fingerprint() == before
    response = admin.post(team_url(world, "members/add"), {"account_id": agent_id, "role": "agent"})
    assert response.status_code == 302
    assert TeamMembership.objects.filter(
        team=world.team, account=world["agent"].account, revoked_at=None
    ).exists()


def test_the_restored_page_of_a_member_still_archived_leads_to_restore(world, browser_as):
    admin = browser_as("admin")
    agent_id = world["agent"].account_id
    admin.post(team_url(world, f"members/{agent_id}/revoke"))
    admin.post(org_url(world, f"members/{agent_id}/revoke"))
    response = admin.get(org_url(world, f"members/{agent_id}/restored"))
    assert response.status_code == 302
    assert response["Location"] == org_url(world, f"members/{agent_id}/restore")
    assert (
        browser_as("supervisor").get(org_url(world, f"members/{agent_id}/restored")).status_code
        == 403
    )
    assert (
        browser_as("foreign_admin").get(org_url(world, f"members/{agent_id}/restored")).status_code
        == 404
    )


def test_settings_show_the_workflow_id_copy_button_and_example(world, browser_as):
    page = browser_as("supervisor").get(team_url(world, "settings")).content.decode()
    assert world.team.workflow_id in page and 'data-copy="workflow-id"' in page
    assert f"/api/v1/workflows/{world.team.workflow_id}/calls" in page
    assert "Rotate workflow ID" not in page  # supervisors lack team.manage


def test_rotate_workflow_id_needs_confirmation(world, browser_as):
    admin = browser_as("admin")
    old = world.team.workflow_id
    assert (
        ">Confirm</button>"
        in admin.get(team_url(world, "settings/rotate-workflow-id")).content.decode()
    )
    assert Team.objects.get(id=world.team.id).workflow_id == old
    expect(admin.post(team_url(world, "settings/rotate-workflow-id")), 302)
    assert Team.objects.get(id=world.team.id).workflow_id != old


def test_tabs_are_those_the_role_may_see(world, browser_as):
    def tabs(who):
        page = browser_as(who).get(team_url(world)).content.decode()
        nav = re.search(r'<nav class="tabs" aria-label="Team">(.*?)</nav>', page, re.S).group(1)
        return re.findall(r">([A-Za-z]+)</a>", nav)

    assert tabs("admin") == [
        "Overview",
        "Calls",
        "Analytics",
        "Members",
        "Alerts",
        "Automations",
        "Settings",
    ]
    assert tabs("supervisor") == [
        "Overview",
        "Calls",
        "Analytics",
        "Members",
        "Alerts",
        "Automations",
        "Settings",
    ]
    assert tabs("agent") == ["Overview", "Calls", "Analytics"]
    assert tabs("qa") == ["Overview", "Calls", "Members"]


def test_every_page_sends_security_headers(world, browser_as):
    for response in [browser_as("admin").get(team_url(world)), Client().get("/accounts/login/")]:
        csp = response["Content-Security-Policy"]
        assert (
            "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
        )
        assert "frame-ancestors 'none'" in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        body = response.content.decode()
        assert "<script>" not in body and " style=" not in body and "<style" not in body


def test_login_rotates_the_session_and_sets_safe_cookies(db):
    make_account("ann@example.test")
    client = Client()
    client.get("/accounts/login/")
    response = client.post("/accounts/login/", {"login": "ann@example.test", "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    first = cookie.value
    client.logout()
    expect(
        client.post("/accounts/login/", {"login": "ann@example.test", "password": PASSWORD}), 302
    )
    assert client.cookies["sessionid"].value != first


def test_failed_logins_are_throttled(db):
    make_account("ann@example.test")
    client = Client()
    pages = [
        client.post(
            "/accounts/login/", {"login": "ann@example.test", "password": "wrong"}
        ).content.decode()
        for _ in range(6)
    ]
    assert "Too many failed login attempts" not in pages[0]
    assert "Too many failed login attempts" in pages[-1]
    # Even the right password is refused until the window passes: 429 with Retry-After.
    response = client.post("/accounts/login/", {"login": "ann@example.test", "password": PASSWORD})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


@override_settings(CALLSTUDIO_OPEN_SIGNUP=False)
def test_signup_page_closed_with_the_setting(db):
    assert "closed" in Client().get("/accounts/signup/").content.decode().lower()


def test_signup_through_the_page_asks_for_a_name(db):
    client = Client()
    response = client.post(
        "/accounts/signup/",
        {
            "email": "neo@example.test",
            "name": "Neo",
            "password1": "a long passphrase 9",
            "password2": "a long passphrase 9",
        },
    )
    assert response.status_code == 302
    from callstudio.accounts.models import Account

    assert Account.objects.get(email="neo@example.test").name == "Neo"


def reauthenticated(client: Client) -> Client:
    """Minting a token asks for the password again (tests/sessions/test_tokens.py): given."""
    expect(client.post("/accounts/reauthenticate/", {"password": PASSWORD}), 302)
    return client


def test_profile_shows_account_id_and_token_once(world, browser_as):
    client = reauthenticated(browser_as("member"))
    page = client.get("/profile").content.decode()
    assert world["member"].account_id in page and 'data-copy="account-id"' in page
    created = client.post("/profile", {"name": "ci"})
    assert created.status_code == 302 and created["Location"] == "/profile"
    shown = client.get("/profile").content.decode()
    token = re.search(r'<code id="new-token"[^>]*>(cs_pat_[^<]+)</code>', shown).group(1)
    again = client.get("/profile").content.decode()
    assert token not in again and 'id="new-token"' not in again and ">ci<" in again
    assert world.api(None).as_(token).get("/api/v1/me").status_code == 200


def test_a_token_form_error_stays_on_the_page_and_creates_nothing(world, browser_as):
    client = reauthenticated(browser_as("member"))
    before = fingerprint()
    response = client.post("/profile", {"name": ""})
    assert response.status_code == 422 and 'id="new-token"' not in response.content.decode()
    assert fingerprint() == before


def test_members_of_another_org_are_never_listed(world, browser_as):
    org_member_add(
        access=org_access(world["foreign_admin"].account, world.foreign_org.id),
        account_id=world["outsider"].account_id,
    )
    page = browser_as("admin").get(org_url(world, "members")).content.decode()
    assert "admin@globex.test" not in page and "outsider@elsewhere.test" not in page


def test_org_revoke_page_says_up_front_that_teams_come_first(world, browser_as):
    page = (
        browser_as("admin")
        .get(org_url(world, f"members/{world['agent'].account_id}/revoke"))
        .content.decode()
    )
    assert "still in teams" in page and ">Confirm</button>" not in page
    assert f'href="/o/{world.org.id}/teams/{world.team.id}/members">Billing</a>' in page


def test_role_changes_through_the_selects(world, browser_as):
    admin = browser_as("admin")
    expect(
        admin.post(
            org_url(world, f"members/{world['member'].account_id}/role"), {"role": "manager"}
        ),
        302,
    )
    assert (
        OrgMembership.objects.get(organization=world.org, account=world["member"].account).role
        == "manager"
    )
    expect(
        admin.post(
            team_url(world, f"members/{world['agent'].account_id}/role"), {"role": "supervisor"}
        ),
        302,
    )
    assert (
        TeamMembership.objects.get(
            team=world.team, account=world["agent"].account, revoked_at=None
        ).role
        == "supervisor"
    )
    before = fingerprint()
    page = admin.post(
        org_url(world, f"members/{world['member'].account_id}/role"), {"role": "owner"}, follow=True
    )
    assert "Choose one of the offered roles." in page.content.decode()
    page = admin.post(
        org_url(world, f"members/{world['admin'].account_id}/role"), {"role": "member"}, follow=True
    )
    assert "your own role" in page.content.decode()
    assert fingerprint() == before


@override_settings(ACCOUNT_RATE_LIMITS={"signup": "2/h/ip", "login_failed": "10/m/ip,5/5m/key"})
def test_repeated_sign_ups_from_one_address_get_429(db):
    client = Client()
    for i in range(2):
        expect(
            client.post(
                "/accounts/signup/",
                {
                    "email": f"s{i}@example.test",
                    "name": "S",
                    "password1": "a long passphrase 9",
                    "password2": "a long passphrase 9",
                },
            ),
            302,
        )
        client.logout()
    response = client.post(
        "/accounts/signup/",
        {
            "email": "s9@example.test",
            "name": "S",
            "password1": "a long passphrase 9",
            "password2": "a long passphrase 9",
        },
    )
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def _send_call(world, external_id):
    """POST one call to Billing's workflow ID with a fresh ingest key; the response."""
    from callstudio.calls.services import ingest_key_create
    from tests.calls.conftest import call_body

    _, raw = ingest_key_create(access=org_access(world["admin"].account, world.org.id), name="t")
    return (
        world.api(None)
        .as_(raw)
        .post(f"/api/v1/workflows/{world.team.workflow_id}/calls", call_body(external_id))
    )


@pytest.mark.parametrize("who", ["admin", "manager"])
def test_archive_and_unarchive_a_team_from_settings(world, browser_as, who):
    from callstudio.core.models import AuditLogEntry

    client = browser_as(who)
    settings = client.get(team_url(world, "settings")).content.decode()
    assert f'href="{team_url(world, "settings/archive")}">Archive team</a>' in settings
    assert "Unarchive team" not in settings
    confirm = client.get(team_url(world, "settings/archive"))
    assert confirm.status_code == 200 and ">Archive team</button>" in confirm.content.decode()
    assert Team.objects.get(id=world.team.id).archived_at is None  # GET changes nothing
    response = client.post(team_url(world, "settings/archive"))
    assert response.status_code == 302 and response["Location"] == team_url(world, "settings")
    assert Team.objects.get(id=world.team.id).archived_at is not None
    entry = AuditLogEntry.objects.filter(action="team.archive").get()
    assert entry.actor_id == world[who].account.pk and entry.team_id == world.team.id
    assert _send_call(world, "late").status_code == 410  # the API's behaviour
    overview = client.get(team_url(world)).content.decode()
    assert "This team is archived" in overview
    settings = client.get(team_url(world, "settings")).content.decode()
    assert "This team is archived" in settings and "Archive team</a>" not in settings
    assert f'href="{team_url(world, "settings/unarchive")}">Unarchive team</a>' in settings
    confirm = client.get(team_url(world, "settings/unarchive"))
    assert confirm.status_code == 200 and ">Unarchive team</button>" in confirm.content.decode()
    assert Team.objects.get(id=world.team.id).archived_at is not None
    response = client.post(team_url(world, "settings/unarchive"))
    assert response.status_code == 302 and response["Location"] == team_url(world, "settings")
    assert Team.objects.get(id=world.team.id).archived_at is None
    assert AuditLogEntry.objects.filter(action="team.unarchive").count() == 1
    assert _send_call(world, "back").status_code == 201
    assert "This team is archived" not in client.get(team_url(world)).content.decode()


@pytest.mark.parametrize("who", ["supervisor", "agent"])
@pytest.mark.parametrize("rest", ["settings/archive", "settings/unarchive"])
def test_archiving_a_team_is_refused_without_team_manage(world, browser_as, who, rest):
    before = fingerprint()
    client = browser_as(who)
    assert client.get(team_url(world, rest)).status_code == 403
    assert client.post(team_url(world, rest)).status_code == 403
    assert fingerprint() == before
    assert Team.objects.get(id=world.team.id).archived_at is None
    settings = client.get(team_url(world, "settings")).content.decode()
    assert "Archive team" not in settings and "Unarchive team" not in settings


def test_archiving_another_orgs_team_is_not_found(world, browser_as):
    before = fingerprint()
    client = browser_as("foreign_admin")
    for rest in ("settings/archive", "settings/unarchive"):
        assert client.get(team_url(world, rest)).status_code == 404
        assert client.post(team_url(world, rest)).status_code == 404
    assert fingerprint() == before and Team.objects.get(id=world.team.id).archived_at is None
