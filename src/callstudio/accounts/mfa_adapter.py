"""allauth's MFA adapter, with the secrets it stores encrypted at rest.

allauth keeps a TOTP key (`Authenticator.data["secret"]`) and a recovery-code seed
(`data["seed"]`) in the database and passes both through `encrypt`/`decrypt`. A database dump
alone must not be enough to mint codes, so they are stored as Fernet tokens (AES-128-CBC with
HMAC-SHA256) under a key derived from SECRET_KEY with HKDF-SHA256.

The stored form is `"v1:" + token`. The version names the derivation, so it can change later;
decryption also tries the keys derived from SECRET_KEY_FALLBACKS, so SECRET_KEY can be rotated
(put the old one in SECRET_KEY_FALLBACKS) without locking anyone out of their second factor."""

import base64
import functools

from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

VERSION = "v1"
# HKDF's `info`: binds the derived key to this one use of SECRET_KEY.
HKDF_INFO = b"callstudio.mfa.secrets.v1"


class SecretDecryptionError(ValueError):
    """A stored MFA secret that no current or fallback key opens (or that is not ours)."""


def _derive(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


@functools.lru_cache(maxsize=4)
def _fernet(secret_key: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    # The first key encrypts; every key may decrypt.
    return MultiFernet([Fernet(_derive(k)) for k in (secret_key, *fallbacks)])


def _current() -> MultiFernet:
    return _fernet(settings.SECRET_KEY, tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())))


def encrypt_secret(text: str) -> str:
    return f"{VERSION}:" + _current().encrypt(text.encode()).decode("ascii")


def decrypt_secret(stored: str) -> str:
    version, sep, token = stored.partition(":")
    if not sep or version != VERSION:
        raise SecretDecryptionError("Not an encrypted MFA secret of a known version.")
    try:
        return _current().decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        raise SecretDecryptionError("No configured key opens this MFA secret.") from None


class MFAAdapter(DefaultMFAAdapter):
    """`MFA_ADAPTER`: allauth's behaviour, with secrets encrypted (see the module docstring)."""

    def encrypt(self, text: str) -> str:
        return encrypt_secret(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_secret(encrypted_text)
