"""Accounts and personal API tokens."""

import hashlib
import logging
import secrets
from datetime import timedelta

from allauth.account.internal.flows.email_verification import send_verification_email_to_address
from allauth.account.models import EmailAddress, get_emailconfirmation_model
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from callstudio.core import ratelimit
from callstudio.core.audit import AuditAction, audit_record
from callstudio.core.errors import Conflict, Forbidden, Gone, Invalid, NotFound, Unauthorized
from callstudio.core.validation import clean_name, clean_text

from .mfa import check_token_second_factor
from .models import Account, PersonalToken, normalize_email
from .selectors import email_held_elsewhere, sso_managed_address_of
from .sessions import sessions_end_all_but

TOKEN_PREFIX = "cs_pat_"
log = logging.getLogger(__name__)


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
    *,
    email,
    password,
    name,
    client_ip: str = "",
    record_address: bool = True,
    invited_email: str | None = None,
) -> Account:
    """Open sign-up. Repeated failures from one address are refused with 429. `invited_email`:
    the address of a pending invitation the browser followed; signing up with exactly that
    address is allowed even where open sign-up is off.

    The address is recorded as allauth's primary, unverified EmailAddress and a verification link
    is mailed. The browser's sign-up passes `record_address=False`: allauth's sign-up form records
    the address and sends the link itself right after (web/adapter.py)."""
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
                address = None
                if record_address:
                    address = EmailAddress.objects.create(
                        user=account, email=email, primary=True, verified=False
                    )
                audit_record(actor=account, action=AuditAction.ACCOUNT_CREATE, target=account)
        except IntegrityError:
            raise Conflict(
                "An account with this email already exists.", field="email", code="duplicate"
            ) from None
    except (Invalid, Conflict):
        ratelimit.record_failure("signup", [client_ip], window=window)
        raise
    if address is not None:
        _send_verification(address, signup=True)
    return account


def _send_verification(address: EmailAddress, *, signup: bool = False) -> None:
    # A mail server that is down must not undo a sign-up: the link can be sent again
    # (`POST /api/v1/me/email/resend-verification`). The message itself is never logged.
    try:
        address.send_confirmation(signup=signup)
    except OSError as exc:
        log.warning("verification mail not sent (%s); it can be resent", type(exc).__name__)


def email_verify(*, request, key) -> Account:
    """Verify an address by the key of its link (the same key as
    `/accounts/confirm-email/{key}/`). allauth does the verifying, so the browser and the API
    behave alike: a pending change replaces the old address, `Account.email` follows, and the
    `email_confirmed` signal links the calls that named the address (web/apps.py)."""
    confirmation = None
    if isinstance(key, str) and 0 < len(key) <= 200:
        confirmation = get_emailconfirmation_model().from_key(key)
    if confirmation is None or confirmation.key_expired():
        raise Gone(
            "This verification link is invalid, used or expired. Ask for a new one.",
            field="key",
            code="invalid_key",
        )
    address = confirmation.confirm(request)
    if address is None:
        raise Conflict(
            "Another account has verified this address.", field="key", code="email_taken"
        )
    return Account.objects.get(pk=address.user_id)


def email_resend_verification(*, request, account: Account) -> str:
    """Mail a new link for the account's unverified address (a pending change first, else the
    sign-up address). Returns the address; 409 `already_verified` when nothing waits. An
    account made before addresses were recorded gets its address recorded, unverified, first."""
    address = EmailAddress.objects.filter(user=account, verified=False).order_by("primary", "-pk")
    address = address.first()
    if address is None:
        if EmailAddress.objects.filter(user=account, email=account.email, verified=True).exists():
            raise Conflict("Your email address is already verified.", code="already_verified")
        address, _ = EmailAddress.objects.get_or_create(
            user=account,
            email=account.email,
            defaults={"primary": not EmailAddress.objects.filter(user=account).exists()},
        )
    ratelimit.hit(
        "verify-resend",
        f"account:{account.pk}",
        limit=settings.CALLSTUDIO_VERIFICATION_EMAILS,
        window=settings.CALLSTUDIO_RATE_WINDOW_SECONDS,
    )
    _send_verification(address)
    return address.email


def ensure_address_not_sso_managed(account: Account) -> None:
    """409 `sso_managed_email` while the address is bound to an organization's SSO
    (accounts.selectors.sso_managed_address_of): changing it would escape `require_sso`."""
    organization = sso_managed_address_of(account)
    if organization is not None:
        raise Conflict(
            f"Your address is managed by {organization}, which requires single sign-on: "
            "it cannot be changed here. Ask its Admins, or leave the organization first.",
            field="email",
            code="sso_managed_email",
        )


