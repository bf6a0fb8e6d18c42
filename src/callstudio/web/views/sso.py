"""Single sign-on pages (PRODUCT §8.1).

- Organization > Settings > SSO: the connection form and the values to paste into the identity
  provider, for holders of `org.manage`; the same service as `PUT /api/v1/orgs/{org}/sso`.
- Sign in with SSO (`/sso/`): an email → the organization that verified its domain → its
  sign-in page.
- `/sso/<org>/login`: a page with "Continue with ..."; its POST starts allauth's flow (allauth
  starts logins from a POST only, so no link or image can start one behind a person's back)."""

import requests
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.openid_connect import views as allauth_oidc_views
from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from callstudio.access.selectors import assignable_org_roles
from callstudio.core.errors import DomainError, NotFound
from callstudio.directory.services.organizations import NOT_A_DEFAULT
from callstudio.sso import http, saml, selectors, services
from callstudio.sso.adapter import NONCE_KEY, new_nonce, refused

from ..context import org_page, render_org
from ..forms import apply_error
from ..middleware import CSP

LOGIN_HINT_KEY = "callstudio_sso_login_hint"  # the email given on /sso/, for the IdP
SECRET_HELP = (
    "Write-only: it is stored encrypted and never shown again. Leave empty to keep the stored one."
)


class SsoForm(forms.Form):
    protocol = forms.ChoiceField(
        label="Protocol",
        choices=[("oidc", "OpenID Connect"), ("saml", "SAML 2.0")],
        widget=forms.RadioSelect,
    )
    issuer = forms.CharField(
        label="Issuer URL",
        required=False,
        max_length=500,
        help_text="OpenID Connect: the IdP's issuer, e.g. https://example.okta.com. CallStudio "
        "reads <issuer>/.well-known/openid-configuration when you save.",
    )
    client_id = forms.CharField(label="Client ID", required=False, max_length=255)
    client_secret = forms.CharField(
        label="Client secret",
        required=False,
        max_length=1000,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=SECRET_HELP,
    )
    idp_metadata_xml = forms.CharField(
        label="IdP metadata XML",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="SAML 2.0: paste the identity provider's metadata document.",
    )
    jit = forms.BooleanField(
        label="Create accounts and memberships at first sign-in (just in time)",
        required=False,
        help_text="Someone your identity provider signs in, with an address in a verified "
        "domain, gets an account (if they have none) and joins with the role below.",
    )
    default_role = forms.ChoiceField(
        label="Role of people added at first sign-in",
        help_text="The organization role a just-in-time member gets.",
    )
    require_sso = forms.BooleanField(
        label="Require SSO for members in verified domains",
        required=False,
        help_text="Their password sessions and tokens no longer reach the organization. Admins "
        "with two-factor authentication keep password access (break-glass).",
    )

    def __init__(self, *args, roles, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(k, n) for k, n in roles if k not in NOT_A_DEFAULT]
        if current not in {k for k, _ in choices}:
            choices.insert(0, (current, current))
        self.fields["default_role"].choices = choices


def _initial(view: dict) -> dict:
    keys = ("protocol", "issuer", "client_id", "jit", "default_role", "require_sso")
    initial = {k: view[k] for k in keys}
    initial["protocol"] = initial["protocol"] or "oidc"
    return initial


@org_page
@require_http_methods(["GET", "POST"])
def settings_sso(request, access):
    connection = selectors.connection_of(access)  # 403 without org.manage
    view = selectors.connection_view(access.organization.id, connection)
    form = SsoForm(
        request.POST or None,
        roles=assignable_org_roles(access=access),
        current=view["default_role"],
        initial=_initial(view),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.sso_update(access=access, **data)
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "SSO settings saved.")
            return redirect("org_settings_sso", org_id=access.organization.id)
    return render_org(
        request,
        access,
        "web/org_settings_sso.html",
        {"form": form, "sso": view, "settings_tab": "sso"},
        section="organization",
        status=422 if form.errors else 200,
    )


