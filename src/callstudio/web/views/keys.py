from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from callstudio.calls import selectors, services
from callstudio.core.errors import DomainError, NotFound
from callstudio.directory.selectors import org_team_choices

from ..context import org_page, render_org
from ..forms import IngestKeyForm, apply_error

NEW_KEY = "callstudio.new_ingest_key"


def _pop_new_key(request, access) -> str | None:
    shown = request.session.get(NEW_KEY)
    if not shown or shown.get("org") != access.organization.id:
        return None
    del request.session[NEW_KEY]
    return shown["key"]


@org_page
@require_http_methods(["GET", "POST"])
def api_keys(request, access):
    access.require("org.keys.manage")
    teams = org_team_choices(access=access)
    form = IngestKeyForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        team_ids = None if form.cleaned_data["scope"] == "all" else form.cleaned_data["teams"]
        try:
            _, raw = services.ingest_key_create(
                access=access, name=form.cleaned_data["name"], team_ids=team_ids
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            # Shown once, by the GET this redirects to: a reload then resends nothing, and the
            # key never travels in a URL.
            request.session[NEW_KEY] = {"org": access.organization.id, "key": raw}
            return redirect("api_keys", org_id=access.organization.id)
    new_key = _pop_new_key(request, access) if request.method == "GET" else None
    names = dict(teams)
    keys = [
        (k, [names.get(t, t) for t in k.team_ids] if k.team_ids is not None else None)
        for k in selectors.org_ingest_keys(access=access)
    ]
    return render_org(
        request,
        access,
        "web/api_keys.html",
        {"form": form, "keys": keys, "new_key": new_key},
        section="organization",
        status=422 if form.errors else 200,
    )


@org_page
@require_http_methods(["GET", "POST"])
def api_key_revoke(request, access, key_id):
    access.require("org.keys.manage")
    key = next((k for k in selectors.org_ingest_keys(access=access) if k.id == key_id), None)
    if request.method == "POST":
        try:
            services.ingest_key_revoke(access=access, key_id=key_id)
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(
                request, "API key revoked. Calls sent with it are refused from now on."
            )
        return redirect("api_keys", org_id=access.organization.id)
    if key is None:
        raise NotFound("API key not found.")
    return render_org(
        request,
        access,
        "web/confirm.html",
        {
            "title": f"Revoke the API key {key.name}?",
            "text": "Senders using it are refused at once. This cannot be undone.",
            "confirm_label": "Confirm",
            "danger": True,
            "cancel_url": reverse("api_keys", args=[access.organization.id]),
        },
        section="organization",
    )
