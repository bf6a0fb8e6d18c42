"""One person's whole way in, in Chromium, with every mail read from a real SMTP server: sign up →
verify the address from the mail → accept an invitation from the mail → turn on an authenticator
app (the test computes the codes) → the next login asks for a code → a recovery code works once."""

import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Page, expect

from callstudio.access.policy import org_access
from callstudio.directory.services import invitation_create, organization_create, team_create
from callstudio.orgs.models import OrgMembership, TeamMembership
from tests.conftest import PASSWORD, make_account
from tests.mfa.otp import current_step, totp

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "nora@elsewhere.test"


def path_of(message, part: str) -> str:
    """The path of the mail's link containing `part` (links start with CALLSTUDIO_URL; the
    browser talks to the live server)."""
    [link] = [link for link in message.links if part in link]
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def sign_in(page: Page):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()


def log_out(page: Page):
    page.locator("summary", has_text="account menu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def test_sign_up_verify_accept_enroll_and_sign_in_with_codes(page: Page, smtp):
    admin = make_account("admin@acme.test", "Ada Admin")
    org = organization_create(actor=admin, name="Acme")
    team = team_create(access=org_access(admin, org.id), name="Billing")

    # Sign up: the address is recorded unverified and a link is mailed.
    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Your name").fill("Nora")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    assert not EmailAddress.objects.get(email=EMAIL).verified
    page.goto(path_of(smtp.wait_for(EMAIL), "/accounts/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("You have confirmed")).to_be_visible()
    assert EmailAddress.objects.get(email=EMAIL).verified

    # The invitation, from the mail, accepted by the signed-in person whose address it names.
    invitation_create(
        access=org_access(admin, org.id),
        email=EMAIL,
        teams=[{"team": team.id, "role": "agent"}],
    )
    page.goto(path_of(smtp.wait_for(EMAIL, subject="invited"), "/invitations/"))
    expect(page.get_by_role("heading", name="Join Acme")).to_be_visible()
    page.get_by_role("button", name="Accept").click()
    expect(page).to_have_url(re.compile(rf"/o/{org.id}/$"))
    membership = OrgMembership.objects.get(organization=org, account__email=EMAIL)
    assert (membership.status, membership.role) == ("active", "member")
    assert TeamMembership.objects.get(team=team, account=membership.account).role == "agent"

    # An authenticator app, from Profile → Security (allauth asks for the password first).
    page.goto("/profile/security")
    page.get_by_role("link", name="Set up authenticator app").click()
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.get_by_placeholder("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    secret = page.get_by_label("Authenticator secret").input_value()
    step = current_step()
    page.get_by_label("Authenticator code").fill(totp(secret, step))
    page.get_by_role("button", name="Activate").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    codes = page.get_by_label("Unused codes").input_value().split()
    assert len(set(codes)) == 10
    log_out(page)

    # The password alone no longer signs in; the next code does.
    sign_in(page)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.get_by_placeholder("Code").fill(totp(secret, step + 1))
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/"))
    log_out(page)

    # A recovery code works once, and only once.
    for attempt in ("first", "again"):
        sign_in(page)
        page.get_by_placeholder("Code").fill(codes[0])
        page.get_by_role("button", name="Sign In", exact=True).click()
        if attempt == "first":
            expect(page).not_to_have_url(re.compile(r"/accounts/"))
            log_out(page)
        else:
            expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
            expect(page.get_by_text("Incorrect code.")).to_be_visible()
