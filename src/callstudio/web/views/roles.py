from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from callstudio.access import services
from callstudio.access.roles import BUILTIN_ROLES
from callstudio.access.selectors import org_custom_roles, role_get, role_usage_counts
from callstudio.core.errors import DomainError

from ..context import org_page, render_org
from ..forms import RoleForm, apply_error, permission_groups
from .audit import audit_log  # noqa: F401  (the audit log page lives in views/audit.py)


@org_page
@require_safe
def roles(request, access):
    access.require("org.read")
    custom = org_custom_roles(access=access)
    usage = role_usage_counts(access=access) if custom else {}
    return render_org(
        request,
        access,
        "web/roles.html",
        {
            "builtin": list(BUILTIN_ROLES.values()),
            "custom": [(r, usage.get(r.id, 0)) for r in custom],
            "can_manage": access.has("org.roles.manage"),
        },
        section="organization",
    )


@org_page
@require_http_methods(["GET", "POST"])
def role_edit(request, access, role_id=None):
    access.require("org.roles.manage")
    role = role_get(access=access, role_id=role_id) if role_id else None
    initial = (
        {
            "name": role.name,
            "description": role.description,
            "scope": role.scope,
            "permissions": role.permissions,
        }
        if role
        else {"scope": "team"}
    )
    form = RoleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if role:
                services.role_update(
                    access=access,
                    role_id=role.id,
                    name=data["name"],
                    scope=data["scope"],
                    description=data["description"],
                    permissions=data["permissions"],
                )
            else:
                role = services.role_create(
                    access=access,
                    name=data["name"],
                    scope=data["scope"],
                    description=data["description"],
                    permissions=data["permissions"],
                )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"Role {data['name']} saved.")
            return redirect("roles", org_id=access.organization.id)
    selected = form.data.getlist("permissions") if form.is_bound else initial.get("permissions", [])
    return render_org(
        request,
        access,
        "web/role_form.html",
        {
            "form": form,
            "role": role,
            "groups": permission_groups(selected),
        },
        section="organization",
        status=422 if form.errors else 200,
    )


@org_page
@require_http_methods(["GET", "POST"])
def role_delete(request, access, role_id):
    access.require("org.roles.manage")
    role = role_get(access=access, role_id=role_id)
    if request.method == "POST":
        try:
            services.role_delete(access=access, role_id=role.id)
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, f"Role {role.name} deleted.")
        return redirect("roles", org_id=access.organization.id)
    return render_org(
        request,
        access,
        "web/confirm.html",
        {
            "title": f"Delete the role {role.name}?",
            "text": "A role still held by a member (active or archived) or in a team cannot be deleted.",
            "confirm_label": "Confirm",
            "danger": True,
            "cancel_url": reverse("roles", args=[access.organization.id]),
        },
        section="organization",
    )
