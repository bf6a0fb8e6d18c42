"""allauth's MFA adapter, with the secrets it stores encrypted at rest.

allauth keeps a TOTP key (`Authenticator.data["secret"]`) and a recovery-code seed
(`data["seed"]`) in the database and passes both through `encrypt`/`decrypt`. A database dump
alone must not be enough to mint codes, so they are stored as Fernet tokens (AES-128-CBC with
HMAC-SHA256) under a key derived from SECRET_KEY with HKDF-SHA256 (core/sealed.py, which also
says how SECRET_KEY is rotated without locking anyone out of their second factor)."""

from allauth.mfa.adapter import DefaultMFAAdapter

from callstudio.core.sealed import SealedSecrets, SecretDecryptionError

__all__ = ["MFAAdapter", "SecretDecryptionError", "decrypt_secret", "encrypt_secret"]

# HKDF's `info`: binds the derived key to this one use of SECRET_KEY (core/sealed.py).
MFA_SECRETS = SealedSecrets(b"callstudio.mfa.secrets.v1", "MFA secret")
encrypt_secret = MFA_SECRETS.encrypt
decrypt_secret = MFA_SECRETS.decrypt


class MFAAdapter(DefaultMFAAdapter):
    """`MFA_ADAPTER`: allauth's behaviour, with secrets encrypted (see the module docstring)."""

    def encrypt(self, text: str) -> str:
        return encrypt_secret(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_secret(encrypted_text)
