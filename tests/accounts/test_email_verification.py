"""§7.2 Verified email: sign-up (API and browser) mails a link built from CALLSTUDIO_URL, the link
and `POST /api/v1/accounts/verify-email` verify, `email_verified` says so, and the link can be sent
again. Mail goes through the real SMTP server fixture."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from callstudio.accounts.models import Account
from callstudio.core.models import AuditLogEntry
from tests.conftest import Api, person
from tests.helpers import assert_problem, assert_unchanged, expect, fingerprint

PASSWORD = "a long passphrase 9"
BASE = "https://calls.example.test"
LINK = re.compile(re.escape(BASE) + r"/accounts/confirm-email/([^/\s]+)/")


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.CALLSTUDIO_URL = BASE


def api_sign_up(email: str) -> dict:
    return expect(
        Api().post("/api/v1/accounts", {"email": email, "password": PASSWORD, "name": "Nell"}), 201
    )


def key_from(message) -> str:
    (link,) = [link for link in message.links if LINK.fullmatch(link)]
    return LINK.fullmatch(link).group(1)


def token_for(email: str) -> Api:
    body = expect(Api().post("/api/v1/auth/tokens", {"email": email, "password": PASSWORD}), 201)
    return Api(body["token"])


def test_api_sign_up_records_an_unverified_primary_address_and_mails_the_link(db, smtp):
    body = api_sign_up("Nell@Acme.test")
    assert body["email_verified"] is False
    account = Account.objects.get(account_id=body["account_id"])
    assert list(
        EmailAddress.objects.filter(user=account).values_list("email", "primary", "verified")
    ) == [("nell@acme.test", True, False)]
    message = smtp.wait_for("nell@acme.test", subject="Confirm your email address")
    assert key_from(message)  # {CALLSTUDIO_URL}/accounts/confirm-email/{key}/, not the Host
    assert "testserver" not in message.body and "testserver" not in message.subject
    me = token_for("nell@acme.test").get("/api/v1/me").json()
    assert (me["email_verified"], me["pending_email"]) == (False, None)


def test_the_key_verifies_once_through_the_api(db, smtp):
    body = api_sign_up("nell@acme.test")
    key = key_from(smtp.wait_for("nell@acme.test"))
    verified = expect(Api().post("/api/v1/accounts/verify-email", {"key": key}), 200)
    assert verified == {**body, "email_verified": True}
    assert token_for("nell@acme.test").get("/api/v1/me").json()["email_verified"] is True
    account = Account.objects.get(account_id=body["account_id"])
    assert (
        AuditLogEntry.objects.filter(
            action="account.email.verify", target_id=account.account_id, organization=None
        ).count()
        == 1
    )
    # Used: the same key answers 410 and changes nothing.
    before = fingerprint()
    assert_problem(
        Api().post("/api/v1/accounts/verify-email", {"key": key}), 410, code="invalid_key"
    )
    assert_unchanged(before)


@pytest.mark.parametrize("key", ["", "nope", "MQ:1tZ:" + "x" * 40, "k" * 500])
def test_a_wrong_key_is_410_and_changes_nothing(db, key):
    person("someone@acme.test", verified=False)
    before = fingerprint()
    response = Api().post("/api/v1/accounts/verify-email", {"key": key})
    assert_problem(response, 410, code="invalid_key")
    assert_unchanged(before, key)


def test_a_key_missing_from_the_body_is_422(db):
    assert_problem(Api().post("/api/v1/accounts/verify-email", {}), 422, field="key")


def test_browser_sign_up_mails_the_link_and_the_link_verifies(db, smtp):
    browser = Client()
    response = browser.post(
        "/accounts/signup/",
        {"email": "ivy@acme.test", "name": "Ivy", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    account = Account.objects.get(email="ivy@acme.test")
    assert EmailAddress.objects.filter(user=account, primary=True, verified=False).count() == 1
    message = smtp.wait_for("ivy@acme.test", subject="Confirm your email address")
    assert len(smtp.to("ivy@acme.test")) == 1  # one link, not one from us and one from allauth
    path = LINK.fullmatch(message.links[0]).group(0)[len(BASE) :]
    assert browser.get(path).status_code == 200  # a page with a button: GET changes nothing
    assert not EmailAddress.objects.get(user=account).verified
    assert browser.post(path).status_code == 302
    assert EmailAddress.objects.get(user=account).verified


def test_resend_mails_a_new_link_for_the_unverified_address(db, smtp, settings):
    settings.CALLSTUDIO_VERIFICATION_EMAILS = 2
    api_sign_up("nell@acme.test")
    smtp.wait_for("nell@acme.test")
    me = token_for("nell@acme.test")
    response = me.post("/api/v1/me/email/resend-verification")
    assert response.status_code == 202 and response.json() == {"email": "nell@acme.test"}
    key = key_from(smtp.wait_for("nell@acme.test", count=2))
    expect(me.post("/api/v1/me/email/resend-verification"), 202)
    smtp.wait_for("nell@acme.test", count=3)
    limited = me.post("/api/v1/me/email/resend-verification")
    assert_problem(limited, 429)
    assert int(limited["Retry-After"]) > 0
    expect(Api().post("/api/v1/accounts/verify-email", {"key": key}), 200)


def test_resend_for_a_verified_address_is_409_and_sends_nothing(db, smtp):
    verified = person("vera@acme.test")
    before = fingerprint()
    response = Api(verified.token).post("/api/v1/me/email/resend-verification")
    assert_problem(response, 409, code="already_verified")
    assert_unchanged(before)
    assert smtp.messages == []


def test_resend_needs_credentials(db):
    assert_problem(Api().post("/api/v1/me/email/resend-verification"), 401)


def test_an_account_made_before_addresses_were_recorded_can_ask_for_its_link(db, smtp):
    legacy = person("old@acme.test", verified=False)  # no EmailAddress row at all
    response = Api(legacy.token).post("/api/v1/me/email/resend-verification")
    assert response.status_code == 202
    key = key_from(smtp.wait_for("old@acme.test"))
    expect(Api().post("/api/v1/accounts/verify-email", {"key": key}), 200)
    assert list(
        EmailAddress.objects.filter(user=legacy.account).values_list("email", "primary", "verified")
    ) == [("old@acme.test", True, True)]


def test_the_manage_emails_page_sends_the_link_again(db, smtp):
    api_sign_up("nell@acme.test")
    smtp.wait_for("nell@acme.test")
    browser = Client()
    browser.force_login(Account.objects.get(email="nell@acme.test"))
    page = browser.get("/accounts/email/")
    assert page.status_code == 200 and "nell@acme.test" in page.content.decode()
    response = browser.post("/accounts/email/", {"action_send": "", "email": "nell@acme.test"})
    assert response.status_code == 302
    again = key_from(smtp.wait_for("nell@acme.test", count=2))
    expect(Api().post("/api/v1/accounts/verify-email", {"key": again}), 200)
