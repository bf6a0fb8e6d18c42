"""allauth's MFA pages over HTTP (Django's test client): setting up the authenticator app, the
login stage asking for the code, recovery codes once each, the Security page, and the audit
entries allauth's signals leave. (tests/e2e/test_mfa.py walks the same in Chromium, passkeys
included.)"""

import html
import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.test import Client

from callstudio.accounts.services import token_create
from callstudio.core.models import AuditLogEntry
from tests.conftest import PASSWORD, Api, make_account
from tests.helpers import assert_unchanged, fingerprint

from .otp import current_step, enroll, totp

# Real commits: allauth announces added factors on commit, and the audit entry follows that.
pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "mfa@acme.test"


@pytest.fixture
def account(db):
    return make_account(EMAIL)


def _login(client: Client, email=EMAIL):
    return client.post("/accounts/login/", {"login": email, "password": PASSWORD})


def _signed_in(client: Client) -> bool:
    response = client.get("/profile")
    return response.status_code == 200


def _actions() -> list[str]:
    return list(
        AuditLogEntry.objects.filter(action__startswith="mfa.")
        .order_by("id")
        .values_list("action", flat=True)
    )


def _reauthenticate(client: Client, path: str):
    """allauth asks for the password again before any MFA change (MFA_REAUTHENTICATION_REQUIRED)."""
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/"), response["Location"]
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == path, response


def _activate(client: Client) -> str:
    """Set up the app on allauth's page, reading the secret from it as a person would."""
    _reauthenticate(client, "/accounts/2fa/totp/activate/")
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    text = page.content.decode()
    secret = html.unescape(re.search(r'id="authenticator_secret"[^>]*value="([^"]+)"', text)[1])
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp(secret)})
    assert response.status_code == 302, response.content[:500]
    return secret


def test_setting_up_on_the_page_stores_it_encrypted_and_audits(account):
    client = Client()
    assert _login(client).status_code == 302
    secret = _activate(client)
    stored = Authenticator.objects.get(user=account, type="totp").data["secret"]
    assert stored.startswith("v1:") and secret not in stored
    assert Authenticator.objects.filter(user=account, type="recovery_codes").exists()
    assert _actions() == ["mfa.totp.enable"]
    entry = AuditLogEntry.objects.get(action="mfa.totp.enable")
    assert (entry.actor_id, entry.target_id, entry.organization_id) == (
        account.pk,
        account.account_id,
        None,
    )


def test_the_setup_code_cannot_pass_the_login_step(account):
    client = Client()
    _login(client)
    _reauthenticate(client, "/accounts/2fa/totp/activate/")
    page = client.get("/accounts/2fa/totp/activate/").content.decode()
    secret = html.unescape(re.search(r'id="authenticator_secret"[^>]*value="([^"]+)"', page)[1])
    code = totp(secret)
    assert client.post("/accounts/2fa/totp/activate/", {"code": code}).status_code == 302
    other = Client()
    _login(other)
    response = other.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 200 and not _signed_in(other)


def test_login_asks_for_the_code_and_refuses_a_replay(account):
    secret = _activate_for(account)
    client = Client()
    response = _login(client)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    assert not _signed_in(client)
    wrong = "000000" if totp(secret) != "000000" else "111111"
    response = client.post("/accounts/2fa/authenticate/", {"code": wrong})
    assert response.status_code == 200 and not _signed_in(client)
    code = totp(secret, current_step() + 1)
    assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    assert _signed_in(client)
    # The same code on another login is a replay.
    other = Client()
    _login(other)
    response = other.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 200 and not _signed_in(other)
    assert "Incorrect code" in response.content.decode()


def test_a_login_code_stays_used_when_the_cache_forgets(account):
    """allauth alone remembers used codes in the cache only (per process without Redis, gone
    on a restart); our login form also keeps the used time-step in the authenticator row."""
    secret = _activate_for(account)
    code = totp(secret, current_step() + 1)
    client = Client()
    _login(client)
    assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    cache.clear()
    for replay in [code, totp(secret, current_step() - 1)]:
        other = Client()
        _login(other)
        response = other.post("/accounts/2fa/authenticate/", {"code": replay})
        assert response.status_code == 200 and not _signed_in(other)


def test_a_recovery_code_signs_in_once(account):
    _activate_for(account)
    codes = Authenticator.objects.get(user=account, type="recovery_codes").wrap()
    code = codes.get_unused_codes()[0]
    client = Client()
    _login(client)
    assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    assert _signed_in(client)
    assert _actions()[-1] == "mfa.recovery_code.use"
    assert AuditLogEntry.objects.get(action="mfa.recovery_code.use").after == {"codes_left": 9}
    other = Client()
    _login(other)
    before = fingerprint()
    response = other.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 200 and not _signed_in(other)
    assert_unchanged(before)


def test_regenerating_and_removing_on_the_pages_are_audited(account):
    client = Client()
    _login(client)
    secret = _activate(client)
    response = client.post("/accounts/2fa/recovery-codes/generate/")
    assert response.status_code == 302
    response = client.post(
        "/accounts/2fa/totp/deactivate/", {"code": totp(secret, current_step() + 1)}
    )
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=account).exists()
    assert _actions() == [
        "mfa.totp.enable",
        "mfa.recovery_codes.regenerate",
        "mfa.totp.disable",
        "mfa.recovery_codes.remove",
    ]


def test_security_page_shows_the_factors(account):
    client = Client()
    _login(client)
    page = client.get("/profile/security").content.decode()
    assert "Set up authenticator app" in page and "Off" in page
    assert 'href="/accounts/2fa/webauthn/add/"' in page
    _activate(client)
    page = client.get("/profile/security").content.decode()
    assert "Remove authenticator app" in page and "10 of 10 codes left" in page
    assert 'href="/accounts/2fa/recovery-codes/"' in page


def test_security_page_says_when_an_unverified_address_blocks_mfa(account):
    EmailAddress.objects.filter(user=account).update(verified=False)
    client = Client()
    _login(client)
    assert "Verify your email address first" in client.get("/profile/security").content.decode()


def test_security_page_needs_a_sign_in(db):
    response = Client().get("/profile/security")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def _activate_for(account) -> str:
    """The app set up over the API (the API path is tested in test_api.py)."""
    _, raw = token_create(account=account)
    secret, _, _ = enroll(Api(raw))
    return secret
