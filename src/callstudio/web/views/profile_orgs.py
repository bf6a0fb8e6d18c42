"""Profile → Organizations: every organization the person belongs to, with Leave. Anyone may
leave (consent works both ways); the last active Admin is told why not before pressing it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from callstudio.access.resolve import resolve_org_to_leave
from callstudio.core.errors import Conflict
from callstudio.directory import services
from callstudio.directory.selectors import account_memberships, account_orgs

LAST_ADMIN = (
    "You are the last active Admin of {org}: make someone else an Admin first, so the "
    "organization keeps one."
)


@login_required
@require_safe
def organizations(request):
    return render(
        request,
        "web/profile_orgs.html",
        {
            "memberships": account_memberships(account=request.user),
            "orgs": [m.organization for m in account_orgs(account=request.user)],
            "section": "profile",
            "last_admin_text": LAST_ADMIN,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def leave(request, org_id):
    access = resolve_org_to_leave(request, org_id, account=request.user)
    name = access.organization.name
    blocked = None
    if request.method == "POST":
        try:
            services.org_member_leave(access=access)
        except Conflict as exc:
            last = exc.code == "last_admin"
            blocked = Conflict(LAST_ADMIN.format(org=name), code="last_admin") if last else exc
        else:
            messages.success(
                request,
                f"You left {name}. Your teams there were revoked; an admin can restore you.",
            )
            return redirect("profile_orgs")
    else:
        mine = next(
            (m for m in account_memberships(account=request.user) if m.organization_id == org_id),
            None,
        )
        if mine is not None and mine.last_admin:
            blocked = Conflict(LAST_ADMIN.format(org=name), code="last_admin")
    return render(
        request,
        "web/profile_org_leave.html",
        {
            "organization": access.organization,
            "blocked": blocked,
            "last_admin": LAST_ADMIN.format(org=name),
            "orgs": [m.organization for m in account_orgs(account=request.user)],
            "section": "profile",
        },
        status=409 if blocked and request.method == "POST" else 200,
    )
