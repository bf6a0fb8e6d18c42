from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from callstudio.access.selectors import assignable_team_roles
from callstudio.calls.selectors import calls_page, readable_calls
from callstudio.core.errors import DomainError
from callstudio.directory import services
from callstudio.directory.selectors import (
    team_member_candidates,
    team_members_page,
    team_membership,
)

from ..context import render_team, team_page
from ..forms import (
    TeamForm,
    TeamMemberAddForm,
    apply_error,
    change_role_from_post,
    mark_role_editable,
)


def _team_url(access, name="team"):
    return redirect(name, org_id=access.org.organization.id, team_id=access.team.id)


@team_page("team")
@require_safe
def overview(request, access):
    can_read_calls = access.has("calls.read.all") or access.has("calls.read.own")
    recent = calls_page(access=access, limit=5).items if can_read_calls else []
    # "No calls yet" only for a team without any call the actor may read, archived ones included.
    has_calls = bool(recent) or (can_read_calls and readable_calls(access).exists())
    return render_team(
        request,
        access,
        "web/team_overview.html",
        {"recent": recent, "has_calls": has_calls},
        tab="team",
    )


@team_page("team_members")
@require_safe
def members(request, access):
    page = team_members_page(access=access, cursor=request.GET.get("cursor"))
    roles = assignable_team_roles(access=access) if access.has("team.members.manage") else []
    # A managed team's roles follow the IdP: shown as text, never as a select.
    allowed = not access.team.managed_by
    mark_role_editable(page.items, roles=roles, actor=request.user, allowed=allowed)
    return render_team(
        request, access, "web/team_members.html", {"page": page, "roles": roles}, tab="team_members"
    )


@team_page("team_members")
@require_http_methods(["GET", "POST"])
def member_add(request, access):
    access.require("team.members.manage")
    services.ensure_hand_change_allowed(access.team)  # 409 page naming the IdP
    form = TeamMemberAddForm(
        request.POST or None,
        candidates=team_member_candidates(access=access),
        roles=assignable_team_roles(access=access),
    )
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.team_member_add(
                access=access,
                account_id=form.cleaned_data["account_id"],
                role=form.cleaned_data["role"],
                agent_external_id=form.cleaned_data["agent_external_id"],
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"{membership.account.name} added to {access.team.name}.")
            return _team_url(access, "team_members")
    return render_team(
        request,
        access,
        "web/team_member_add.html",
        {"form": form},
        tab="team_members",
        status=422 if form.errors else 200,
    )


@team_page("team_members")
@require_POST
def member_role(request, access, account_id):
    access.require("team.members.manage")
    services.ensure_hand_change_allowed(access.team)
    change_role_from_post(
        request,
        roles=assignable_team_roles(access=access),
        where=f" in {access.team.name}",
        change=lambda role: services.team_member_change_role(
            access=access, account_id=account_id, role=role
        ),
    )
    return _team_url(access, "team_members")


@team_page("team_members")
@require_http_methods(["GET", "POST"])
def member_revoke(request, access, account_id):
    """Confirmation page on GET; the change only on POST."""
    access.require("team.members.manage")
    services.ensure_hand_change_allowed(access.team)
    target = team_membership(access=access, account_id=account_id)
    if request.method == "POST":
        try:
            services.team_member_revoke(access=access, account_id=account_id)
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(
                request,
                f"{target.account.name} was removed from {access.team.name}. "
                "Their access to other teams is unchanged.",
            )
        return _team_url(access, "team_members")
    return render_team(
        request,
        access,
        "web/confirm.html",
        {
            "title": f"Revoke {target.account.name} from {access.team.name}?",
            "text": "They lose access to this team only; their other teams are not affected. "
            "Their calls stay with the team.",
            "confirm_label": "Confirm",
            "danger": True,
            "cancel_url": reverse(
                "team_members", args=[access.org.organization.id, access.team.id]
            ),
        },
        tab="team_members",
    )


