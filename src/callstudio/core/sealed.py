"""Secrets stored encrypted at rest, each kind under a key of its own.

A database dump alone must not be enough to use a stored secret (an MFA key, an identity
provider's client secret). Each kind is a `SealedSecrets` with its own HKDF `info`: a Fernet
token (AES-128-CBC with HMAC-SHA256) under a key derived from SECRET_KEY with HKDF-SHA256, so
one kind's key opens no other kind. The stored form is `"v1:" + token`; the version names the
derivation, so it can change later. Decryption also tries the keys derived from
SECRET_KEY_FALLBACKS, so SECRET_KEY can be rotated (put the old one there) without losing any
stored secret."""

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

VERSION = "v1"


class SecretDecryptionError(ValueError):
    """A stored secret that no current or fallback key opens (or that is not ours)."""


def _derive(secret_key: str, info: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info)
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


@functools.lru_cache(maxsize=8)
def _fernet(info: bytes, secret_key: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    # The first key encrypts; every key may decrypt.
    return MultiFernet([Fernet(_derive(k, info)) for k in (secret_key, *fallbacks)])


class SealedSecrets:
    """`what` names the kind in error messages ("MFA secret", "client secret")."""

    def __init__(self, info: bytes, what: str):
        self.info = info
        self.what = what

    def _current(self) -> MultiFernet:
        fallbacks = tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ()))
        return _fernet(self.info, settings.SECRET_KEY, fallbacks)

    def encrypt(self, text: str) -> str:
        return f"{VERSION}:" + self._current().encrypt(text.encode()).decode("ascii")

    def decrypt(self, stored: str) -> str:
        version, sep, token = stored.partition(":")
        if not sep or version != VERSION:
            raise SecretDecryptionError(f"Not an encrypted {self.what} of a known version.")
        try:
            return self._current().decrypt(token.encode("ascii")).decode()
        except InvalidToken:
            raise SecretDecryptionError(f"No configured key opens this {self.what}.") from None
