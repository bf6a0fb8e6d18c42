"""Organization > Settings: name, the two-factor requirement and the default role, for holders of
`org.manage`. The service (directory/services/organizations.py) validates and audits."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from callstudio.access.selectors import assignable_org_roles
from callstudio.core.errors import DomainError
from callstudio.directory import services
from callstudio.directory.selectors import default_role_name
from callstudio.directory.services.organizations import NOT_A_DEFAULT

from ..context import org_page, render_org
from ..forms import apply_error


class OrgSettingsForm(forms.Form):
    name = forms.CharField(label="Organization name", max_length=100, strip=False)
    require_mfa = forms.BooleanField(
        label="Require two-factor authentication",
        required=False,
        help_text="Members without a second factor (an authenticator app or a passkey) keep "
        "their membership but can open nothing of the organization, over the browser or the "
        "API, until they set one up. You need one yourself to turn this on.",
    )
    default_role = forms.ChoiceField(
        label="Default role for new members",
        help_text="The organization role of someone added without a role being chosen.",
    )

    def __init__(self, *args, roles, current: tuple[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(k, n) for k, n in roles if k not in NOT_A_DEFAULT]
        # The current default stays selectable (unchanged, it is not re-checked) even when it
        # holds more than this actor may grant.
        if current[0] not in {k for k, _ in choices}:
            choices.insert(0, current)
        self.fields["default_role"].choices = choices


@org_page
@require_http_methods(["GET", "POST"])
def settings(request, access):
    access.require("org.manage")
    org = access.organization
    form = OrgSettingsForm(
        request.POST or None,
        roles=assignable_org_roles(access=access),
        current=(org.default_role, default_role_name(org)),
        initial={
            "name": org.name,
            "require_mfa": org.require_mfa,
            "default_role": org.default_role,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(access=access, **form.cleaned_data)
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect("org_settings", org_id=org.id)
    return render_org(
        request,
        access,
        "web/org_settings.html",
        {"form": form},
        section="organization",
        status=(409 if "require_mfa" in form.errors else 422) if form.errors else 200,
    )
