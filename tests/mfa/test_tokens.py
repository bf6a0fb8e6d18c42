"""`POST /api/v1/auth/tokens` for an account with MFA needs `otp`: a current TOTP code (never
one already used) or an unused recovery code (once)."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from callstudio.accounts.models import PersonalToken
from callstudio.core.models import AuditLogEntry
from tests.conftest import PASSWORD
from tests.helpers import assert_problem, assert_unchanged, fingerprint

from .otp import enroll, totp

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/auth/tokens"
EMAIL = "member@acme.test"


def _token(api, **extra):
    return api.post(TOKENS, {"email": EMAIL, "password": PASSWORD, **extra})


def test_without_mfa_no_otp_is_needed(world, api):
    assert _token(api).status_code == 201
    # An otp sent anyway is ignored (there is nothing to check it against).
    assert _token(api, otp="123456").status_code == 201


def test_missing_otp_is_mfa_required(world, api):
    enroll(world.api("member"))
    for extra in [{}, {"otp": None}, {"otp": ""}]:
        before = fingerprint()
        assert_problem(_token(api, **extra), 401, code="mfa_required")
        assert_unchanged(before, extra)


def test_wrong_password_says_nothing_about_mfa(world, api):
    enroll(world.api("member"))
    before = fingerprint()
    body = assert_problem(api.post(TOKENS, {"email": EMAIL, "password": "nope"}), 401)
    assert body["code"] == "unauthenticated"
    # The one trace a wrong password leaves is its entry in the account's security log.
    failed = AuditLogEntry.objects.filter(action="account.login_failed")
    assert failed.count() == 1
    failed.delete()
    assert_unchanged(before)


def test_a_current_code_works_once(world, api):
    secret, _, step = enroll(world.api("member"))
    before = fingerprint()
    # The code that confirmed the setup, and any earlier step, are used up.
    for code in [totp(secret, step), totp(secret, step - 1), "000000", "abc"]:
        if code == totp(secret, step + 1):
            continue
        assert_problem(_token(api, otp=code), 401, code="invalid_otp")
        assert_unchanged(before, code)
    response = _token(api, otp=totp(secret, step + 1))
    assert response.status_code == 201
    assert PersonalToken.objects.filter(id=response.json()["id"]).exists()
    before = fingerprint()
    assert_problem(_token(api, otp=totp(secret, step + 1)), 401, code="invalid_otp")
    assert_unchanged(before)


def test_a_recovery_code_works_once(world, api):
    _, codes, _ = enroll(world.api("member"))
    account = world["member"].account
    assert _token(api, otp=codes[3]).status_code == 201
    entry = AuditLogEntry.objects.get(action="mfa.recovery_code.use")
    assert entry.target_id == account.account_id and entry.organization_id is None
    assert entry.after == {"codes_left": 9}
    before = fingerprint()
    assert_problem(_token(api, otp=codes[3]), 401, code="invalid_otp")
    assert_unchanged(before)
    # Typed with spaces or a dash, another one still works.
    code = codes[4]
    assert _token(api, otp=f"{code[:4]} {code[4:]}").status_code == 201


@override_settings(CALLSTUDIO_TOKEN_FAILURES=3)
def test_wrong_codes_count_as_failed_attempts(world, api):
    secret, _, step = enroll(world.api("member"))
    for _ in range(3):
        assert_problem(_token(api, otp="00000000"), 401, code="invalid_otp")
    before = fingerprint()
    response = _token(api, otp=totp(secret, step + 1))
    assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0
    assert_unchanged(before)


def test_missing_otp_is_not_a_failed_attempt(world, api):
    secret, _, step = enroll(world.api("member"))
    with override_settings(CALLSTUDIO_TOKEN_FAILURES=2):
        for _ in range(4):
            assert_problem(_token(api), 401, code="mfa_required")
        assert _token(api, otp=totp(secret, step + 1)).status_code == 201


def test_a_used_code_stays_used_when_the_cache_forgets(world, api):
    """allauth remembers used codes only in the cache (per process without Redis, gone on a
    restart); the used time-step is also kept in the authenticator row."""
    secret, _, step = enroll(world.api("member"))
    code = totp(secret, step + 1)
    assert _token(api, otp=code).status_code == 201
    cache.clear()  # a restart, or the next request landing on another web process
    before = fingerprint()
    assert_problem(_token(api, otp=code), 401, code="invalid_otp")
    assert_problem(_token(api, otp=totp(secret, step)), 401, code="invalid_otp")
    assert_unchanged(before)