def email_change_request(*, request, account: Account, email) -> EmailAddress:
    """Ask to change the account's address (allauth's ACCOUNT_CHANGE_EMAIL): the new address
    waits, unverified and never primary, and replaces the current one only once its link is
    opened; `Account.email` stays until then. A newer request replaces a pending one. An address
    another account holds is refused (409 `email_taken`)."""
    email = _clean_email(email)
    ensure_address_not_sso_managed(account)
    taken = Conflict(
        "This email address belongs to another account.", field="email", code="email_taken"
    )
    try:
        with transaction.atomic():
            if email_held_elsewhere(email=email, account=account):
                raise taken
            # allauth's own `add_new_email` would drop an unverified current address too,
            # leaving the account with no address at all; only the pending ones go here.
            EmailAddress.objects.filter(user=account, verified=False).exclude(
                email=account.email
            ).delete()
            current, _ = EmailAddress.objects.get_or_create(
                user=account, email=account.email, defaults={"primary": True}
            )
            if not EmailAddress.objects.filter(user=account, primary=True).exists():
                current.primary = True  # an account made before addresses were recorded
                current.save(update_fields=["primary"])
            address = EmailAddress.objects.create(user=account, email=email)
    except IntegrityError:
        raise taken from None
    send_verification_email_to_address(request, address)
    return address


def account_email_trust(*, account: Account) -> None:
    """Record `Account.email` as verified without a link, for accounts an operator vouches for
    (the demo loader, test fixtures). Never reached from a request."""
    EmailAddress.objects.filter(user=account).exclude(email=account.email).delete()
    EmailAddress.objects.update_or_create(
        user=account, email=account.email, defaults={"primary": True, "verified": True}
    )


# A token's lifetime in days: 1 to 366, 90 unless the caller says otherwise.
TOKEN_DAYS_DEFAULT = 90
TOKEN_DAYS_MAX = 366


def _clean_expiry(expires_in_days) -> timedelta:
    if (
        not isinstance(expires_in_days, int)
        or isinstance(expires_in_days, bool)
        or not 1 <= expires_in_days <= TOKEN_DAYS_MAX
    ):
        raise Invalid(
            f"A token lives between 1 and {TOKEN_DAYS_MAX} days.", field="expires_in_days"
        )
    return timedelta(days=expires_in_days)


def _new_token(
    account: Account, name: str, lifetime: timedelta, sso_org_ids=()
) -> tuple[PersonalToken, str]:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = PersonalToken.objects.create(
        account=account,
        name=name,
        hint=raw[: len(TOKEN_PREFIX) + 4],
        digest=_digest(raw),
        expires_at=timezone.now() + lifetime,
        sso_org_ids=sorted(sso_org_ids),
    )
    after = {"expires_at": token.expires_at.isoformat()}
    if token.sso_org_ids:
        after["sso_org_ids"] = token.sso_org_ids
    audit_record(actor=account, action=AuditAction.TOKEN_CREATE, target=token, after=after)
    return token, raw


@transaction.atomic
def token_create(
    *, account: Account, name="API token", expires_in_days=TOKEN_DAYS_DEFAULT, sso_org_ids=()
) -> tuple[PersonalToken, str]:
    """Returns the token row and the secret, which is never stored and never shown again.
    `sso_org_ids`: the organizations whose SSO the minting browser session signed in with
    (sso.session.sso_org_ids); the token reaches them under `require_sso` as that session does.
    A token minted with a password (`token_create_with_password`) carries none."""
    lifetime = _clean_expiry(expires_in_days)
    return _new_token(account, clean_name(name), lifetime, sso_org_ids)


def _attempt_keys(email_key: str, client_ip: str) -> list[str]:
    """Failures count per address and per (account, address): a stranger's failures lock out
    their own address, never the account's owner elsewhere."""
    return [f"ip:{client_ip}", f"email+ip:{email_key}|{client_ip}"]


