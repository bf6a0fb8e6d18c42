"""allauth's MFA code forms (the login's second step and re-authentication), with the TOTP code
checked by accounts.mfa: a used time-step is remembered in the authenticator row, not only in
allauth's cache marker, so a code cannot be replayed after a restart or on another web process.
Everything else (rate limit, recovery codes, failure signals) is allauth's own."""

from allauth.mfa.adapter import get_adapter
from allauth.mfa.base.forms import AuthenticateForm as AllauthAuthenticateForm
from allauth.mfa.base.forms import ReauthenticateForm as AllauthReauthenticateForm
from allauth.mfa.base.internal.flows import check_rate_limit
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from allauth.mfa.totp.internal.auth import TOTP
from django.db import transaction

from .mfa import clean_code, use_totp_code


def _accepts(authenticator: Authenticator, code: str) -> bool:
    if authenticator.type != Authenticator.Type.TOTP:
        return authenticator.wrap().validate_code(code)
    cleaned = clean_code(code)
    if cleaned is None:
        return False
    with transaction.atomic():
        locked = Authenticator.objects.select_for_update().get(pk=authenticator.pk)
        return use_totp_code(locked, cleaned)


class StepCheckedCodeMixin:
    """Replaces BaseAuthenticateForm.clean_code; the same steps, one check swapped."""

    def clean_code(self) -> str:
        clear_rate_limit = check_rate_limit(self.user)
        code = self.cleaned_data["code"]
        main = None
        for authenticator in Authenticator.objects.filter(user=self.user).exclude(
            type=Authenticator.Type.WEBAUTHN
        ):
            if main is None or authenticator.type == Authenticator.Type.TOTP:
                main = authenticator
            if _accepts(authenticator, code):
                authenticator.user = self.user
                self.authenticator = authenticator
                clear_rate_limit()
                return code
        if main is not None:
            self._emit_authentication_failed(main)
        raise get_adapter().validation_error("incorrect_code")


class AuthenticateForm(StepCheckedCodeMixin, AllauthAuthenticateForm):
    pass


class ReauthenticateForm(StepCheckedCodeMixin, AllauthReauthenticateForm):
    pass


class ActivateTOTPForm(AllauthActivateTOTPForm):
    """allauth's setup page checks the first code without using it up; here it is marked used
    (allauth's cache marker, keyed by account and code), so it cannot also pass the login's
    second step."""

    def clean_code(self) -> str:
        code = super().clean_code()
        TOTP(Authenticator(user_id=self.user.pk, type=Authenticator.Type.TOTP))._mark_code_used(
            code
        )
        return code