@org_page
@require_http_methods(["GET", "POST"])
def settings_sso_delete(request, access):
    connection = selectors.connection_of(access)
    if request.method == "POST":
        try:
            services.sso_delete(access=access)
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, "SSO connection removed. Members sign in with a password.")
        return redirect("org_settings_sso", org_id=access.organization.id)
    if connection is None:
        raise NotFound("This organization has no SSO connection.", code="no_sso")
    return render_org(
        request,
        access,
        "web/confirm.html",
        {
            "title": "Remove the SSO connection?",
            "text": "Members can no longer sign in through the identity provider, and the links "
            "between their accounts and the provider are removed. Accounts and memberships stay.",
            "confirm_label": "Remove",
            "danger": True,
            "cancel_url": reverse("org_settings_sso", args=[access.organization.id]),
        },
        section="organization",
    )


class SsoEmailForm(forms.Form):
    email = forms.EmailField(label="Work email", max_length=254)


def _provider(request, org_id: str):
    """allauth's provider for the organization's connection, or None (no connection, or a SAML
    connection while SAML sign-in is not available)."""
    if selectors.connection_for_login(org_id) is None:
        return None
    try:
        return get_adapter(request).get_provider(request, org_id)
    except ObjectDoesNotExist:
        return None


def _start(request, provider, org_id: str):
    """allauth's redirect to the IdP. OpenID Connect gets a fresh `nonce` too, kept in allauth's
    state (the session) and checked against the ID token at the callback (sso/adapter.py)."""
    extra = {}
    if provider.id == "openid_connect":
        nonce = new_nonce()
        params = {**provider.get_auth_params(), "nonce": nonce}
        if hint := request.session.pop(LOGIN_HINT_KEY, None):
            params["login_hint"] = hint
        extra = {"auth_params": params, NONCE_KEY: nonce}
    try:
        return provider.redirect(request, process="login", next_url=f"/o/{org_id}/", **extra)
    except requests.RequestException:
        # The discovery document is read again here: the IdP is down, or its address is one the
        # server may not reach (sso/http.py).
        return refused(
            request,
            org=selectors.connection_for_login(org_id).organization,
            code="idp_unreachable",
            message="The identity provider cannot be reached right now. Try again in a "
            "moment, or sign in with your password.",
            status=502,
        )


@require_http_methods(["GET", "POST"])
def sso_start(request):
    form = SsoEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        connection = selectors.connection_for_email(form.cleaned_data["email"])
        if connection is not None and _provider(request, connection.organization_id):
            # To the organization's sign-in page: its policy lets the form reach that IdP. The
            # address goes along as the IdP's `login_hint`, so it is not typed twice.
            request.session[LOGIN_HINT_KEY] = form.cleaned_data["email"]
            return redirect("sso_login", org_id=connection.organization_id)
        form.add_error(
            "email",
            "No organization signs in with SSO for this email's domain. Sign in with your "
            "password, or ask your Admin whether your domain is verified.",
        )
    return render(request, "web/sso_start.html", {"form": form}, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def sso_login(request, org_id):
    provider = _provider(request, org_id)
    if provider is None:
        raise NotFound("This organization does not sign in with SSO.", code="no_sso")
    if request.method == "POST":
        return _start(request, provider, org_id)
    connection = selectors.connection_for_login(org_id)
    response = render(
        request,
        "web/sso_login.html",
        {"sso_org": connection.organization, "provider_name": provider.name},
    )
    response["Content-Security-Policy"] = _policy(connection)
    return response


def _policy(connection) -> str:
    """The site's policy (web/middleware.py), but the form may lead to the identity provider:
    browsers apply `form-action` to the redirects that follow a form's submission."""
    if connection.protocol == "oidc":
        target = http.authorization_origin(connection.issuer) or ""
    else:
        target = saml.idp_origin(connection)  # the SSO service its metadata names
    return CSP.replace("form-action 'self'", f"form-action 'self' {target}".rstrip())


def oidc_callback(request, provider_id):
    """allauth's OpenID Connect callback, unchanged, but an IdP out of reach at that moment
    (allauth reads its discovery document before its own error handling) is the refusal page
    rather than a server error."""
    try:
        return allauth_oidc_views.callback(request, provider_id=provider_id)
    except requests.RequestException:
        return refused(
            request,
            code="idp_unreachable",
            message="The identity provider could not be reached to finish the sign-in. Try "
            "again in a moment.",
            status=502,
        )
