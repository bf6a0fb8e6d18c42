from django.db import transaction
from ninja import Router, Status

from callstudio.api import render
from callstudio.api.deps import request_org, request_team
from callstudio.api.schemas import (
    Problem,
    TeamDetailOut,
    TeamIn,
    TeamMemberAddIn,
    TeamMemberOut,
    TeamMemberPage,
    TeamMemberPatchIn,
    TeamOut,
    TeamPage,
    TeamPatchIn,
    WorkflowIdOut,
)
from callstudio.core.errors import Invalid
from callstudio.directory import selectors, services

router = Router(tags=["teams"])
ERRORS = {403: Problem, 404: Problem, 409: Problem, 422: Problem}


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
    return Status(200, render.team_detail(request_team(request, org, team)))


@router.patch("/orgs/{org}/teams/{team}", response={200: TeamDetailOut, **ERRORS})
def update_team(request, org: str, team: str, payload: TeamPatchIn):
    access = request_team(request, org, team)
    services.team_update(access=access, name=payload.name, description=payload.description)
    return Status(200, render.team_detail(access))


@router.post("/orgs/{org}/teams/{team}/rotate-workflow-id", response={200: WorkflowIdOut, **ERRORS})
def rotate_workflow_id(request, org: str, team: str):
    updated = services.team_rotate_workflow_id(access=request_team(request, org, team))
    return Status(200, render.workflow_id(updated))


@router.get("/orgs/{org}/teams/{team}/members", response={200: TeamMemberPage, **ERRORS})
def list_team_members(
    request, org: str, team: str, cursor: str | None = None, limit: int | None = None
):
    page = selectors.team_members_page(
        access=request_team(request, org, team), cursor=cursor, limit=limit
    )
    return Status(
        200,
        {
            "items": [render.team_member(tm) for tm in page.items],
            "next_cursor": page.next_cursor,
        },
    )


@router.post("/orgs/{org}/teams/{team}/members", response={201: TeamMemberOut, **ERRORS})
def add_team_member(request, org: str, team: str, payload: TeamMemberAddIn):
    membership = services.team_member_add(
        access=request_team(request, org, team),
        account_id=payload.account_id,
        role=payload.role,
        agent_external_id=payload.agent_external_id,
    )
    return Status(201, render.team_member(membership))


@router.patch(
    "/orgs/{org}/teams/{team}/members/{account_id}", response={200: TeamMemberOut, **ERRORS}
)
@transaction.atomic
def update_team_member(request, org: str, team: str, account_id: str, payload: TeamMemberPatchIn):
    """Change the member's team role and/or their agent ID in the sender's systems."""
    access = request_team(request, org, team)
    membership = None
    if payload.role is not None:
        membership = services.team_member_change_role(
            access=access, account_id=account_id, role=payload.role
        )
    if payload.agent_external_id is not None:
        membership = services.team_member_set_agent_external_id(
            access=access, account_id=account_id, agent_external_id=payload.agent_external_id
        )
    if membership is None:
        raise Invalid("Give role and/or agent_external_id.", field="role")
    return Status(200, render.team_member(membership))


@router.post("/orgs/{org}/teams/{team}/archive", response={200: TeamDetailOut, **ERRORS})
def archive_team(request, org: str, team: str):
    access = request_team(request, org, team)
    services.team_set_archived(access=access, archived=True)
    return Status(200, render.team_detail(access))


@router.post("/orgs/{org}/teams/{team}/unarchive", response={200: TeamDetailOut, **ERRORS})
def unarchive_team(request, org: str, team: str):
    access = request_team(request, org, team)
    services.team_set_archived(access=access, archived=False)
    return Status(200, render.team_detail(access))


@router.delete("/orgs/{org}/teams/{team}/members/{account_id}", response={204: None, **ERRORS})
def revoke_team_member(request, org: str, team: str, account_id: str):
    services.team_member_revoke(access=request_team(request, org, team), account_id=account_id)
    return Status(204, None)
