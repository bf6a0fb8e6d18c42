"""Organization > Settings and Members > Access in the browser's pages (Django's test client)."""

import re

import pytest
from django.test import Client

from callstudio.access.policy import org_access, team_access
from callstudio.access.services import role_create
from callstudio.core.models import AuditLogEntry
from callstudio.directory.services import team_member_add
from callstudio.orgs.models import Organization
from tests.helpers import assert_unchanged, fingerprint

from .mfa import give_mfa


def browser(world, who) -> Client:
    client = Client()
    client.force_login(world[who].account)
    return client


def settings_url(world) -> str:
    return f"/o/{world.org.id}/settings"


def test_settings_tab_and_form_for_the_admin(world):
    html = browser(world, "admin").get(f"/o/{world.org.id}/organization").content.decode()
    assert f'href="/o/{world.org.id}/settings"' in html
    page = browser(world, "admin").get(settings_url(world))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="require_mfa"' in html and "Require two-factor authentication" in html
    options = re.findall(r'<option value="([^"]+)"', html)
    assert options == ["manager", "member"]  # never Admin
    assert 'href="/profile/security"' in html


@pytest.mark.parametrize("who", ["manager", "supervisor", "agent"])
def test_settings_are_refused_without_org_manage(world, who):
    client = browser(world, who)
    html = client.get(f"/o/{world.org.id}/organization").content.decode()
    assert f"/o/{world.org.id}/settings" not in html
    assert client.get(settings_url(world)).status_code == 403
    before = fingerprint()
    response = client.post(settings_url(world), {"name": "Taken", "default_role": "member"})
    assert response.status_code == 403
    assert_unchanged(before, who)


def test_saving_renames_and_sets_the_default_role(world):
    response = browser(world, "admin").post(
        settings_url(world), {"name": "Acme Ltd", "default_role": "manager"}
    )
    assert (response.status_code, response["Location"]) == (302, settings_url(world))
    org = Organization.objects.get(id=world.org.id)
    assert (org.name, org.default_role, org.require_mfa) == ("Acme Ltd", "manager", False)
    add = browser(world, "admin").get(f"/o/{world.org.id}/members/add").content.decode()
    assert '<option value="manager" selected>' in add


def test_require_mfa_without_own_mfa_is_explained_and_changes_nothing(world):
    before = fingerprint()
    response = browser(world, "admin").post(
        settings_url(world), {"name": "Acme", "require_mfa": "on", "default_role": "member"}
    )
    assert response.status_code == 409
    assert "Set up two-factor authentication for yourself" in response.content.decode()
    assert_unchanged(before)


def test_require_mfa_with_own_mfa_is_saved(world):
    give_mfa(world["admin"].account)
    response = browser(world, "admin").post(
        settings_url(world), {"name": "Acme", "require_mfa": "on", "default_role": "member"}
    )
    assert response.status_code == 302
    assert Organization.objects.get(id=world.org.id).require_mfa is True
    assert AuditLogEntry.objects.filter(action="org.update").count() == 1


def test_members_rows_link_to_access(world):
    html = browser(world, "manager").get(f"/o/{world.org.id}/members").content.decode()
    assert f'href="/o/{world.org.id}/members/{world["agent"].account_id}/access"' in html


def test_access_page_lists_each_team_with_sources(world):
    url = f"/o/{world.org.id}/members/{world['manager'].account_id}/access"
    page = browser(world, "admin").get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Access of Manager" in html
    assert html.count("Organization role: Manager") >= 2
    assert "Billing" in html and "Retention" in html
    assert "blocked by" not in html


def test_access_page_shows_the_policy_in_the_way(world):
    admin = org_access(world["admin"].account, world.org.id)
    listener = role_create(
        access=admin, name="Listener", scope="team", permissions=["calls.read.all"]
    )
    team_member_add(
        access=team_access(admin, world.team.id),
        account_id=world["member"].account_id,
        role=listener.id,
    )
    url = f"/o/{world.org.id}/members/{world['member'].account_id}/access?team={world.team.id}"
    html = browser(world, "admin").get(url).content.decode()
    assert "Team role: Listener" in html
    assert "No — blocked by Team access (team.read)" in html
    assert "Retention" not in html


def test_team_members_link_to_access_in_that_team(world):
    html = browser(world, "admin").get(f"/o/{world.org.id}/teams/{world.team.id}/members")
    expected = f"/o/{world.org.id}/members/{world['agent'].account_id}/access?team={world.team.id}"
    assert expected in html.content.decode()
    supervisor = browser(world, "supervisor").get(
        f"/o/{world.org.id}/teams/{world.team.id}/members"
    )
    assert "/access?team=" not in supervisor.content.decode()


@pytest.mark.parametrize("who", ["supervisor", "agent", "member"])
def test_access_page_needs_org_members_read(world, who):
    url = f"/o/{world.org.id}/members/{world['agent'].account_id}/access"
    assert browser(world, who).get(url).status_code == 403


def test_audit_log_tells_the_settings_change_in_words(world):
    give_mfa(world["admin"].account)
    browser(world, "admin").post(
        settings_url(world), {"name": "Acme", "require_mfa": "on", "default_role": "manager"}
    )
    html = browser(world, "admin").get(f"/o/{world.org.id}/audit-log").content.decode()
    assert "Organization settings changed" in html
    assert "Requires two-factor authentication: no → yes" in html
    assert "Default role for new members: Member → Manager" in html


def test_a_settings_manager_below_the_default_role_can_still_save_the_name(world):
    """A custom org role with org.manage but not the Manager's permissions: the current default
    (Manager) stays selected and unchanged; only the name changes."""
    admin = org_access(world["admin"].account, world.org.id)
    keeper = role_create(
        access=admin, name="Keeper", scope="org", permissions=["org.read", "org.manage"]
    )
    Organization.objects.filter(id=world.org.id).update(default_role="manager")
    world.api("admin").patch(
        world.org_url + "/members/" + world["member"].account_id, {"role": keeper.id}
    )
    client = browser(world, "member")
    html = client.get(settings_url(world)).content.decode()
    assert '<option value="manager" selected>Manager</option>' in html
    response = client.post(settings_url(world), {"name": "Acme 2", "default_role": "manager"})
    assert response.status_code == 302
    org = Organization.objects.get(id=world.org.id)
    assert (org.name, org.default_role) == ("Acme 2", "manager")
    before = fingerprint()
    refused = world.api("member").patch(world.org_url, {"default_role": "role_none"})
    assert refused.status_code == 422
    assert_unchanged(before)
