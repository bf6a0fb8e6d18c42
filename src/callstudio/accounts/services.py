"""Accounts and personal API tokens."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from callstudio.core import ratelimit
from callstudio.core.audit import AuditAction, audit_record
from callstudio.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from callstudio.core.validation import clean_name, clean_text

from .mfa import check_token_second_factor
from .models import Account, PersonalToken, normalize_email

TOKEN_PREFIX = "cs_pat_"


def _digest(raw: str) -> str:
    # Tokens carry 256 random bits, so a plain SHA-256 is enough (no slow hash needed).
    return hashlib.sha256(raw.encode()).hexdigest()


def _clean_email(email) -> str:
    email = clean_text(email, field="email", max_length=254)
    try:
        validate_email(email)
    except ValidationError:
        raise Invalid("Enter a valid email address.", field="email") from None
    return normalize_email(email)


def account_create(
    *, email, password, name, client_ip: str = "", invited_email: str | None = None
) -> Account:
    """Open sign-up. Repeated failures from one address are refused with 429. `invited_email`:
    the address of a pending invitation the browser followed; signing up with exactly that
    address is allowed even where open sign-up is off."""
    invited = bool(invited_email) and normalize_email(str(email)) == invited_email
    if not settings.CALLSTUDIO_OPEN_SIGNUP and not invited:
        raise Forbidden("Sign-up is closed on this server. Ask an administrator for an account.")
    window = settings.CALLSTUDIO_RATE_WINDOW_SECONDS
    ratelimit.check("signup", [client_ip], limit=settings.CALLSTUDIO_SIGNUP_FAILURES, window=window)
    try:
        email = _clean_email(email)
        name = clean_name(name)
        if not isinstance(password, str) or "\x00" in password or len(password) > 256:
            raise Invalid("Enter a password of at most 256 characters.", field="password")
        try:
            validate_password(password, Account(email=email, name=name))
        except ValidationError as exc:
            raise Invalid(" ".join(exc.messages), field="password") from None
        try:
            with transaction.atomic():
                if Account.objects.filter(email=email).exists():
                    raise Conflict(
                        "An account with this email already exists.",
                        field="email",
                        code="duplicate",
                    )
                account = Account.objects.create_user(email=email, password=password, name=name)
                audit_record(actor=account, action=AuditAction.ACCOUNT_CREATE, target=account)
        except IntegrityError:
            raise Conflict(
                "An account with this email already exists.", field="email", code="duplicate"
            ) from None
    except (Invalid, Conflict):
        ratelimit.record_failure("signup", [client_ip], window=window)
        raise
    return account


def _new_token(account: Account, name: str) -> tuple[PersonalToken, str]:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = PersonalToken.objects.create(
        account=account, name=name, hint=raw[: len(TOKEN_PREFIX) + 4], digest=_digest(raw)
    )
    audit_record(actor=account, action=AuditAction.TOKEN_CREATE, target=token)
    return token, raw


@transaction.atomic
def token_create(*, account: Account, name="API token") -> tuple[PersonalToken, str]:
    """Returns the token row and the secret, which is never stored and never shown again."""
    return _new_token(account, clean_name(name))


def token_create_with_password(
    *, email, password, name="API token", client_ip: str = "", otp=None
) -> tuple[PersonalToken, str]:
    """An account with MFA also needs `otp` (accounts.mfa.use_second_factor): missing is 401
    `mfa_required`; wrong or replayed is 401 `invalid_otp` and counts as a failed attempt."""
    window = settings.CALLSTUDIO_RATE_WINDOW_SECONDS
    email_key = normalize_email(email) if isinstance(email, str) else ""
    keys = [f"ip:{client_ip}", f"email:{email_key}"]
    ratelimit.check("token", keys, limit=settings.CALLSTUDIO_TOKEN_FAILURES, window=window)
    name = clean_name(name)
    account = None
    if isinstance(email, str) and isinstance(password, str) and "\x00" not in email + password:
        account = authenticate(username=email_key, password=password)
    if account is None:
        ratelimit.record_failure("token", keys, window=window)
        raise Unauthorized("Wrong email or password.")
    try:
        check_token_second_factor(account, otp)
    except Unauthorized as exc:
        if exc.code == "invalid_otp":
            ratelimit.record_failure("token", keys, window=window)
        raise
    with transaction.atomic():
        return _new_token(account, name)


@transaction.atomic
def token_revoke(*, account: Account, token_id: str) -> PersonalToken:
    token = PersonalToken.objects.filter(
        id=token_id, account=account, revoked_at__isnull=True
    ).first()
    if token is None:
        raise NotFound("Token not found.")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=account, action=AuditAction.TOKEN_REVOKE, target=token)
    return token


def token_authenticate(raw: str) -> Account | None:
    """The account behind a live token, or None. Last-used time is written at most once a minute
    per token, so authentication does not turn every read into a write."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 128:
        return None
    token = (
        PersonalToken.objects.select_related("account")
        .filter(digest=_digest(raw), revoked_at__isnull=True, account__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(
        seconds=settings.CALLSTUDIO_TOKEN_TOUCH_SECONDS
    ):
        PersonalToken.objects.filter(id=token.id).update(last_used_at=now)
    return token.account
