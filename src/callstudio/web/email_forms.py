"""allauth's "add an address" form, saving through `email_change_request` (accounts/services.py):
the one rule for changing an address, whichever page asks. Its own module: allauth's forms
import web/forms.py (the sign-up form class), so web/forms.py cannot import them back."""

from allauth.account.forms import AddEmailForm as AllauthAddEmailForm

from callstudio.accounts.services import email_change_request


class AddEmailForm(AllauthAddEmailForm):
    def save(self, request):
        return email_change_request(
            request=request, account=self.user, email=self.cleaned_data["email"]
        )
