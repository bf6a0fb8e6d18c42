from allauth.account.models import EmailAddress

from .models import Account, PersonalToken


def account_tokens(*, account) -> list[PersonalToken]:
    return list(
        PersonalToken.objects.filter(account=account, revoked_at__isnull=True).order_by(
            "-created_at"
        )
    )


def email_verified(*, account) -> bool:
    """Is the account's address (`Account.email`, the primary) verified?"""
    return EmailAddress.objects.filter(user=account, email=account.email, verified=True).exists()


def pending_email(*, account) -> str | None:
    """An address the account asked to change to, waiting for its link to be opened."""
    address = (
        EmailAddress.objects.filter(user=account, verified=False)
        .exclude(email=account.email)
        .order_by("-pk")
        .first()
    )
    return address.email if address else None


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
