"""TOTP over the API: `GET /me`'s `mfa`, set up, confirm, remove; every refusal changes
nothing."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.utils import timezone

from callstudio.accounts.models import PendingTOTP
from callstudio.core.models import AuditLogEntry
from tests.helpers import assert_problem, assert_unchanged, fingerprint

from .otp import current_step, enroll, totp

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
TOTP_URL = "/api/v1/me/mfa/totp"
CONFIRM_URL = "/api/v1/me/mfa/totp/confirm"


def _actions(account) -> list[str]:
    return list(
        AuditLogEntry.objects.filter(target_id=account.account_id, action__startswith="mfa.")
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_me_says_whether_mfa_is_on(world):
    api = world.api("member")
    assert api.get(ME).json()["mfa"] == {"enabled": False, "types": []}
    enroll(api)
    assert api.get(ME).json()["mfa"] == {"enabled": True, "types": ["totp"]}


def test_setup_gives_a_secret_and_its_uri(world):
    response = world.api("member").post(TOTP_URL)
    assert response.status_code == 200
    body = response.json()
    uri = urlparse(body["otpauth_uri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert uri.path == "/member%40acme.test"
    query = parse_qs(uri.query)
    assert query["secret"] == [body["secret"]] and query["issuer"] == ["CallStudio"]
    # Kept server-side for the confirmation, encrypted; nothing active yet.
    pending = PendingTOTP.objects.get(account=world["member"].account)
    assert body["secret"] not in pending.secret and pending.secret.startswith("v1:")
    assert not Authenticator.objects.filter(user=world["member"].account).exists()


def test_asking_again_replaces_the_pending_secret(world):
    api = world.api("member")
    first = api.post(TOTP_URL).json()["secret"]
    second = api.post(TOTP_URL).json()["secret"]
    assert first != second
    assert_problem(
        api.post(CONFIRM_URL, {"code": totp(first)}), 422, field="code", code="invalid_otp"
    )
    assert api.post(CONFIRM_URL, {"code": totp(second)}).status_code == 200


def test_confirm_activates_totp_and_recovery_codes_shown_once(world):
    api = world.api("member")
    account = world["member"].account
    secret, codes, _ = enroll(api)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(c) == 8 and c.isdigit() for c in codes)
    types = set(Authenticator.objects.filter(user=account).values_list("type", flat=True))
    assert types == {"totp", "recovery_codes"}
    assert not PendingTOTP.objects.filter(account=account).exists()
    assert _actions(account) == ["mfa.totp.enable"]
    # Shown once: a second confirmation is a conflict, not the codes again.
    before = fingerprint()
    assert_problem(
        api.post(CONFIRM_URL, {"code": totp(secret, current_step() + 1)}),
        409,
        code="mfa_already_enabled",
    )
    assert_unchanged(before)


def test_setup_when_already_enabled_is_a_conflict(world):
    api = world.api("member")
    enroll(api)
    before = fingerprint()
    assert_problem(api.post(TOTP_URL), 409, code="mfa_already_enabled")
    assert_unchanged(before)


def test_wrong_code_is_refused_and_changes_nothing(world):
    api = world.api("member")
    secret = api.post(TOTP_URL).json()["secret"]
    right = totp(secret)
    for wrong in ["000000" if right != "000000" else "111111", "12345", "abcdef", "1" * 100]:
        before = fingerprint()
        assert_problem(api.post(CONFIRM_URL, {"code": wrong}), 422, code="invalid_otp")
        assert_unchanged(before, wrong)
    # A code of another secret does not confirm this one either.
    assert_problem(
        api.post(CONFIRM_URL, {"code": totp("JBSWY3DPEHPK3PXP")}), 422, code="invalid_otp"
    )
    assert api.post(CONFIRM_URL, {"code": right}).status_code == 200


def test_confirm_without_setup_or_after_expiry_is_a_conflict(world):
    api = world.api("member")
    before = fingerprint()
    assert_problem(api.post(CONFIRM_URL, {"code": "123456"}), 409, code="totp_setup_missing")
    assert_unchanged(before)
    secret = api.post(TOTP_URL).json()["secret"]
    PendingTOTP.objects.filter(account=world["member"].account).update(
        created_at=timezone.now() - timedelta(minutes=11)
    )
    before = fingerprint()
    assert_problem(api.post(CONFIRM_URL, {"code": totp(secret)}), 409, code="totp_setup_missing")
    assert_unchanged(before)


def test_confirm_with_a_passkey_keeps_its_recovery_codes(world):
    account = world["member"].account
    Authenticator.objects.create(user=account, type="webauthn", data={"name": "Laptop"})
    existing = Authenticator.objects.create(
        user=account, type="recovery_codes", data={"seed": "v1:x", "used_mask": 0}
    )
    _, codes, _ = enroll(world.api("member"))
    assert codes == []
    assert Authenticator.objects.get(user=account, type="recovery_codes").pk == existing.pk


def test_remove_needs_a_current_unused_code(world):
    api = world.api("member")
    account = world["member"].account
    secret, _, step = enroll(api)
    before = fingerprint()
    for code, why in [
        (totp(secret, step), "the code that confirmed (replay)"),
        (totp(secret, step - 1), "an earlier step"),
        ("000000" if totp(secret, step + 1) != "000000" else "111111", "wrong"),
        ("99999999", "not a recovery code"),
    ]:
        response = api.delete(TOTP_URL, body={"code": code})
        assert_problem(response, 401, code="invalid_otp")
        assert_unchanged(before, why)
    assert api.delete(TOTP_URL, body={"code": totp(secret, step + 1)}).status_code == 204
    # No factor left: the recovery codes go with it.
    assert not Authenticator.objects.filter(user=account).exists()
    assert _actions(account) == [
        "mfa.totp.enable",
        "mfa.totp.disable",
        "mfa.recovery_codes.remove",
    ]
    assert api.get(ME).json()["mfa"] == {"enabled": False, "types": []}
    before = fingerprint()
    assert_problem(api.delete(TOTP_URL, body={"code": "123456"}), 409, code="totp_not_enabled")
    assert_unchanged(before)


def test_remove_with_a_recovery_code_keeps_passkeys_and_codes(world):
    api = world.api("member")
    account = world["member"].account
    _, codes, _ = enroll(api)
    Authenticator.objects.create(user=account, type="webauthn", data={"name": "Laptop"})
    assert api.delete(TOTP_URL, body={"code": codes[0]}).status_code == 204
    types = set(Authenticator.objects.filter(user=account).values_list("type", flat=True))
    assert types == {"webauthn", "recovery_codes"}
    assert _actions(account) == ["mfa.totp.enable", "mfa.recovery_code.use", "mfa.totp.disable"]
    assert api.get(ME).json()["mfa"] == {"enabled": True, "types": ["webauthn"]}


def test_mfa_endpoints_need_a_signed_in_caller(world, api):
    for method, path in [("post", TOTP_URL), ("post", CONFIRM_URL), ("delete", TOTP_URL)]:
        before = fingerprint()
        response = getattr(api, method)(path, body={"code": "123456"})
        assert response.status_code == 401, (method, path)
        assert_unchanged(before, method, path)


def test_unknown_fields_are_refused(world):
    api = world.api("member")
    api.post(TOTP_URL)
    before = fingerprint()
    assert_problem(api.post(CONFIRM_URL, {"code": "123456", "secret": "X"}), 422)
    assert_unchanged(before)


def test_an_unverified_address_cannot_turn_mfa_on(world):
    """allauth's rule on its pages, kept by the API: else a stranger signing up with someone
    else's address could lock its owner out."""
    account = world["member"].account
    api = world.api("member")
    secret = api.post(TOTP_URL).json()["secret"]
    EmailAddress.objects.filter(user=account).update(verified=False)
    for path, body in [(TOTP_URL, None), (CONFIRM_URL, {"code": totp(secret)})]:
        before = fingerprint()
        assert_problem(api.post(path, body), 409, code="email_unverified")
        assert_unchanged(before, path)
    EmailAddress.objects.filter(user=account).update(verified=True)
    assert api.post(CONFIRM_URL, {"code": totp(secret)}).status_code == 200
