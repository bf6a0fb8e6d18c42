"""What second factors an account has. allauth's MFA app owns the authenticators (TOTP, WebAuthn
passkeys, recovery codes); this is the one place the rest of CallStudio asks about them."""

from allauth.mfa.models import Authenticator

# Recovery codes back up another factor; on their own they are not a second factor.
FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def mfa_types(account) -> list[str]:
    """The account's second factors, e.g. ["totp", "webauthn"] (sorted, no duplicates)."""
    types = Authenticator.objects.filter(user=account, type__in=FACTOR_TYPES).values_list(
        "type", flat=True
    )
    return sorted(set(types))


def has_mfa(account) -> bool:
    """One query: does the account have a second factor (TOTP or a passkey)?"""
    return Authenticator.objects.filter(user=account, type__in=FACTOR_TYPES).exists()
