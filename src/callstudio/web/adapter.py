from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from callstudio.accounts.services import account_create


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return settings.CALLSTUDIO_OPEN_SIGNUP

    def save_user(self, request, user, form, commit=True):
        """The browser's sign-up makes the account through the same service as the API (checks,
        rate limit, audit entry); allauth's unsaved `user` is dropped."""
        data = form.cleaned_data
        return account_create(
            email=data["email"],
            password=data["password1"],
            name=data["name"],
            client_ip=request.META.get("REMOTE_ADDR", ""),
        )
