from types import SimpleNamespace
from urllib.parse import quote, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse

from callstudio.accounts.services import account_create, login_failed
from callstudio.core.links import absolute_url

INVITED_EMAIL = "callstudio.invited_email"  # set by the invitation page (views/invitations.py)


def canonical_site() -> SimpleNamespace:
    """What allauth's mail templates call `current_site`: the canonical URL's host, not the
    request's (allauth's default RequestSite is built from the Host header)."""
    return SimpleNamespace(name="CallStudio", domain=urlsplit(settings.CALLSTUDIO_URL).netloc)


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

    # --- Links in mail: built from CALLSTUDIO_URL (core/links.py), never from the Host header,
    # which the client chooses (a reset link to an attacker's host would hand them the key). ---

    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return absolute_url(path.replace("UID-KEY", quote(key)))

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return absolute_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def send_account_already_exists_mail(self, email: str) -> None:
        self.send_mail(
            "account/email/account_already_exists",
            email,
            {
                "signup_url": absolute_url(reverse("account_signup")),
                "password_reset_url": absolute_url(reverse("account_reset_password")),
            },
        )

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {**context, "current_site": canonical_site()}
        if "signup_url" in context:  # allauth's "unknown account" mail builds it from the Host
            context["signup_url"] = absolute_url(reverse("account_signup"))
        super().send_mail(template_prefix, email, context)

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
