"""allauth's "add an address" form, saving through `email_change_request` (accounts/services.py):
the one rule for changing an address, whichever page asks. Its own module: allauth's forms
import web/forms.py (the sign-up form class), so web/forms.py cannot import them back."""

from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from django import forms

from callstudio.accounts.selectors import email_held_elsewhere
from callstudio.accounts.services import email_change_request, ensure_address_not_sso_managed
from callstudio.core.errors import DomainError


class AddEmailForm(AllauthAddEmailForm):
    def clean_email(self) -> str:
        """allauth stays quiet about an address another account holds (enumeration), but sign-up
        already answers 409 for one, so hiding it here protects nothing and leaves the person
        waiting for a link that never comes: say so."""
        email = super().clean_email()
        try:
            ensure_address_not_sso_managed(self.user)
        except DomainError as exc:
            raise forms.ValidationError(exc.detail, code=exc.code) from None
        if email_held_elsewhere(email=email, account=self.user):
            raise forms.ValidationError(
                "This email address belongs to another account.", code="email_taken"
            )
        return email

    def save(self, request):
        return email_change_request(
            request=request, account=self.user, email=self.cleaned_data["email"]
        )
