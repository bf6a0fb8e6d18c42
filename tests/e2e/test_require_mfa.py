"""In Chromium: an Admin with TOTP signs in with their code, opens Organization > Settings and
requires two-factor authentication; a supervisor without MFA then signs in and meets the
enrollment prompt instead of the organization's data."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import Page, expect

from callstudio.orgs.models import Organization
from tests.conftest import PASSWORD
from tests.orgsettings.mfa import give_mfa

pytestmark = pytest.mark.django_db(transaction=True)


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_admin_requires_mfa_and_a_member_without_it_sees_the_prompt(world, page: Page, login):
    org = f"/o/{world.org.id}"
    secret = give_mfa(world["admin"].account)

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("admin@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)

    page.goto(f"{org}/organization")
    page.get_by_role("navigation", name="Organization", exact=True).get_by_role(
        "link", name="Settings"
    ).click()
    expect(page).to_have_url(re.compile(rf"{org}/settings$"))
    checkbox = page.get_by_label("Require two-factor authentication")
    expect(checkbox).not_to_be_checked()
    checkbox.check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Settings saved.")
    expect(page.get_by_label("Require two-factor authentication")).to_be_checked()
    assert Organization.objects.get(id=world.org.id).require_mfa is True

    page.context.clear_cookies()
    login("supervisor@acme.test")
    response = page.goto(f"{org}/teams/{world.team.id}/calls")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Acme requires two-factor authentication"
    )
    expect(page.get_by_role("link", name="Set up two-factor authentication")).to_have_attribute(
        "href", "/profile/security"
    )
    assert "Billing" not in page.content()
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Acme requires two-factor authentication"
    )


def test_the_prompt_has_no_serious_accessibility_violation(world, axe_context, axe_source):
    from tests.orgsettings.mfa import require_mfa

    from .conftest import axe_violations

    require_mfa(world)
    page = axe_context().new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("supervisor@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    response = page.goto(f"/o/{world.org.id}/members")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_contain_text("requires two-factor")
    assert axe_violations(page, axe_source) == []
