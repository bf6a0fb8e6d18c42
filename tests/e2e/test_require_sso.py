"""In Chromium, through the real OpenID Connect provider (tests/idp/oidc/, its own process): the
Admin, signed in with password and code, requires SSO on Organization > Settings > SSO; a
supervisor whose address is in Acme's verified domain then signs in with their password and
meets the "requires single sign-on" page instead of Billing's calls, follows its button through
the identity provider and reaches them; the Admin with a second factor keeps password access
(break-glass). Before the Admin has a second factor, the switch is refused on the form."""

import re

import pytest
from playwright.sync_api import Page, expect

from callstudio.sso.models import SsoConnection
from tests.conftest import PASSWORD
from tests.orgsettings.mfa import give_mfa
from tests.sso.conftest import connect, oidc_idp, verify_domain  # noqa: F401

from .test_require_mfa import totp_code
from .test_sso_oidc import idp_login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sso(world, oidc_idp, live_server, settings):  # noqa: F811
    settings.CALLSTUDIO_ALLOW_PRIVATE_URLS = True
    verify_domain(world.org, "acme.test")
    return connect(oidc_idp, world, base_url=live_server.url)


def require_sso_on_the_page(page: Page, org_id: str):
    page.goto(f"/o/{org_id}/settings/sso")
    page.get_by_label("Require SSO for members in verified domains").check()
    page.get_by_role("button", name="Save SSO settings").click()


def test_require_sso_sends_members_through_the_idp_and_keeps_the_admin_in(
    sso, world, page: Page, login
):
    org = f"/o/{world.org.id}"
    calls = f"{org}/teams/{world.team.id}/calls"
    sso.person("supervisor@acme.test", first_name="Sam", last_name="Supervisor")

    # Without a second factor of their own, the Admin cannot switch it on (nothing changes).
    login("admin@acme.test")
    require_sso_on_the_page(page, world.org.id)
    expect(page.get_by_role("alert").first).to_contain_text(
        "Only an Admin with two-factor authentication"
    )
    assert SsoConnection.objects.get(organization=world.org).require_sso is False

    # With one, signed in with password and code, they can.
    page.context.clear_cookies()
    secret = give_mfa(world["admin"].account)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("admin@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
    require_sso_on_the_page(page, world.org.id)
    expect(page.get_by_text("SSO settings saved.")).to_be_visible()
    assert SsoConnection.objects.get(organization=world.org).require_sso is True
    # Break-glass: the Admin's password session (with its second factor) still opens Billing.
    response = page.goto(calls)
    assert response is not None and response.status == 200

    # A supervisor with a password: refused, and told where to go.
    page.context.clear_cookies()
    login("supervisor@acme.test")
    response = page.goto(calls)
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme requires single sign-on")
    assert "Billing" not in page.content()
    page.get_by_role("link", name="Sign in with Acme's SSO").click()
    expect(page).to_have_url(re.compile(rf"/sso/{world.org.id}/login$"))
    page.get_by_role("button", name="Continue with Acme single sign-on").click()
    expect(page).to_have_url(re.compile(re.escape(sso.idp.issuer)))
    idp_login(page, "supervisor@acme.test")
    expect(page).to_have_url(re.compile(rf"{org}/$"))
    # The same account, now through the organization's SSO: Billing's calls open.
    response = page.goto(calls)
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text("Billing")
