"""Audit entries for what allauth does to addresses. allauth verifies and swaps addresses itself
(its confirm-email page, our `email_verify`, a password reset by link); its signals are the one
place all of those pass, so the entries are written here, whichever path verified."""

from allauth.account.signals import email_changed, email_confirmed

from callstudio.core.audit import AuditAction, audit_record


def _audit_verified(sender, email_address, **kwargs) -> None:
    account = email_address.user
    audit_record(
        actor=account,
        action=AuditAction.ACCOUNT_EMAIL_VERIFY,
        target=account,
        after={"email": email_address.email},
    )


def _audit_changed(sender, user, from_email_address, to_email_address, **kwargs) -> None:
    if from_email_address is None:
        return  # the first verification of a sign-up address: nothing was replaced
    audit_record(
        actor=user,
        action=AuditAction.ACCOUNT_EMAIL_CHANGE,
        target=user,
        before={"email": from_email_address.email},
        after={"email": to_email_address.email},
    )


def connect() -> None:
    email_confirmed.connect(_audit_verified, dispatch_uid="callstudio.accounts.audit_verified")
    email_changed.connect(_audit_changed, dispatch_uid="callstudio.accounts.audit_changed")
