from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse

from callstudio.accounts.services import account_create
from callstudio.core.links import absolute_url

INVITED_EMAIL = "callstudio.invited_email"  # set by the invitation page (views/invitations.py)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        """Closed sign-up still lets someone who followed an invitation link sign up (with the
        invited address only: account_create checks it)."""
        return settings.CALLSTUDIO_OPEN_SIGNUP or bool(request.session.get(INVITED_EMAIL))

    def save_user(self, request, user, form, commit=True):
        """The browser's sign-up makes the account through the same service as the API (checks,
        rate limit, audit entry); allauth's unsaved `user` is dropped. allauth's form records the
        address and mails the verification link right after, so the service does neither."""
        data = form.cleaned_data
        return account_create(
            email=data["email"],
            password=data["password1"],
            name=data["name"],
            client_ip=request.META.get("REMOTE_ADDR", ""),
            invited_email=request.session.get(INVITED_EMAIL),
            record_address=False,
        )

    def get_email_confirmation_url(self, request, emailconfirmation):
        """`{CALLSTUDIO_URL}/accounts/confirm-email/{key}/`, never from the Host header."""
        return absolute_url(reverse("account_confirm_email", args=[emailconfirmation.key]))
