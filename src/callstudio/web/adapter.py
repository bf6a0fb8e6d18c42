from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from callstudio.accounts.services import account_create, login_failed


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

    def _get_login_attempts_cache_key(self, request, **credentials):
        """allauth counts failed logins per address and per this key. Its own key is the email
        alone, so a stranger's failures locked the owner out everywhere; keyed by (email,
        address), they lock out only the address they come from."""
        login = credentials.get("email", credentials.get("username", "")) or ""
        return f"{login.lower()}|{self.get_client_ip(request)}"

    def authentication_failed(self, request, **credentials):
        """A wrong password goes into the account's security log."""
        login_failed(
            email=credentials.get("email", credentials.get("username", "")),
            client_ip=request.META.get("REMOTE_ADDR", ""),
        )
