from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from callstudio.core.errors import DomainError
from callstudio.directory import services
from callstudio.directory.selectors import account_orgs, teams_page

from ..context import org_page, render_org
from ..forms import OrganizationForm, TeamForm, apply_error


@require_safe
def home(request):
    """`/`: the last used organization, the onboarding page without one, or the login page."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    orgs = [m.organization.id for m in account_orgs(account=request.user)]
    if not orgs:
        return redirect("onboarding")
    target = request.user.last_org_id if request.user.last_org_id in orgs else orgs[0]
    return redirect("org_home", org_id=target)


@login_required
@require_http_methods(["GET", "POST"])
def onboarding(request):
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organization_create(actor=request.user, name=form.cleaned_data["name"])
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"Organization {org.name} created. You are its Admin.")
            return redirect("org_home", org_id=org.id)
    orgs = [m.organization for m in account_orgs(account=request.user)]
    return render(
        request, "web/onboarding.html", {"form": form, "orgs": orgs, "section": "onboarding"}
    )


@org_page
@require_safe
def org_home(request, access):
    cursor = request.GET.get("cursor")
    page = teams_page(access=access, cursor=cursor, limit=60)
    return render_org(request, access, "web/org_home.html", {"page": page}, section="teams")


@org_page
@require_http_methods(["GET", "POST"])
def team_create(request, access):
    access.require("teams.create")
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(
                access=access,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"Team {team.name} created.")
            return redirect("team", org_id=access.organization.id, team_id=team.id)
    return render_org(
        request,
        access,
        "web/team_create.html",
        {"form": form},
        section="teams",
        status=422 if form.errors else 200,
    )
