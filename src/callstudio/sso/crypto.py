"""The OpenID Connect client secret, encrypted at rest (core/sealed.py), under a key of its own:
it opens nothing else, and the MFA secrets' key opens no client secret."""

from callstudio.core.sealed import SealedSecrets, SecretDecryptionError

__all__ = ["SecretDecryptionError", "decrypt_secret", "encrypt_secret"]

CLIENT_SECRETS = SealedSecrets(b"callstudio.sso.client_secret.v1", "client secret")
encrypt_secret = CLIENT_SECRETS.encrypt
decrypt_secret = CLIENT_SECRETS.decrypt
