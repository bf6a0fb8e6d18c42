"""Second factors for tests: a real allauth TOTP authenticator, as enrollment would store it."""

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from callstudio.access.policy import org_access
from callstudio.directory.services import organization_update


def give_mfa(account) -> str:
    secret = generate_totp_secret()
    TOTP.activate(account, secret)
    return secret


def require_mfa(world) -> None:
    """Acme requires MFA; its Admin has a second factor (as turning it on demands)."""
    give_mfa(world["admin"].account)
    organization_update(access=org_access(world["admin"].account, world.org.id), require_mfa=True)
