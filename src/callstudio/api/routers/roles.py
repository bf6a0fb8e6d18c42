from ninja import Router, Status

from callstudio.access import services
from callstudio.access.permissions import CATALOG
from callstudio.access.roles import BUILTIN_ROLES
from callstudio.access.selectors import org_custom_roles
from callstudio.api import render
from callstudio.api.deps import request_org
from callstudio.api.schemas import (
    AuditPage,
    PermissionOut,
    Problem,
    RoleCreateIn,
    RoleOut,
    RolePage,
    RolePatchIn,
)
from callstudio.directory.selectors import audit_log_page

router = Router(tags=["roles and audit"])
ERRORS = {403: Problem, 404: Problem, 409: Problem, 422: Problem}


@router.get("/permissions", response=list[PermissionOut])
def permission_catalog(request):
    return [render.permission(p) for p in CATALOG]


@router.get("/orgs/{org}/roles", response={200: RolePage, 404: Problem})
def list_roles(request, org: str):
    access = request_org(request, org)
    access.require("org.read")
    items = [render.builtin_role(r) for r in BUILTIN_ROLES.values()]
    items += [render.custom_role(r) for r in org_custom_roles(access=access)]
    return Status(200, {"items": items, "next_cursor": None})


@router.post("/orgs/{org}/roles", response={201: RoleOut, **ERRORS})
def create_role(request, org: str, payload: RoleCreateIn):
    role = services.role_create(
        access=request_org(request, org),
        name=payload.name,
        scope=payload.scope,
        permissions=payload.permissions,
        description=payload.description,
    )
    return Status(201, render.custom_role(role))


@router.patch("/orgs/{org}/roles/{role}", response={200: RoleOut, **ERRORS})
def update_role(request, org: str, role: str, payload: RolePatchIn):
    updated = services.role_update(
        access=request_org(request, org),
        role_id=role,
        name=payload.name,
        scope=payload.scope,
        permissions=payload.permissions,
        description=payload.description,
    )
    return Status(200, render.custom_role(updated))


@router.delete("/orgs/{org}/roles/{role}", response={204: None, **ERRORS})
def delete_role(request, org: str, role: str):
    services.role_delete(access=request_org(request, org), role_id=role)
    return Status(204, None)


@router.get("/orgs/{org}/audit-log", response={200: AuditPage, **ERRORS})
def audit_log(
    request,
    org: str,
    actor: str | None = None,
    action: str | None = None,
    team: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
):
    page = audit_log_page(
        access=request_org(request, org),
        actor=actor,
        action=action,
        team=team,
        cursor=cursor,
        limit=limit,
    )
    return Status(
        200,
        {
            "items": [render.audit_entry(e) for e in page.items],
            "next_cursor": page.next_cursor,
        },
    )
