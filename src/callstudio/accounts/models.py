import idna
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models

from callstudio.core.ids import ID_MAX_LENGTH, new_account_id, new_token_id


def normalize_email(email: str) -> str:
    # One account per mailbox, whatever the capitalisation it is typed with.
    return email.strip().lower()


def email_domain(email: str) -> str:
    """The domain of an address in the spelling verified domains are stored in (lower case,
    IDNA); "" when it has none."""
    _, at, domain = (email or "").rpartition("@")
    if not at:
        return ""
    try:
        return idna.encode(domain.strip().rstrip(".").lower(), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return ""


class AccountManager(BaseUserManager):
    def create_user(self, email: str, password: str | None = None, **fields):
        account = self.model(email=normalize_email(email), **fields)
        account.set_password(password)
        account.save(using=self._db)
        return account

    def get_by_natural_key(self, email: str):
        return self.get(email=normalize_email(email))


class Account(AbstractBaseUser):
    """A person's global identity. `account_id` is the public, stable identifier people hand to an
    admin; the integer primary key never leaves the server."""

    account_id = models.CharField(
        max_length=ID_MAX_LENGTH, unique=True, default=new_account_id, editable=False
    )
    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(auto_now_add=True)
    # The organization `/` opens: the one used last.
    last_org_id = models.CharField(max_length=ID_MAX_LENGTH, blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    objects = AccountManager()

    def __str__(self) -> str:
        return self.email


class PersonalToken(models.Model):
    """A personal API token. Only a SHA-256 digest is stored: the token is shown once."""

    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH, default=new_token_id)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    # The first characters, for recognising a token in a list without revealing it.
    hint = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True)
    # After this instant the token answers 401. Tokens minted before expiry existed were given
    # created_at + 90 days by the migration, so no token lives forever.
    expires_at = models.DateTimeField(null=True)
    revoked_at = models.DateTimeField(null=True)
    # The organizations whose SSO the minting session had signed in with: under `require_sso`
    # such a token reaches the organization like that session (PRODUCT §8.1).
    sso_org_ids = models.JSONField(default=list)

    class Meta:
        indexes = [models.Index(fields=["account", "created_at"])]


class PendingTOTP(models.Model):
    """A TOTP secret handed out by `POST /api/v1/me/mfa/totp`, waiting for its first code.

    Kept here, not in the client's hands: confirming proves the code matches the secret the
    server issued. One per account (a new request replaces it), encrypted like the active ones,
    and good for a few minutes (accounts.mfa_services.PENDING_TOTP_SECONDS)."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="pending_totp")
    secret = models.TextField()
    created_at = models.DateTimeField()
