from ninja import Router, Status

from callstudio.api import render
from callstudio.api.deps import request_org, request_team
from callstudio.api.schemas import (
    Problem,
    RoleIn,
    TeamDetailOut,
    TeamIn,
    TeamMemberAddIn,
    TeamMemberOut,
    TeamMemberPage,
    TeamOut,
    TeamPage,
    TeamPatchIn,
    WorkflowIdOut,
)
from callstudio.orgs import selectors, services

router = Router(tags=["teams"])
ERRORS = {403: Problem, 404: Problem, 409: Problem, 422: Problem}


def _team_out(access) -> dict:
    return render.team(
        access.team, permissions=access.permissions, can_see_settings=access.has("team.settings")
    )


@router.get("/orgs/{org}/teams", response={200: TeamPage, 404: Problem, 422: Problem})
def list_teams(request, org: str, cursor: str | None = None, limit: int | None = None):
    access = request_org(request, org)
    page = selectors.teams_page(access=access, cursor=cursor, limit=limit)
    # Org-wide readers may see settings through their org role; team-only readers do not get
    # workflow IDs in the list (they read them on the team's own page when allowed).
    settings_everywhere = access.has("team.settings")
    return {
        "items": [render.team(t, can_see_settings=settings_everywhere) for t in page.items],
        "next_cursor": page.next_cursor,
    }


@router.post("/orgs/{org}/teams", response={201: TeamOut, **ERRORS})
def create_team(request, org: str, payload: TeamIn):
    access = request_org(request, org)
    team = services.team_create(access=access, name=payload.name, description=payload.description)
    return Status(201, render.team(team, can_see_settings=access.has("team.settings")))


@router.get("/orgs/{org}/teams/{team}", response={200: TeamDetailOut, **ERRORS})
def get_team(request, org: str, team: str):
    return Status(200, _team_out(request_team(request, org, team)))


@router.patch("/orgs/{org}/teams/{team}", response={200: TeamDetailOut, **ERRORS})
def update_team(request, org: str, team: str, payload: TeamPatchIn):
    access = request_team(request, org, team, require=None)
    services.team_update(access=access, name=payload.name, description=payload.description)
    return Status(200, _team_out(access))


@router.post("/orgs/{org}/teams/{team}/rotate-workflow-id", response={200: WorkflowIdOut, **ERRORS})
def rotate_workflow_id(request, org: str, team: str):
    updated = services.team_rotate_workflow_id(
        access=request_team(request, org, team, require=None)
    )
    return Status(200, {"workflow_id": updated.workflow_id})


@router.get("/orgs/{org}/teams/{team}/members", response={200: TeamMemberPage, **ERRORS})
def list_team_members(
    request, org: str, team: str, cursor: str | None = None, limit: int | None = None
):
    page = selectors.team_members_page(
        access=request_team(request, org, team, require=None), cursor=cursor, limit=limit
    )
    return Status(200, {
        "items": [render.team_member(tm) for tm in page.items],
        "next_cursor": page.next_cursor,
    })


@router.post("/orgs/{org}/teams/{team}/members", response={201: TeamMemberOut, **ERRORS})
def add_team_member(request, org: str, team: str, payload: TeamMemberAddIn):
    membership = services.team_member_add(
        access=request_team(request, org, team, require=None),
        account_id=payload.account_id,
        role=payload.role,
    )
    return Status(201, render.team_member(membership))


@router.patch(
    "/orgs/{org}/teams/{team}/members/{account_id}", response={200: TeamMemberOut, **ERRORS}
)
def change_team_member_role(request, org: str, team: str, account_id: str, payload: RoleIn):
    membership = services.team_member_change_role(
        access=request_team(request, org, team, require=None),
        account_id=account_id,
        role=payload.role,
    )
    return Status(200, render.team_member(membership))


@router.delete("/orgs/{org}/teams/{team}/members/{account_id}", response={204: None, **ERRORS})
def revoke_team_member(request, org: str, team: str, account_id: str):
    services.team_member_revoke(
        access=request_team(request, org, team, require=None), account_id=account_id
    )
    return Status(204, None)
