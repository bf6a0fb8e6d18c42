from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.db.models import Q

from callstudio.core.models import AuditLogEntry
from callstudio.core.pagination import Page, paginate

from .models import Account, PersonalToken, email_domain


def account_tokens(*, account) -> list[PersonalToken]:
    return list(
        PersonalToken.objects.filter(account=account, revoked_at__isnull=True).order_by(
            "-created_at"
        )
    )


def email_state(*, account) -> tuple[bool, str | None]:
    """(email_verified, pending_email) in one query over the account's addresses."""
    rows = (
        EmailAddress.objects.filter(user=account).order_by("-pk").values_list("email", "verified")
    )
    verified = any(email == account.email and ok for email, ok in rows)
    pending = next((email for email, ok in rows if not ok and email != account.email), None)
    return verified, pending


def verified_emails(account_pks) -> list[tuple[int, str]]:
    """(account pk, address) of the verified addresses of these accounts, in one query: the only
    addresses that may link calls to an account (an unverified one counts for nothing)."""
    return list(
        EmailAddress.objects.filter(user_id__in=list(account_pks), verified=True).values_list(
            "user_id", "email"
        )
    )


def email_held_elsewhere(*, email: str, account) -> bool:
    """Does another account hold this address (its login address, or any recorded address,
    verified or pending)? One account per address."""
    email = email.strip().lower()
    return (
        EmailAddress.objects.filter(email=email).exclude(user_id=account.pk).exists()
        or Account.objects.filter(email=email).exclude(pk=account.pk).exists()
    )


def account_sessions(*, account) -> list[UserSession]:
    """The account's signed-in browser sessions, most recently seen first."""
    return list(UserSession.objects.filter(user=account).order_by("-last_seen_at", "-pk"))


def security_log_page(*, account, cursor: str | None, limit: int | None) -> Page:
    """The account's own security events, newest first: entries with no organization whose actor
    is the account (tokens, sessions, password, MFA, email) or whose target it is (sign-ins,
    failed ones too, whoever tried)."""
    qs = AuditLogEntry.objects.filter(organization__isnull=True).filter(
        Q(actor=account) | Q(target_type="account", target_id=account.account_id)
    )
    return paginate(qs, keys=("id",), cursor=cursor, limit=limit, descending=True)


def sso_managed_address_of(account) -> str | None:
    """The name of an organization whose SSO the account's address is bound to: the address is
    in a domain it verified, it requires SSO, and the account is an active member. Moving off
    that address would take the member out of `require_sso`'s reach, so it is refused
    (accounts.services.email_change_request). Read by relation name: accounts sits below orgs
    and sso in the layers. One query."""
    domain = email_domain(account.email)
    if not domain:
        return None
    return (
        account.org_memberships.filter(
            status="active",
            organization__sso__require_sso=True,
            organization__domains__domain=domain,
            organization__domains__verified_at__isnull=False,
        )
        .values_list("organization__name", flat=True)
        .first()
    )
