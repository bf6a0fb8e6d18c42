"""The seed's user guide, clicked through in a real browser exactly as a new Admin would:
Creating a Team, the workflow ID in Settings, Adding a new member (organization, then team),
Revoking access from a team and from the organization, and restoring the archived member."""

import re

import pytest
from playwright.sync_api import Page, expect

from callstudio.directory.services import organization_create
from callstudio.orgs.models import OrgMembership, Team, TeamMembership
from tests.conftest import make_account

pytestmark = pytest.mark.django_db(transaction=True)


def click_link(page: Page, name: str, nav: str | None = None):
    scope = page.get_by_role("navigation", name=nav, exact=True) if nav else page
    scope.get_by_role("link", name=name, exact=True).click()


def click_button(page: Page, name: str):
    page.get_by_role("button", name=name, exact=True).click()


def expect_field_error(page: Page, label: str, text: str):
    """The form is shown again with the error inside the field's own block, next to it."""
    field = page.get_by_label(label, exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field", has=field).get_by_role("alert")).to_have_text(text)


def row(page: Page, text: str):
    return page.get_by_role("row").filter(has_text=text)


def open_org_members(page: Page):
    click_link(page, "Organization", nav="Main")
    click_link(page, "Members", nav="Organization")
    expect(page.get_by_role("link", name="Add Member")).to_be_visible()


def open_team(page: Page, team_name: str, tab: str):
    click_link(page, "Teams", nav="Main")
    page.get_by_role("list", name="Teams").get_by_role("link", name=team_name, exact=True).click()
    click_link(page, tab, nav="Team")


def test_seed_walkthrough(page: Page, login):
    admin = make_account("admin@acme.test", "Ada Admin")
    org = organization_create(actor=admin, name="Acme")
    dana = make_account("dana@acme.test", "Dana Scully")  # exists, not yet in Acme
    label = f"{dana.name} ({dana.email})"

    # 1. Log in: `/` lands on the organization's home page.
    login(admin.email)
    page.goto("/")
    expect(page).to_have_url(re.compile(rf"/o/{org.id}/$"))
    expect(page.get_by_role("heading", name="Acme", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="No teams yet")).to_be_visible()

    # 2. Create Team: a blank name is refused next to the field, nothing is created.
    click_link(page, "Create Team")
    click_button(page, "Create")
    expect_field_error(page, "Team name", "This field is required.")
    assert not Team.objects.exists()

    page.get_by_label("Team name", exact=True).fill("Support")
    page.get_by_label("Description", exact=True).fill("Front-line phone support")
    click_button(page, "Create")
    expect(page).to_have_url(re.compile(rf"/o/{org.id}/teams/[^/]+/$"))
    team = Team.objects.get(organization=org)
    assert page.url.endswith(f"/teams/{team.id}/")
    expect(page.get_by_role("heading", name="Support", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="No calls yet")).to_be_visible()
    assert (team.name, team.description) == ("Support", "Front-line phone support")

    # ... and a name already taken, in any letter case, is refused too.
    click_link(page, "Teams", nav="Main")
    click_link(page, "Create Team")
    page.get_by_label("Team name", exact=True).fill("sUPPORT")
    click_button(page, "Create")
    expect_field_error(
        page, "Team name", "A team with this name already exists in the organization."
    )
    expect(page.get_by_label("Team name", exact=True)).to_have_value("sUPPORT")
    assert Team.objects.count() == 1

    # 3. The workflow ID is in the team's Settings, with a Copy button next to it.
    open_team(page, "Support", "Settings")
    workflow_id = page.get_by_label("Workflow ID", exact=True)
    expect(workflow_id).to_have_text(team.workflow_id)
    copy = page.locator(".copy", has=workflow_id).get_by_role("button")
    expect(copy).to_have_accessible_name("Copy Workflow ID")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == team.workflow_id

    # 4. Organization → Members → Add Member: an unknown account ID is refused on the form.
    open_org_members(page)
    click_link(page, "Add Member")
    page.get_by_label("Account ID", exact=True).fill("acct_does_not_exist")
    click_button(page, "Add")
    expect_field_error(page, "Account ID", "No account has this account ID.")
    assert not OrgMembership.objects.filter(account=dana).exists()

    page.get_by_label("Account ID", exact=True).fill(dana.account_id)
    click_button(page, "Add")
    expect(page).to_have_url(re.compile(rf"/o/{org.id}/members$"))
    expect(row(page, dana.email).get_by_role("rowheader")).to_have_text(dana.name)
    expect(row(page, dana.email)).to_contain_text("Active")

    # 5. Team → Members → Add Member: choose the member and the role Agent.
    open_team(page, "Support", "Members")
    click_link(page, "Add Member")
    page.get_by_label("Member", exact=True).select_option(label=label)
    page.get_by_label("Role", exact=True).select_option(label="Agent")
    click_button(page, "Add")
    expect(page).to_have_url(re.compile(rf"/teams/{team.id}/members$"))
    expect(row(page, dana.email).get_by_label(f"Role of {dana.name}")).to_have_value("agent")
    assert TeamMembership.objects.get(team=team, account=dana, revoked_at=None).role == "agent"

    # 6. Organization → Members → Revoke while still in a team: refused, naming the team.
    open_org_members(page)
    row(page, dana.email).get_by_role("link", name=f"Revoke {dana.name}", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Revoke this member from every team first")
    team_link = page.get_by_role("main").get_by_role("link", name="Support", exact=True)
    expect(team_link).to_have_attribute("href", f"/o/{org.id}/teams/{team.id}/members")
    expect(page.get_by_role("button", name="Confirm")).to_have_count(0)
    assert OrgMembership.objects.get(organization=org, account=dana).status == "active"
    assert TeamMembership.objects.filter(team=team, account=dana, revoked_at=None).exists()

    # 7. Team → Members → Revoke → Confirm: out of the team.
    team_link.click()
    row(page, dana.email).get_by_role("link", name=f"Revoke {dana.name}", exact=True).click()
    expect(page.get_by_role("heading", name=f"Revoke {dana.name} from Support?")).to_be_visible()
    click_button(page, "Confirm")
    expect(page).to_have_url(re.compile(rf"/teams/{team.id}/members$"))
    expect(row(page, dana.email)).to_have_count(0)
    expect(page.get_by_role("heading", name="No members yet")).to_be_visible()

    # 8. Organization → Members → Revoke → Confirm: archived.
    open_org_members(page)
    row(page, dana.email).get_by_role("link", name=f"Revoke {dana.name}", exact=True).click()
    click_button(page, "Confirm")
    expect(page).to_have_url(re.compile(r"/members\?status=archived$"))
    status = page.get_by_role("group", name="Member status")
    expect(status.get_by_role("link", name="Archived")).to_have_attribute("aria-current", "page")
    expect(row(page, dana.email)).to_contain_text("Archived")
    assert OrgMembership.objects.get(organization=org, account=dana).status == "archived"

    # 9. Restore → Restore: active again with the same role, and re-added to the former team.
    row(page, dana.email).get_by_role("link", name=f"Restore {dana.name}", exact=True).click()
    click_button(page, "Restore")
    expect(page.get_by_role("heading", name=f"{dana.name} is active again")).to_be_visible()
    membership = OrgMembership.objects.get(organization=org, account=dana)
    assert (membership.status, membership.role) == ("active", "member")
    click_button(page, "Re-add to Support")
    expect(page).to_have_url(re.compile(rf"/teams/{team.id}/members$"))
    expect(row(page, dana.email).get_by_label(f"Role of {dana.name}")).to_have_value("agent")
    assert TeamMembership.objects.get(team=team, account=dana, revoked_at=None).role == "agent"

    open_org_members(page)
    expect(row(page, dana.email)).to_contain_text("Active")
    expect(row(page, dana.email).get_by_label(f"Organization role of {dana.name}")).to_have_value(
        "member"
    )
    expect(row(page, dana.email).get_by_role("link", name="Support", exact=True)).to_be_visible()


def test_field_errors_and_help_are_the_fields_description(page: Page, login):
    """Screen readers read a field's error and help with the field (Django's aria-describedby
    names `<id>_error` and `<id>_helptext`: the template must give those ids)."""
    admin = make_account("admin@acme.test")
    org = organization_create(actor=admin, name="Acme")
    login(admin.email)
    page.goto(f"/o/{org.id}/teams/new")
    click_button(page, "Create")
    team_name = page.get_by_label("Team name", exact=True)
    expect(team_name).to_have_accessible_description("This field is required.")

    page.goto(f"/o/{org.id}/members/add")
    account_id = page.get_by_label("Account ID", exact=True)
    expect(account_id).to_have_accessible_description("Found on the member's profile page.")
    click_button(page, "Add")
    expect(account_id).to_have_accessible_description(
        re.compile(r"Found on the member's profile page\. +This field is required\.")
    )
