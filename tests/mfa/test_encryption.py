"""TOTP secrets and recovery-code seeds are stored encrypted (accounts/mfa_adapter.py), and a
SECRET_KEY rotation with SECRET_KEY_FALLBACKS keeps them working."""

import base64
import re

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.test import override_settings

from callstudio.accounts.mfa_adapter import SecretDecryptionError, decrypt_secret, encrypt_secret
from tests.conftest import PASSWORD

from .otp import enroll, totp

pytestmark = pytest.mark.django_db


def test_stored_totp_secret_and_seed_are_ciphertext(world):
    secret, codes, _ = enroll(world.api("member"))
    rows = {a.type: a for a in Authenticator.objects.filter(user=world["member"].account)}
    stored = rows["totp"].data["secret"]
    assert stored.startswith("v1:")
    assert secret not in stored and secret.lower() not in stored.lower()
    assert base64.b32decode(secret).hex() not in stored
    # No base32 run as long as a secret anywhere in the row.
    assert not re.search(r"[A-Z2-7]{32}", str(rows["totp"].data).replace(stored, ""))
    assert decrypt_secret(stored) == secret
    seed = rows["recovery_codes"].data["seed"]
    assert seed.startswith("v1:") and re.fullmatch(r"[0-9a-f]{80}", decrypt_secret(seed))
    assert not any(code in str(rows["recovery_codes"].data) for code in codes)


def test_each_encryption_is_fresh():
    assert encrypt_secret("JBSWY3DPEHPK3PXP") != encrypt_secret("JBSWY3DPEHPK3PXP")


def test_unversioned_or_foreign_values_are_refused():
    for value in ["JBSWY3DPEHPK3PXP", "v2:abc", "v1:not-a-token"]:
        with pytest.raises(SecretDecryptionError):
            decrypt_secret(value)
    stored = encrypt_secret("JBSWY3DPEHPK3PXP")
    with (
        override_settings(SECRET_KEY="another-secret-key-" + "y" * 40),
        pytest.raises(SecretDecryptionError),
    ):
        decrypt_secret(stored)


def test_totp_still_verifies_after_a_key_rotation(world, api):
    secret, _, step = enroll(world.api("member"))
    old = settings.SECRET_KEY
    with override_settings(SECRET_KEY="rotated-secret-key-" + "z" * 40, SECRET_KEY_FALLBACKS=[old]):
        response = api.post(
            "/api/v1/auth/tokens",
            {"email": "member@acme.test", "password": PASSWORD, "otp": totp(secret, step + 1)},
        )
        assert response.status_code == 201, response.content
