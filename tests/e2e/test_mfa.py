"""Two-factor authentication in Chromium: Profile → Security → authenticator app (the test reads
the secret from the page and computes the codes, RFC 6238) → the login asks for a code → a
recovery code works once; and a passkey registered and used at sign-in with Chromium's virtual
authenticator (WebAuthn over CDP). axe-core checks the MFA pages seen on the way."""

import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import Page, expect

from callstudio.core.models import AuditLogEntry
from tests.conftest import PASSWORD, make_account
from tests.mfa.otp import current_step, totp

from .conftest import TIMEOUT_MS, axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "mfa@acme.test"


def _sign_in_with_password(page: Page):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()


def _log_out(page: Page):
    page.locator("summary", has_text="account menu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def _open_security(page: Page):
    page.goto("/profile")
    page.get_by_role("link", name="Security", exact=True).first.click()
    expect(page.get_by_role("heading", name="Security", level=1)).to_be_visible()


def _confirm_password(page: Page):
    """allauth asks for the password again before an MFA change."""
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.get_by_placeholder("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()


def _no_axe_violation(page: Page, axe_source: str):
    found = axe_violations(page, axe_source)
    assert found == [], (page.url, found)


def test_authenticator_app_and_recovery_codes(live_server, axe_context, axe_source):
    make_account(EMAIL)
    # CSP bypassed in this context only so axe-core can be injected (tests/e2e/conftest.py).
    page = axe_context().new_page()
    _sign_in_with_password(page)
    _open_security(page)
    expect(page.get_by_text("Off", exact=True)).to_be_visible()
    _no_axe_violation(page, axe_source)

    page.get_by_role("link", name="Set up authenticator app").click()
    _confirm_password(page)
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    _no_axe_violation(page, axe_source)
    secret = page.get_by_label("Authenticator secret").input_value()
    step = current_step()
    page.get_by_label("Authenticator code").fill(totp(secret, step))
    page.get_by_role("button", name="Activate").click()

    # Recovery codes are shown straight after (allauth's page, in our layout).
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    codes = page.get_by_label("Unused codes").input_value().split()
    assert len(set(codes)) == 10
    _no_axe_violation(page, axe_source)
    _open_security(page)
    expect(page.get_by_text("10 of 10 codes left")).to_be_visible()
    _no_axe_violation(page, axe_source)
    _log_out(page)

    # The password alone no longer signs in: the login asks for a code.
    _sign_in_with_password(page)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    _no_axe_violation(page, axe_source)
    # Not signed in yet: a page sends the login back to its pending second step.
    assert page.goto("/profile").url.endswith("/accounts/2fa/authenticate/")
    page.get_by_placeholder("Code").fill(totp(secret, step + 1))
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Two-Factor Authentication")
    assert "/accounts/" not in page.url
    _log_out(page)

    # A recovery code signs in once.
    for attempt in ("first", "second"):
        _sign_in_with_password(page)
        page.get_by_placeholder("Code").fill(codes[0])
        page.get_by_role("button", name="Sign In", exact=True).click()
        if attempt == "first":
            expect(page).not_to_have_url(re.compile(r"/accounts/"))
            _log_out(page)
        else:
            expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
            expect(page.get_by_text("Incorrect code.")).to_be_visible()
    actions = list(
        AuditLogEntry.objects.filter(action__startswith="mfa.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["mfa.totp.enable", "mfa.recovery_code.use"]


def _virtual_authenticator(page: Page):
    """Chromium's virtual platform authenticator (a passkey store with user verification)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def test_passkey_registered_and_used_to_sign_in(browser, live_server):
    make_account(EMAIL)
    # WebAuthn needs a secure context: http://localhost is one, http://127.0.0.1 may not be.
    base_url = re.sub(r"//[^:/]+", "//localhost", live_server.url, count=1)
    context = browser.new_context(base_url=base_url)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        cdp, authenticator_id = _virtual_authenticator(page)
        _sign_in_with_password(page)
        _open_security(page)
        page.get_by_role("link", name="Add a passkey").click()
        _confirm_password(page)
        page.get_by_label("Name").fill("Laptop")
        page.get_by_role("button", name="Add", exact=True).click()
        expect(page).not_to_have_url(re.compile(r"/webauthn/add/"))
        stored = Authenticator.objects.get(type="webauthn")
        assert stored.wrap().name == "Laptop"
        held = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
        assert len(held["credentials"]) == 1
        _open_security(page)
        expect(page.get_by_role("row", name=re.compile("Laptop"))).to_be_visible()
        _log_out(page)

        _sign_in_with_password(page)
        expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
        page.get_by_role("button", name="Use a security key").click()
        expect(page).not_to_have_url(re.compile(r"/accounts/"))
        page.goto("/profile")
        expect(page.get_by_role("heading", name="Profile", level=1)).to_be_visible()
        stored.refresh_from_db()
        assert stored.last_used_at is not None
        actions = list(
            AuditLogEntry.objects.filter(action__startswith="mfa.")
            .order_by("id")
            .values_list("action", flat=True)
        )
        assert actions == ["mfa.passkey.add"]
    finally:
        context.close()
