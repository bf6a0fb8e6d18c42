"""Organization > Settings > Domains: claim an email domain, see the TXT record to publish,
verify it, remove it (`org.manage`). The rules are sso/domains.py's, the same as the API's; a
refusal shows on the form (claiming) or on the domain's row (verifying, removing), with the
status the API would give."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from callstudio.core.errors import DomainError
from callstudio.sso import domains

from ..context import org_page, render_org
from ..forms import apply_error


class DomainForm(forms.Form):
    domain = forms.CharField(
        label="Domain",
        max_length=300,
        help_text="The part of your members' email addresses after the @, such as acme.com.",
    )


def _page(request, access, form, *, row_error=None, status=200):
    return render_org(
        request,
        access,
        "web/org_settings_domains.html",
        {
            "form": form,
            "domains": domains.domains_of(access=access),
            "row_error": row_error,  # (domain, message) of a refused verify or remove
        },
        section="organization",
        status=status,
    )


@org_page
@require_http_methods(["GET", "POST"])
def domain_list(request, access):
    access.require(domains.PERMISSION)
    form = DomainForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = domains.domain_add(access=access, domain=form.cleaned_data["domain"])
        except DomainError as exc:
            apply_error(form, exc)
            return _page(request, access, form, status=exc.status)
        messages.success(request, f"{row.domain} added. Publish its TXT record, then verify it.")
        return redirect("org_settings_domains", org_id=access.organization.id)
    return _page(request, access, form, status=422 if form.errors else 200)


def _row_action(request, access, domain: str, action, done: str):
    access.require(domains.PERMISSION)
    row = domains.domain_in_org(access=access, domain=domain)  # 404 page when not Acme's
    try:
        action(access=access, domain=row.domain)
    except DomainError as exc:
        return _page(
            request, access, DomainForm(), row_error=(row.domain, exc.detail), status=exc.status
        )
    messages.success(request, done.format(domain=row.domain))
    return redirect("org_settings_domains", org_id=access.organization.id)


@org_page
@require_POST
def domain_verify(request, access, domain: str):
    return _row_action(request, access, domain, domains.domain_verify, "{domain} is verified.")


@org_page
@require_POST
def domain_remove(request, access, domain: str):
    return _row_action(request, access, domain, domains.domain_remove, "{domain} was removed.")
