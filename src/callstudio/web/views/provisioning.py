"""Organization > Settings > Provisioning (PRODUCT §8.2): what an identity provider needs to
provision by SCIM (the base URL and a token, shown once like API keys) and the team role its
groups' members get. `org.manage`. The same services as the API (scim/tokens.py and
`organization_update`), which validate and audit."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from callstudio.access.roles import BUILTIN_ROLES
from callstudio.access.selectors import org_custom_roles, org_wide_team_roles
from callstudio.core.errors import DomainError, NotFound
from callstudio.core.links import absolute_url
from callstudio.directory import services
from callstudio.scim import tokens

from ..context import org_page, render_org
from ..forms import apply_error

NEW_TOKEN = "callstudio.new_scim_token"


class ScimTokenForm(forms.Form):
    name = forms.CharField(
        label="Identity provider",
        max_length=100,
        strip=False,
        help_text="How CallStudio names it: the audit log and the teams it manages show this "
        "name (e.g. Okta, Microsoft Entra ID).",
    )


class ScimTeamRoleForm(forms.Form):
    scim_team_role = forms.ChoiceField(
        label="Team role of group members",
        help_text="The role a member of an identity provider's group gets in the team made of "
        "that group. Changing it applies to members the identity provider adds from now on.",
    )

    def __init__(self, *args, roles, current: tuple[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(roles)
        # The current role stays selectable even when it holds more than this actor may grant.
        if current[0] not in {k for k, _ in choices}:
            choices.insert(0, current)
        self.fields["scim_team_role"].choices = choices


def _current_role(access) -> tuple[str, str]:
    ref = access.organization.scim_team_role
    names = dict((r.id, r.name) for r in org_custom_roles(access=access))
    builtin = BUILTIN_ROLES.get(ref)
    return ref, builtin.name if builtin else names.get(ref, ref)


def _pop_new_token(request, access) -> str | None:
    shown = request.session.get(NEW_TOKEN)
    if not shown or shown.get("org") != access.organization.id:
        return None
    del request.session[NEW_TOKEN]
    return shown["token"]


def _page(request, access, *, token_form=None, role_form=None, status=200):
    org = access.organization
    roles = org_wide_team_roles(access=access)
    if role_form is None:
        role_form = ScimTeamRoleForm(
            roles=roles,
            current=_current_role(access),
            initial={"scim_team_role": org.scim_team_role},
        )
    new_token = _pop_new_token(request, access) if request.method == "GET" else None
    return render_org(
        request,
        access,
        "web/org_settings_provisioning.html",
        {
            "base_url": absolute_url(f"/scim/v2/{org.id}/"),
            "tokens": tokens.org_scim_tokens(access=access),
            "token_form": token_form or ScimTokenForm(),
            "role_form": role_form,
            "new_token": new_token,
        },
        section="organization",
        status=status,
    )


@org_page
@require_http_methods(["GET", "POST"])
def provisioning(request, access):
    """GET shows the page; POST creates a token. The secret is shown once, by the GET the POST
    redirects to: a reload resends nothing and the token never travels in a URL."""
    access.require("org.manage")
    form = ScimTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _, raw = tokens.scim_token_create(access=access, name=form.cleaned_data["name"])
        except DomainError as exc:
            apply_error(form, exc)
        else:
            request.session[NEW_TOKEN] = {"org": access.organization.id, "token": raw}
            return redirect("org_settings_provisioning", org_id=access.organization.id)
    return _page(request, access, token_form=form, status=422 if form.errors else 200)


@org_page
@require_POST
def team_role(request, access):
    access.require("org.manage")
    org = access.organization
    form = ScimTeamRoleForm(
        request.POST, roles=org_wide_team_roles(access=access), current=_current_role(access)
    )
    if form.is_valid():
        try:
            services.organization_update(
                access=access, scim_team_role=form.cleaned_data["scim_team_role"]
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Team role of group members saved.")
            return redirect("org_settings_provisioning", org_id=org.id)
    return _page(request, access, role_form=form, status=422)


@org_page
@require_http_methods(["GET", "POST"])
def token_revoke(request, access, scim_token_id):
    """Confirmation page on GET; the change only on POST."""
    access.require("org.manage")
    token = next((t for t in tokens.org_scim_tokens(access=access) if t.id == scim_token_id), None)
    if token is None:
        raise NotFound("SCIM token not found.")
    if request.method == "POST":
        try:
            tokens.scim_token_revoke(access=access, token_id=scim_token_id)
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(
                request,
                f"SCIM token {token.name} revoked: the identity provider using it is refused "
                "from now on.",
            )
        return redirect("org_settings_provisioning", org_id=access.organization.id)
    return render_org(
        request,
        access,
        "web/confirm.html",
        {
            "title": f"Revoke the SCIM token {token.name}?",
            "text": "The identity provider using it can no longer provision members or teams. "
            "Teams it manages stay managed: a new token takes over. This cannot be undone.",
            "confirm_label": "Confirm",
            "danger": True,
            "cancel_url": reverse("org_settings_provisioning", args=[access.organization.id]),
        },
        section="organization",
    )
