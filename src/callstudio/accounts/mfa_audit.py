"""Audit entries for what people change on allauth's MFA pages and use at its login stage.

allauth's views do the work and announce it with signals (allauth/mfa/signals.py); these
receivers turn each announcement into a declared `mfa.*` action on the account. (The API's
services audit inside their own transaction and send no signals: nothing is recorded twice.)
Recovery codes made together with a first factor are part of that factor's entry."""

from allauth.mfa import signals
from allauth.mfa.models import Authenticator

from callstudio.core.audit import AuditAction, audit_record

from .models import Account


def _account(authenticator) -> Account:
    # The row itself: allauth hands over `request.user`, a lazy wrapper, even on the authenticator.
    return Account.objects.get(pk=authenticator.user_id)


TOTP = Authenticator.Type.TOTP
WEBAUTHN = Authenticator.Type.WEBAUTHN
RECOVERY_CODES = Authenticator.Type.RECOVERY_CODES


def _passkey(authenticator) -> dict:
    return {"name": authenticator.wrap().name}


def on_added(sender, authenticator, **kwargs):
    user = _account(authenticator)
    if authenticator.type == TOTP:
        audit_record(actor=user, action=AuditAction.MFA_TOTP_ENABLE, target=user)
    elif authenticator.type == WEBAUTHN:
        audit_record(
            actor=user,
            action=AuditAction.MFA_PASSKEY_ADD,
            target=user,
            after=_passkey(authenticator),
        )


def on_removed(sender, authenticator, **kwargs):
    user = _account(authenticator)
    if authenticator.type == TOTP:
        audit_record(actor=user, action=AuditAction.MFA_TOTP_DISABLE, target=user)
    elif authenticator.type == WEBAUTHN:
        audit_record(
            actor=user,
            action=AuditAction.MFA_PASSKEY_REMOVE,
            target=user,
            before=_passkey(authenticator),
        )
    elif authenticator.type == RECOVERY_CODES:
        audit_record(actor=user, action=AuditAction.MFA_RECOVERY_CODES_REMOVE, target=user)


def on_reset(sender, authenticator, **kwargs):
    user = _account(authenticator)
    if authenticator.type == RECOVERY_CODES:
        audit_record(actor=user, action=AuditAction.MFA_RECOVERY_CODES_REGENERATE, target=user)


def on_used(sender, authenticator, **kwargs):
    user = _account(authenticator)
    if authenticator.type == RECOVERY_CODES:
        # Reloaded: the instance allauth hands over predates its marking the code used.
        fresh = Authenticator.objects.get(pk=authenticator.pk)
        left = len(fresh.wrap().get_unused_codes())
        audit_record(
            actor=user,
            action=AuditAction.MFA_RECOVERY_CODE_USE,
            target=user,
            after={"codes_left": left},
        )


def connect() -> None:
    """Called once from AccountsConfig.ready()."""
    uid = "callstudio.accounts.mfa_audit"
    signals.authenticator_added.connect(on_added, dispatch_uid=uid + ".added")
    signals.authenticator_removed.connect(on_removed, dispatch_uid=uid + ".removed")
    signals.authenticator_reset.connect(on_reset, dispatch_uid=uid + ".reset")
    signals.authenticator_used.connect(on_used, dispatch_uid=uid + ".used")
