"""Setting up and removing an authenticator app (TOTP) over the API, with allauth's own pieces
(`generate_totp_secret`, `TOTP.activate`, `RecoveryCodes.activate`), so what the API enrols is
exactly what allauth's pages and login stage use.

The browser does the same through allauth's views; those changes are audited from allauth's
signals (accounts/mfa_audit.py). These services audit inside their own transaction instead."""

from datetime import timedelta

from allauth.mfa.adapter import get_adapter
from allauth.mfa.base.internal.flows import delete_dangling_recovery_codes
from allauth.mfa.internal.flows.add import validate_can_add_authenticator
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt, encrypt
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from callstudio.core.audit import AuditAction, audit_record
from callstudio.core.errors import Conflict, Invalid

from .mfa import clean_code, mark_step_used, matching_step, use_second_factor
from .models import Account, PendingTOTP

# How long a secret from `POST /me/mfa/totp` waits for its first code.
PENDING_TOTP_SECONDS = 10 * 60


def _totp(account) -> Authenticator | None:
    return Authenticator.objects.filter(user=account, type=Authenticator.Type.TOTP).first()


def _check_can_add(account) -> None:
    """allauth's rule, as on its pages: no new factor while the account has an unverified
    address (else someone signing up with another person's address could lock them out)."""
    if _totp(account) is not None:
        raise _already_enabled()
    try:
        validate_can_add_authenticator(account)
    except ValidationError:
        raise Conflict(
            "Verify your email address before turning on two-factor authentication.",
            code="email_unverified",
        ) from None


def _already_enabled() -> Conflict:
    return Conflict(
        "An authenticator app is already active on this account. Remove it first to set up "
        "another one.",
        code="mfa_already_enabled",
    )


@transaction.atomic
def totp_begin(*, account: Account) -> tuple[str, str]:
    """A new secret (base32) and its otpauth:// URI. The secret is kept, encrypted, for
    PENDING_TOTP_SECONDS; asking again replaces it."""
    _check_can_add(account)
    secret = generate_totp_secret()
    PendingTOTP.objects.update_or_create(
        account=account, defaults={"secret": encrypt(secret), "created_at": timezone.now()}
    )
    return secret, get_adapter().build_totp_url(account, secret)


@transaction.atomic
def totp_confirm(*, account: Account, code) -> list[str]:
    """Activate the pending secret when `code` is its current code. Returns the new recovery
    codes (shown once), or [] when the account already had recovery codes (from a passkey):
    those stay valid and are never shown through the API."""
    # The same lock allauth's recovery-code flow takes: one enrolment at a time per account.
    Account.objects.select_for_update().get(pk=account.pk)
    _check_can_add(account)
    pending = PendingTOTP.objects.filter(account=account).first()
    if pending is None or timezone.now() - pending.created_at > timedelta(
        seconds=PENDING_TOTP_SECONDS
    ):
        raise Conflict(
            "No authenticator app setup is waiting (or it expired): start again with "
            "POST /api/v1/me/mfa/totp.",
            code="totp_setup_missing",
        )
    secret = decrypt(pending.secret)
    cleaned = clean_code(code)
    step = matching_step(secret, cleaned) if cleaned else None
    if step is None:
        raise Invalid(
            "That code does not match. Enter the current code from the authenticator app.",
            field="code",
            code="invalid_otp",
        )
    pending.delete()
    totp = TOTP.activate(account, secret).instance
    mark_step_used(totp, cleaned, step)  # the confirming code cannot be replayed
    new_codes = []
    if not Authenticator.objects.filter(
        user=account, type=Authenticator.Type.RECOVERY_CODES
    ).exists():
        new_codes = RecoveryCodes.activate(account).generate_codes()
    audit_record(
        actor=account,
        action=AuditAction.MFA_TOTP_ENABLE,
        target=account,
        after={"recovery_codes": bool(new_codes)},
    )
    return new_codes


@transaction.atomic
def totp_disable(*, account: Account, code) -> None:
    """Remove the authenticator app, proven by a current TOTP code or an unused recovery code.
    Passkeys stay. Recovery codes stay while a passkey is left, and go with the last factor
    (as in allauth's own pages)."""
    Account.objects.select_for_update().get(pk=account.pk)
    totp = _totp(account)
    if totp is None:
        raise Conflict("No authenticator app is active on this account.", code="totp_not_enabled")
    use_second_factor(account, code)
    totp.delete()
    audit_record(actor=account, action=AuditAction.MFA_TOTP_DISABLE, target=account)
    if delete_dangling_recovery_codes(account) is not None:
        audit_record(actor=account, action=AuditAction.MFA_RECOVERY_CODES_REMOVE, target=account)
