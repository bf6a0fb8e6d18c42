"""Invitations in a real browser, with the mail read from a real SMTP server: an Admin invites
by email from Organization → Members; the new person opens the link from the mail, signs up
(the address prefilled, verified by the link) and lands as a member; an existing account logs
in from the link, accepts, and later leaves from Profile → Organizations."""

import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Page, expect

from callstudio.access.policy import org_access
from callstudio.directory.services import invitation_create, organization_create, team_create
from callstudio.orgs.models import OrgMembership, TeamMembership
from tests.conftest import PASSWORD, make_account

pytestmark = pytest.mark.django_db(transaction=True)


def link_path(message) -> str:
    """The invitation link's path: the mail's links start with CALLSTUDIO_URL, the browser
    talks to the live server."""
    [link] = [link for link in message.links if "/invitations/" in link]
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_admin_invites_by_email_and_a_new_person_signs_up_from_the_mail(
    page: Page, browser, live_server, login, smtp
):
    admin = make_account("admin@acme.test", "Ada Admin")
    org = organization_create(actor=admin, name="Acme")
    team = team_create(access=org_access(admin, org.id), name="Billing")

    login(admin.email)
    page.goto(f"/o/{org.id}/members")
    page.get_by_role("link", name="Invite", exact=True).click()
    page.get_by_label("Email address").fill("nina@elsewhere.test")
    page.get_by_label("Organization role").select_option(label="Member")
    page.get_by_label("Role in Billing").select_option(label="Agent")
    page.get_by_role("button", name="Send invitation").click()
    expect(page).to_have_url(re.compile(r"/members\?status=pending$"))
    expect(page.get_by_role("row").filter(has_text="nina@elsewhere.test")).to_contain_text(
        "Billing (Agent)"
    )

    path = link_path(smtp.wait_for("nina@elsewhere.test", subject="invited"))
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(5_000)
    newcomer = context.new_page()
    newcomer.goto(path)
    expect(newcomer.get_by_role("heading", name="Join Acme")).to_be_visible()
    expect(newcomer.get_by_text("Ada Admin invited")).to_be_visible()
    newcomer.get_by_role("link", name="Sign up", exact=True).last.click()
    expect(newcomer.get_by_label("Email")).to_have_value("nina@elsewhere.test")
    newcomer.get_by_label("Your name").fill("Nina Newcomer")
    newcomer.locator("#id_password1").fill(PASSWORD)
    newcomer.locator("#id_password2").fill(PASSWORD)
    newcomer.get_by_role("button", name="Sign Up").click()
    expect(newcomer).to_have_url(re.compile(re.escape(path) + "$"))
    newcomer.get_by_role("button", name="Accept").click()
    expect(newcomer).to_have_url(re.compile(rf"/o/{org.id}/$"))
    expect(newcomer.get_by_text("Welcome to Acme")).to_be_visible()
    membership = OrgMembership.objects.get(organization=org, account__email="nina@elsewhere.test")
    assert (membership.status, membership.role) == ("active", "member")
    assert TeamMembership.objects.get(team=team, account=membership.account).role == "agent"
    assert EmailAddress.objects.get(email="nina@elsewhere.test").verified
    context.close()


def test_an_existing_account_logs_in_from_the_link_accepts_and_later_leaves(
    page: Page, login, smtp
):
    admin = make_account("admin@acme.test", "Ada Admin")
    org = organization_create(actor=admin, name="Acme")
    omar = make_account("omar@elsewhere.test", "Omar")
    invitation_create(access=org_access(admin, org.id), email=omar.email, role="manager")
    path = link_path(smtp.wait_for(omar.email, subject="invited"))

    page.goto(path)
    page.get_by_role("link", name="Log in", exact=True).last.click()
    page.get_by_label("Email").fill(omar.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.get_by_text("as Manager")).to_be_visible()
    page.get_by_role("button", name="Accept").click()
    expect(page).to_have_url(re.compile(rf"/o/{org.id}/$"))

    page.goto("/profile")
    page.get_by_role("link", name="Your organizations").click()
    page.get_by_role("link", name="Leave Acme").click()
    page.get_by_role("button", name="Leave").click()
    expect(page.get_by_text("You left Acme")).to_be_visible()
    assert OrgMembership.objects.get(organization=org, account=omar).status == "archived"


def test_the_pending_tab_has_no_serious_accessibility_violation(axe_context, axe_source, smtp):
    """The Pending tab is the Members page with ?status=pending, so the route table's axe run
    (test_accessibility.py) does not reach it."""
    from .conftest import axe_violations

    admin = make_account("admin@acme.test", "Ada Admin")
    org = organization_create(actor=admin, name="Acme")
    team = team_create(access=org_access(admin, org.id), name="Billing")
    invitation_create(
        access=org_access(admin, org.id),
        email="nina@elsewhere.test",
        teams=[{"team": team.id, "role": "agent"}],
    )
    page = axe_context().new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"/o/{org.id}/members?status=pending")
    expect(
        page.get_by_role("button", name="Resend the invitation to nina@elsewhere.test")
    ).to_be_visible()
    assert axe_violations(page, axe_source) == []
