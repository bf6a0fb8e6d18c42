"""What second factors an account has, and checking one. allauth's MFA app owns the
authenticators (TOTP, WebAuthn passkeys, recovery codes); this is the one place the rest of
CallStudio asks about them.

TOTP codes (token creation, `DELETE /me/mfa/totp`, and the login's second step through
accounts/mfa_forms.py) are checked here, not by allauth's `TOTP.validate_code`: that one refuses a replayed code only through a cache marker, which a
restart or a second web process without Redis forgets. We keep the last accepted time-step in the
authenticator row (`data["last_step"]`, under a row lock) and refuse that step and earlier ones;
we also set allauth's cache marker, so a code used on one side is refused on the other."""

from allauth.core.internal.cryptokit import compare_user_code
from allauth.mfa.internal.flows.add import validate_can_add_authenticator
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from allauth.mfa.utils import decrypt
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from callstudio.core.audit import AuditAction, audit_record
from callstudio.core.errors import Unauthorized

# Recovery codes back up another factor; on their own they are not a second factor.
FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
# Longer than any TOTP or recovery code: refused before any work.
MAX_CODE_LENGTH = 64


def mfa_types(account) -> list[str]:
    """The account's second factors, e.g. ["totp", "webauthn"] (sorted, no duplicates)."""
    types = Authenticator.objects.filter(user=account, type__in=FACTOR_TYPES).values_list(
        "type", flat=True
    )
    return sorted(set(types))


def has_mfa(account) -> bool:
    """One query: does the account have a second factor (TOTP or a passkey)?"""
    return Authenticator.objects.filter(user=account, type__in=FACTOR_TYPES).exists()


def mfa_status(account) -> dict:
    """`GET /api/v1/me`'s `mfa` field: `{enabled, types}`."""
    types = mfa_types(account)
    return {"enabled": bool(types), "types": types}


def clean_code(code) -> str | None:
    """A code as people type it ("123 456", "123-456"), or None when it cannot be one."""
    if not isinstance(code, str) or len(code) > MAX_CODE_LENGTH:
        return None
    code = code.strip().replace(" ", "").replace("-", "")
    return code if code.isdigit() else None


def matching_step(secret: str, code: str) -> int | None:
    """The TOTP time-step (within allauth's tolerance) whose code is `code`, else None."""
    for step in yield_hotp_counters_from_time():
        if compare_user_code(actual=code, expected=format_hotp_value(hotp_value(secret, step))):
            return step
    return None


def mark_step_used(authenticator: Authenticator, code: str, step: int) -> bool:
    """Record `step` as used by this TOTP authenticator (the row must be locked by the caller).
    False when the step or a later one was used already, or allauth's browser check saw the
    code: a replay."""
    if step <= authenticator.data.get("last_step", -1):
        return False
    if not TOTP(authenticator)._mark_code_used(code):
        return False
    authenticator.data["last_step"] = step
    authenticator.last_used_at = timezone.now()
    authenticator.save(update_fields=["data", "last_used_at"])
    return True


def use_totp_code(authenticator: Authenticator, code: str) -> bool:
    """Check and use up a cleaned TOTP code (the row locked by the caller)."""
    step = matching_step(decrypt(authenticator.data["secret"]), code)
    return step is not None and mark_step_used(authenticator, code, step)


def _use_recovery_code(account, authenticator: Authenticator, code: str) -> bool:
    codes = RecoveryCodes(authenticator)
    if not codes.validate_code(code):  # locks the row and marks the code used
        return False
    codes.instance.record_usage()
    audit_record(
        actor=account,
        action=AuditAction.MFA_RECOVERY_CODE_USE,
        target=account,
        after={"codes_left": len(codes.get_unused_codes())},
    )
    return True


def use_second_factor(account, otp) -> str:
    """Check `otp` (a TOTP code or an unused recovery code) for an account with MFA and use it
    up: returns "totp" or "recovery_codes". Missing: 401 `mfa_required`; wrong, already used or
    replayed: 401 `invalid_otp`, and nothing is changed."""
    if otp is None or otp == "":
        raise Unauthorized(
            "This account has two-factor authentication: send `otp`, a code from the "
            "authenticator app or an unused recovery code.",
            code="mfa_required",
        )
    code = clean_code(otp)
    if code is not None:
        with transaction.atomic():
            rows = {
                a.type: a
                for a in Authenticator.objects.select_for_update().filter(
                    user=account,
                    type__in=(Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES),
                )
            }
            totp = rows.get(Authenticator.Type.TOTP)
            if totp is not None and use_totp_code(totp, code):
                return "totp"
            recovery = rows.get(Authenticator.Type.RECOVERY_CODES)
            if recovery is not None and _use_recovery_code(account, recovery, code):
                return "recovery_codes"
    raise Unauthorized("Wrong or already used code.", code="invalid_otp")


def check_token_second_factor(account, otp) -> None:
    """Token creation with a password: an account with MFA must also send `otp`
    (accounts.services.token_create_with_password). No-op for an account without MFA."""
    if has_mfa(account):
        use_second_factor(account, otp)


def mfa_overview(account) -> dict:
    """What Profile, Security shows: the authenticator app, the passkeys, the recovery codes."""
    rows = list(Authenticator.objects.filter(user=account).order_by("created_at"))
    totp = next((a for a in rows if a.type == Authenticator.Type.TOTP), None)
    recovery = next((a for a in rows if a.type == Authenticator.Type.RECOVERY_CODES), None)
    passkeys = [
        {"name": a.wrap().name, "created_at": a.created_at, "last_used_at": a.last_used_at}
        for a in rows
        if a.type == Authenticator.Type.WEBAUTHN
    ]
    codes = RecoveryCodes(recovery) if recovery is not None else None
    try:
        validate_can_add_authenticator(account)
        can_add = True
    except ValidationError:  # an unverified address: allauth adds no factor until it is verified
        can_add = False
    return {
        "can_add": can_add,
        "enabled": totp is not None or bool(passkeys),
        "totp": totp,
        "passkeys": passkeys,
        "recovery_left": len(codes.get_unused_codes()) if codes else 0,
        "recovery_total": len(codes.generate_codes()) if codes else 0,
    }
