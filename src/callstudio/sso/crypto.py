"""The OpenID Connect client secret, encrypted at rest.

The same construction as the MFA secrets (accounts/mfa_adapter.py): a Fernet token under a key
derived from SECRET_KEY with HKDF-SHA256, with its own HKDF `info`, so this key opens nothing
else and an MFA key opens no client secret. Stored as `"v1:" + token`; SECRET_KEY_FALLBACKS still
decrypt, so SECRET_KEY can be rotated without re-entering every organization's secret."""

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

VERSION = "v1"
HKDF_INFO = b"callstudio.sso.client_secret.v1"


class SecretDecryptionError(ValueError):
    """A stored client secret that no current or fallback key opens."""


def _derive(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


@functools.lru_cache(maxsize=4)
def _fernet(secret_key: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_derive(k)) for k in (secret_key, *fallbacks)])


def _current() -> MultiFernet:
    return _fernet(settings.SECRET_KEY, tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())))


def encrypt_secret(text: str) -> str:
    return f"{VERSION}:" + _current().encrypt(text.encode()).decode("ascii")


def decrypt_secret(stored: str) -> str:
    version, sep, token = stored.partition(":")
    if not sep or version != VERSION:
        raise SecretDecryptionError("Not an encrypted client secret of a known version.")
    try:
        return _current().decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        raise SecretDecryptionError("No configured key opens this client secret.") from None