def token_create_with_password(
    *,
    email,
    password,
    name="API token",
    expires_in_days=TOKEN_DAYS_DEFAULT,
    client_ip: str = "",
    otp=None,
) -> tuple[PersonalToken, str]:
    """An account with MFA also needs `otp` (accounts.mfa.use_second_factor): missing is 401
    `mfa_required`; wrong or replayed is 401 `invalid_otp` and counts as a failed attempt."""
    window = settings.CALLSTUDIO_RATE_WINDOW_SECONDS
    email_key = normalize_email(email) if isinstance(email, str) else ""
    keys = _attempt_keys(email_key, client_ip)
    ratelimit.check("token", keys, limit=settings.CALLSTUDIO_TOKEN_FAILURES, window=window)
    name = clean_name(name)
    lifetime = _clean_expiry(expires_in_days)
    account = None
    if isinstance(email, str) and isinstance(password, str) and "\x00" not in email + password:
        account = authenticate(username=email_key, password=password)
    if account is None:
        ratelimit.record_failure("token", keys, window=window)
        _audit_failed_login(email_key, client_ip=client_ip, via="api")
        raise Unauthorized("Wrong email or password.")
    try:
        check_token_second_factor(account, otp)
    except Unauthorized as exc:
        if exc.code == "invalid_otp":
            ratelimit.record_failure("token", keys, window=window)
        raise
    with transaction.atomic():
        return _new_token(account, name, lifetime)


def _audit_failed_login(email_key: str, *, client_ip: str, via: str) -> None:
    """A wrong password for an existing account goes into that account's security log (an
    unknown email has no log to go to)."""
    account = Account.objects.filter(email=email_key).first() if email_key else None
    if account is not None:
        audit_record(
            actor=None,
            action=AuditAction.ACCOUNT_LOGIN_FAILED,
            target=account,
            after={"ip": client_ip, "via": via},
        )


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


def token_lookup(raw: str) -> PersonalToken | None:
    """The live token (with its account), or None. Last-used time is written at most once a
    minute per token, so authentication does not turn every read into a write."""
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
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(
        seconds=settings.CALLSTUDIO_TOKEN_TOUCH_SECONDS
    ):
        PersonalToken.objects.filter(id=token.id).update(last_used_at=now)
    return token


def login_failed(*, email, client_ip: str) -> None:
    """A browser sign-in with a wrong password (allauth's adapter calls this)."""
    email_key = normalize_email(email) if isinstance(email, str) else ""
    _audit_failed_login(email_key, client_ip=client_ip, via="browser")


def login_succeeded(*, account: Account, client_ip: str, user_agent: str) -> None:
    audit_record(
        actor=account,
        action=AuditAction.ACCOUNT_LOGIN,
        target=account,
        after={"ip": client_ip, "user_agent": user_agent[:200]},
    )


def credentials_reset(*, account: Account, keep_session_key: str | None, action) -> int:
    """After the password changed (or was reset): every personal token is revoked and every other
    browser session ended, so whoever held the old password holds nothing any more. Returns how
    many tokens were revoked. Audited as `action` (password change or reset)."""
    with transaction.atomic():
        revoked = PersonalToken.objects.filter(account=account, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        sessions_end_all_but(account=account, keep_session_key=keep_session_key)
        audit_record(
            actor=account, action=action, target=account, after={"tokens_revoked": revoked}
        )
    return revoked


def password_change(
    *,
    account: Account,
    current_password,
    new_password,
    keep_session_key: str | None = None,
) -> None:
    """`POST /api/v1/me/password`. A wrong current password is a 422 naming `current_password`
    (not a 401: the caller's credentials are fine, the form is wrong); five wrong ones in the rate
    window are 429, so a stolen token cannot be used to guess the password."""
    window = settings.CALLSTUDIO_RATE_WINDOW_SECONDS
    keys = [f"account:{account.pk}"]
    ratelimit.check("password", keys, limit=settings.CALLSTUDIO_TOKEN_FAILURES, window=window)
    if not isinstance(current_password, str) or not account.check_password(current_password):
        ratelimit.record_failure("password", keys, window=window)
        raise Invalid(
            "The current password is wrong.", field="current_password", code="wrong_password"
        )
    if not isinstance(new_password, str) or "\x00" in new_password or len(new_password) > 256:
        raise Invalid("Enter a password of at most 256 characters.", field="new_password")
    try:
        validate_password(new_password, account)
    except ValidationError as exc:
        raise Invalid(" ".join(exc.messages), field="new_password") from None
    with transaction.atomic():
        account.set_password(new_password)
        account.save(update_fields=["password"])
        credentials_reset(
            account=account,
            keep_session_key=keep_session_key,
            action=AuditAction.ACCOUNT_PASSWORD_CHANGE,
        )
