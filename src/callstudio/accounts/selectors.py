from .models import PersonalToken


def account_tokens(*, account) -> list[PersonalToken]:
    return list(
        PersonalToken.objects.filter(account=account, revoked_at__isnull=True).order_by(
            "-created_at"
        )
    )
