from allauth.account.adapter import get_adapter
from allauth.account.views import EmailView as AllauthEmailView
from allauth.account.views import LoginView
from allauth.account.views import SignupView as AllauthSignupView
from django.contrib import messages
from django.http import HttpResponseRedirect

from callstudio.core.errors import Conflict, Invalid

from ..errors import error_page
from ..forms import apply_error


class ThrottledLoginView(LoginView):
    """allauth's login, answering 429 with Retry-After (not 200) once an account or address has
    too many failed attempts; the form still says why."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        codes = {e.code for errors in form.errors.as_data().values() for e in errors}
        if "too_many_login_attempts" in codes:
            response.status_code = 429
            response["Retry-After"] = "300"
        return response


class SignupView(AllauthSignupView):
    """allauth's sign-up page; the account itself is made by `account_create` (the adapter's
    `save_user`), as for `POST /api/v1/accounts`. What the service refuses after the form passed
    (an email taken a moment ago) goes back to the form as its error."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except (Invalid, Conflict) as exc:
            apply_error(form, exc)
            response = self.form_invalid(form)
            response.status_code = exc.status
            return response


def too_many_requests(request, exception=None):
    """allauth's other rate limits (sign-up, password reset, ...) end here."""
    return error_page(
        request,
        429,
        "Too many requests",
        "Too many attempts. Wait a minute and try again.",
        retry_after=60,
    )


class EmailView(AllauthEmailView):
    """allauth's address page. allauth lets an account with no verified address make an
    unverified one primary, and the primary address is `Account.email`: that is how an agent
    could take another person's address, and the calls sent for it. Here only a verified address
    becomes primary; a new address waits for its link (ACCOUNT_CHANGE_EMAIL)."""

    def _action_primary(self, request, *args, **kwargs):
        address = self._get_email_address(request)
        if address is not None and not address.verified:
            get_adapter(request).add_message(
                request, messages.ERROR, "account/messages/unverified_primary_email.txt"
            )
            return HttpResponseRedirect(self.get_success_url())
        return super()._action_primary(request, *args, **kwargs)
