from ninja import Router, Status

from callstudio.api import render
from callstudio.api.deps import request_org
from callstudio.api.schemas import (
    MemberAddIn,
    MemberOut,
    MemberPage,
    MemberStatusOut,
    Problem,
    RestoredOut,
    RoleIn,
)
from callstudio.directory import selectors, services

router = Router(tags=["organization members"])
ERRORS = {403: Problem, 404: Problem, 409: Problem, 422: Problem}


@router.get(
    "/orgs/{org}/members", response={200: MemberPage, 403: Problem, 404: Problem, 422: Problem}
)
def list_members(
    request, org: str, status: str = "active", cursor: str | None = None, limit: int | None = None
):
    page = selectors.org_members_page(
        access=request_org(request, org), status=status, cursor=cursor, limit=limit
    )
    return {"items": [render.member(m) for m in page.items], "next_cursor": page.next_cursor}


@router.post("/orgs/{org}/members", response={201: MemberOut, **ERRORS})
def add_member(request, org: str, payload: MemberAddIn):
    membership = services.org_member_add(
        access=request_org(request, org), account_id=payload.account_id, role=payload.role
    )
    return Status(201, render.member(membership))


@router.patch("/orgs/{org}/members/{account_id}", response={200: MemberOut, **ERRORS})
def change_member_role(request, org: str, account_id: str, payload: RoleIn):
    membership = services.org_member_change_role(
        access=request_org(request, org), account_id=account_id, role=payload.role
    )
    return Status(200, render.member(membership))


@router.delete("/orgs/{org}/members/{account_id}", response={200: MemberStatusOut, **ERRORS})
def revoke_member(request, org: str, account_id: str):
    membership = services.org_member_revoke(access=request_org(request, org), account_id=account_id)
    return Status(200, render.member_status(membership, account_id=account_id))


@router.post("/orgs/{org}/members/{account_id}/restore", response={200: RestoredOut, **ERRORS})
def restore_member(request, org: str, account_id: str):
    access = request_org(request, org)
    membership = services.org_member_restore(access=access, account_id=account_id)
    former = selectors.former_team_memberships(access=access, account=membership.account)
    return Status(
        200, render.member_restored(membership, account_id=account_id, former_teams=former)
    )