@team_page("team_settings")
@require_http_methods(["GET", "POST"])
def settings(request, access):
    can_manage = access.has("team.manage")
    initial = {"name": access.team.name, "description": access.team.description}
    form = TeamForm(request.POST or None, initial=initial) if can_manage else None
    if form is not None and access.team.managed_by:
        # Read-only, not disabled: the name is still sent, and a changed one gets the 409.
        form.fields["name"].widget.attrs["readonly"] = True
        form.fields["name"].help_text = services.managed_by_idp_detail(access.team, "name")
    conflict = False
    if request.method == "POST":
        access.require("team.manage")
        if form.is_valid():
            try:
                services.team_update(
                    access=access,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                )
            except DomainError as exc:
                apply_error(form, exc)
                conflict = exc.code == "managed_by_idp"
            else:
                messages.success(request, "Team settings saved.")
                return _team_url(access, "team_settings")
    example = (
        f"curl -X POST {request.scheme}://{request.get_host()}/api/v1/workflows/{access.team.workflow_id}/calls \\\n"
        "  -H 'Authorization: Bearer <ingest key>' -H 'Content-Type: application/json' \\\n"
        '  -d \'{"external_id": "call-0001", "started_at": "2026-11-28T09:30:00Z", '
        '"duration_seconds": 312, "direction": "inbound"}\''
    )
    return render_team(
        request,
        access,
        "web/team_settings.html",
        {"form": form, "can_manage": can_manage, "example": example},
        tab="team_settings",
        status=(409 if conflict else 422) if form is not None and form.errors else 200,
    )


@team_page("team_settings")
@require_http_methods(["GET", "POST"])
def rotate_workflow_id(request, access):
    access.require("team.manage")
    if request.method == "POST":
        team = services.team_rotate_workflow_id(access=access)
        messages.success(
            request, f"New workflow ID: {team.workflow_id}. The old one no longer works."
        )
        return _team_url(access, "team_settings")
    return render_team(
        request,
        access,
        "web/confirm.html",
        {
            "title": f"Rotate the workflow ID of {access.team.name}?",
            "text": f"The current workflow ID {access.team.workflow_id} stops working at once: every sender "
            "must switch to the new one.",
            "confirm_label": "Confirm",
            "danger": True,
            "cancel_url": reverse(
                "team_settings", args=[access.org.organization.id, access.team.id]
            ),
        },
        tab="team_settings",
    )


@team_page("team_members")
@require_POST
def member_agent_id(request, access, account_id):
    try:
        membership = services.team_member_set_agent_external_id(
            access=access,
            account_id=account_id,
            agent_external_id=request.POST.get("agent_external_id", ""),
        )
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.detail)
    else:
        messages.success(
            request, f"Agent ID of {membership.account.name} saved; their earlier calls are linked."
        )
    return _team_url(access, "team_members")


def _set_archived(request, access, *, archived: bool):
    """Archive or unarchive the team behind a confirmation page, through the API's service: an
    archived team keeps its members, calls and figures, and its workflow ID answers 410."""
    access.require("team.manage")
    services.ensure_hand_change_allowed(access.team, what="archive" if archived else "unarchive")
    name = access.team.name
    if request.method == "POST":
        services.team_set_archived(access=access, archived=archived)
        messages.success(
            request,
            f"{name} is archived: it takes no new calls until it is unarchived."
            if archived
            else f"{name} is active again: its workflow ID takes calls.",
        )
        return _team_url(access, "team_settings")
    if archived:
        title = f"Archive {name}?"
        text = (
            "Its members, calls and figures stay as they are, but calls sent to its workflow ID "
            "are refused until the team is unarchived."
        )
    else:
        title = f"Unarchive {name}?"
        text = "Calls sent to its workflow ID are taken again, with the same workflow ID."
    return render_team(
        request,
        access,
        "web/confirm.html",
        {
            "title": title,
            "text": text,
            "confirm_label": "Archive team" if archived else "Unarchive team",
            "danger": archived,
            "cancel_url": reverse(
                "team_settings", args=[access.org.organization.id, access.team.id]
            ),
        },
        tab="team_settings",
    )


@team_page("team_settings")
@require_http_methods(["GET", "POST"])
def archive(request, access):
    return _set_archived(request, access, archived=True)


@team_page("team_settings")
@require_http_methods(["GET", "POST"])
def unarchive(request, access):
    return _set_archived(request, access, archived=False)
