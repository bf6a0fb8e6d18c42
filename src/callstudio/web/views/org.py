from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from callstudio.access.selectors import assignable_org_roles
from callstudio.core.errors import Conflict, DomainError
from callstudio.directory import services
from callstudio.directory.selectors import (
    former_team_memberships,
    member_active_teams,
    org_members_page,
    org_membership,
    still_in_teams_message,
)
from callstudio.orgs.models import OrgMembership

from ..context import org_page, render_org
from ..forms import MemberAddForm, apply_error, change_role_from_post, mark_role_editable
from . import invitations


def _members_url(access, archived=False):
    url = reverse("org_members", kwargs={"org_id": access.organization.id})
    return redirect(url + ("?status=archived" if archived else ""))


@org_page
@require_safe
def organization(request, access):
    """The Organization page: where Members, Roles and the Audit log are reached from."""
    return render_org(request, access, "web/organization.html", section="organization")


@org_page
@require_safe
def members(request, access):
    if request.GET.get("status") == "pending":
        return invitations.pending(request, access)
    status = "archived" if request.GET.get("status") == "archived" else "active"
    page = org_members_page(access=access, status=status, cursor=request.GET.get("cursor"))
    roles = assignable_org_roles(access=access) if access.has("org.members.roles") else []
    mark_role_editable(page.items, roles=roles, actor=request.user, allowed=status == "active")
    return render_org(
        request,
        access,
        "web/org_members.html",
        {"page": page, "status": status, "roles": roles},
        section="organization",
    )


@org_page
@require_http_methods(["GET", "POST"])
def member_add(request, access):
    access.require("org.members.add")
    form = MemberAddForm(
        request.POST or None,
        roles=assignable_org_roles(access=access),
        initial={"role": access.organization.default_role},
    )
    restore_account = None
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.org_member_add(
                access=access,
                account_id=form.cleaned_data["account_id"],
                role=form.cleaned_data["role"],
            )
        except Conflict as exc:
            if "restore" in exc.extra:
                restore_account = form.cleaned_data["account_id"].strip()
            apply_error(form, exc)
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request,
                f"{membership.account.name} ({membership.account.email}) added to "
                f"{access.organization.name}.",
            )
            return _members_url(access)
    return render_org(
        request,
        access,
        "web/org_member_add.html",
        {"form": form, "restore_account": restore_account},
        section="organization",
        status=422 if form.errors else 200,
    )


@org_page
@require_POST
def member_role(request, access, account_id):
    access.require("org.members.roles")
    change_role_from_post(
        request,
        roles=assignable_org_roles(access=access),
        change=lambda role: services.org_member_change_role(
            access=access, account_id=account_id, role=role
        ),
    )
    return _members_url(access)


@org_page
@require_http_methods(["GET", "POST"])
def member_revoke(request, access, account_id):
    """Confirmation first. Refused, naming the teams with links, while the member is in any team."""
    access.require("org.members.revoke")
    target = org_membership(access=access, account_id=account_id)
    blocked = None
    if request.method == "GET" and target.status == OrgMembership.ACTIVE:
        # Say it before asking for confirmation; the service refuses the POST the same way.
        teams = member_active_teams(access=access, account=target.account)
        if teams:
            blocked = Conflict(still_in_teams_message(teams), extra={"teams": teams})
    if request.method == "POST":
        try:
            services.org_member_revoke(access=access, account_id=account_id)
        except Conflict as exc:
            blocked = exc
        except DomainError as exc:
            messages.error(request, exc.detail)
            return _members_url(access)
        else:
            messages.success(
                request,
                f"{target.account.name} was revoked from the organization and is now "
                "archived. Their data is kept and can be restored.",
            )
            return _members_url(access, archived=True)
    return render_org(
        request,
        access,
        "web/org_member_revoke.html",
        {
            "target": target,
            "blocked": blocked,
            "teams": (blocked.extra.get("teams", []) if blocked else []),
        },
        section="organization",
        status=409 if blocked and request.method == "POST" else 200,
    )


@org_page
@require_http_methods(["GET", "POST"])
def member_restore(request, access, account_id):
    access.require("org.members.restore")
    target = org_membership(access=access, account_id=account_id)
    if request.method == "POST":
        try:
            services.org_member_restore(access=access, account_id=account_id)
        except DomainError as exc:
            messages.error(request, exc.detail)
            return _members_url(access, archived=True)
        messages.success(
            request, f"{target.account.name} is active again with their previous role."
        )
        return redirect("org_member_restored", org_id=access.organization.id, account_id=account_id)
    return render_org(
        request,
        access,
        "web/confirm.html",
        {
            "title": f"Restore {target.account.name}?",
            "text": "They become an active member again with the organization role they had. "
            "Their former teams are offered for re-adding next.",
            "confirm_label": "Restore",
            "danger": False,
            "cancel_url": reverse("org_members", args=[access.organization.id])
            + "?status=archived",
        },
        section="organization",
    )


@org_page
@require_safe
def member_restored(request, access, account_id):
    """After a restore (redirected to, so a reload resends nothing): the member's former teams,
    each re-added with one click."""
    access.require("org.members.restore")
    target = org_membership(access=access, account_id=account_id)
    if target.status != OrgMembership.ACTIVE:
        return redirect("org_member_restore", org_id=access.organization.id, account_id=account_id)
    former = former_team_memberships(access=access, account=target.account)
    return render_org(
        request,
        access,
        "web/org_member_restored.html",
        {"target": target, "former": former},
        section="organization",
    )
