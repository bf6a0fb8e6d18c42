"""In Chromium, through the real OpenID Connect provider (tests/idp/oidc/, its own process):
Sign in with SSO by email (then the organization's sign-in page) creates the member just in time; a second sign-in at /sso/<org>/login
finds the same account; a tampered `state` and an email outside the verified domains end on the
refusal page with nothing created. The Admin's SSO page shows the redirect URI to paste."""

import re

import pytest
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import Page, expect

from callstudio.accounts.models import Account
from callstudio.orgs.models import OrgMembership
from tests.conftest import PASSWORD
from tests.helpers import assert_unchanged, fingerprint
from tests.sso.conftest import IDP_PASSWORD, connect, oidc_idp, verify_domain  # noqa: F401

from .conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sso(world, oidc_idp, live_server, settings):  # noqa: F811
    settings.CALLSTUDIO_ALLOW_PRIVATE_URLS = True
    verify_domain(world.org, "acme.test")
    return connect(oidc_idp, world, base_url=live_server.url)


def idp_login(page: Page, email: str):
    """allauth's own login page, served by the IdP."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(IDP_PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def test_sign_in_with_sso_creates_the_member_then_finds_them_again(sso, page: Page, browser):
    sub = sso.person("grace.hopper@acme.test", first_name="Grace", last_name="Hopper")
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with SSO").click()
    page.get_by_label("Work email").fill("grace.hopper@acme.test")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(rf"/sso/{sso.org.id}/login$"))
    page.get_by_role("button", name="Continue with Acme single sign-on").click()
    expect(page).to_have_url(re.compile(re.escape(sso.idp.issuer)))
    idp_login(page, "grace.hopper@acme.test")
    expect(page).to_have_url(re.compile(rf"/o/{sso.org.id}/$"))
    expect(page.get_by_text("Grace Hopper")).to_be_visible()
    account = Account.objects.get(email="grace.hopper@acme.test")
    membership = OrgMembership.objects.get(organization=sso.org, account=account)
    assert membership.role == "member"
    assert SocialAccount.objects.get(provider=sso.org.id).uid == sub

    # Another browser, the organization's own sign-in link: same account, nothing new.
    context = browser.new_context(base_url=page.url.split("/o/")[0])
    other = context.new_page()
    other.goto(f"/sso/{sso.org.id}/login")
    other.get_by_role("button", name="Continue with Acme single sign-on").click()
    idp_login(other, "grace.hopper@acme.test")
    expect(other).to_have_url(re.compile(rf"/o/{sso.org.id}/$"))
    context.close()
    assert Account.objects.filter(email="grace.hopper@acme.test").count() == 1
    assert SocialAccount.objects.filter(provider=sso.org.id).count() == 1


def test_a_tampered_state_is_refused(sso, page: Page):
    sso.person("tamper@acme.test")

    def forge(route):
        """CallStudio's answer to the form (a redirect to the IdP) with its `state` replaced:
        the IdP hands the forged value back to the callback, as an attacker's link would."""
        if route.request.method != "POST":
            return route.continue_()
        response = route.fetch(max_redirects=0)
        location = re.sub(r"state=[^&]+", "state=forged-state", response.headers["location"])
        route.fulfill(status=302, headers={"Location": location})

    page.route(re.compile(rf".*/sso/{sso.org.id}/login$"), forge)
    page.goto(f"/sso/{sso.org.id}/login")
    page.get_by_role("button", name=re.compile("Continue with")).click()
    expect(page).to_have_url(re.compile(re.escape(sso.idp.issuer)))
    before = fingerprint()
    idp_login(page, "tamper@acme.test")
    expect(page.get_by_role("heading", name="Single sign-on did not complete")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("did not match a sign-in started here")
    assert_unchanged(before, "tampered state")
    assert not Account.objects.filter(email="tamper@acme.test").exists()


def test_an_email_outside_the_verified_domains_is_refused(sso, page: Page):
    sso.person("intruder@elsewhere.test")
    page.goto(f"/sso/{sso.org.id}/login")
    page.get_by_role("button", name=re.compile("Continue with")).click()
    before = fingerprint()
    idp_login(page, "intruder@elsewhere.test")
    expect(page.get_by_role("heading", name="You cannot sign in to Acme with SSO")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("verified domains")
    assert_unchanged(before, "outside domain")
    assert not Account.objects.filter(email="intruder@elsewhere.test").exists()


def test_an_unknown_domain_is_told_on_the_form(page: Page, world):
    page.goto("/sso/")
    page.get_by_label("Work email").fill("someone@unknown.test")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("No organization signs in with SSO")


def test_the_admin_connects_the_idp_on_the_sso_page(world, oidc_idp, page: Page, login, settings):  # noqa: F811
    settings.CALLSTUDIO_ALLOW_PRIVATE_URLS = True
    login("admin@acme.test", PASSWORD)
    page.goto(f"/o/{world.org.id}/settings")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="SSO").click()
    expect(page).to_have_url(re.compile(rf"/o/{world.org.id}/settings/sso$"))
    expect(page.locator("#sso-redirect-uri")).to_have_text(
        re.compile(rf"/accounts/oidc/{world.org.id}/login/callback/$")
    )
    page.get_by_label("Issuer URL").fill(oidc_idp.issuer + "/missing")
    page.get_by_label("Client ID").fill("callstudio")
    page.get_by_label("Client secret").fill("a-secret")
    page.get_by_role("button", name="Save SSO settings").click()
    expect(page.get_by_role("alert").first).to_contain_text("discovery document")
    page.get_by_label("Issuer URL").fill(oidc_idp.issuer)
    page.get_by_label("Client secret").fill("a-secret")
    page.get_by_role("button", name="Save SSO settings").click()
    expect(page.get_by_text("SSO settings saved.")).to_be_visible()
    expect(page.get_by_text("a client secret is stored")).to_be_visible()
    assert page.get_by_label("Client secret").input_value() == ""


def test_the_sso_pages_pass_axe(sso, axe_context, axe_source, world):
    """The pages the route table cannot open with 200 (they need a connection or a refusal):
    the organization's sign-in page, the refusal page, the email form in its error state, and
    the Admin's SSO page with a connection and a form error."""
    page = axe_context().new_page()
    sso.person("axe@elsewhere.test")
    checked = {}
    page.goto(f"/sso/{sso.org.id}/login")
    checked["sign-in page"] = axe_violations(page, axe_source)
    page.get_by_role("button", name=re.compile("Continue with")).click()
    idp_login(page, "axe@elsewhere.test")
    expect(page.get_by_role("heading", name=re.compile("You cannot sign in"))).to_be_visible()
    checked["refusal page"] = axe_violations(page, axe_source)
    page.goto("/sso/")
    page.get_by_label("Work email").fill("nobody@unknown.test")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_be_visible()
    checked["email form with an error"] = axe_violations(page, axe_source)

    admin = axe_context().new_page()
    admin.goto("/accounts/login/")
    admin.get_by_label("Email").fill("admin@acme.test")
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Sign In").click()
    admin.wait_for_url(lambda url: "/accounts/login/" not in url)
    admin.goto(f"/o/{world.org.id}/settings/sso")
    checked["SSO settings, connected"] = axe_violations(admin, axe_source)
    admin.get_by_label("Issuer URL").fill("http://idp.example.com")
    admin.get_by_role("button", name="Save SSO settings").click()
    expect(admin.get_by_role("alert").first).to_be_visible()
    checked["SSO settings with an error"] = axe_violations(admin, axe_source)
    admin.goto(f"/o/{world.org.id}/settings/sso/delete")
    checked["remove connection"] = axe_violations(admin, axe_source)
    assert {k: v for k, v in checked.items() if v} == {}
