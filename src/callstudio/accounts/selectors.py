from allauth.usersessions.models import UserSession
from django.db.models import Q

from callstudio.core.models import AuditLogEntry
from callstudio.core.pagination import Page, paginate

from .models import PersonalToken


def account_tokens(*, account) -> list[PersonalToken]:
    return list(
        PersonalToken.objects.filter(account=account, revoked_at__isnull=True).order_by(
            "-created_at"
        )
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
