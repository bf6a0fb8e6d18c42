"""Invitations (§7.3) and leaving an organization: joining and going are the person's own choice.
Shapes live here with their endpoints (this area's only ones)."""

from datetime import datetime

from ninja import Router, Schema, Status
from pydantic import BaseModel

from callstudio.api.deps import request_org, request_org_to_leave
from callstudio.api.render import role_out
from callstudio.api.schemas import In, MemberStatusOut, Problem
from callstudio.directory import selectors, services

router = Router(tags=["invitations"])
ERRORS = {403: Problem, 404: Problem, 409: Problem, 422: Problem}


class InvitationTeamIn(In):
    team: str
    role: str


class InvitationIn(In):
    email: str
    role: str = "member"
    teams: list[InvitationTeamIn] | None = None


class InvitationTeamOut(BaseModel):
    team: dict
    role: str
    role_name: str


class Inviter(BaseModel):
    account_id: str
    name: str


class InvitationOut(BaseModel):
    id: str
    email: str
    role: str
    role_name: str
    teams: list[InvitationTeamOut]
    status: str
    expires_at: datetime
    created_at: datetime
    invited_by: Inviter | None
    accepted_at: datetime | None


class InvitationPage(BaseModel):
    items: list[InvitationOut]
    next_cursor: str | None


class AcceptedOut(Schema):
    org: dict
    role: str
    role_name: str


def _role(m) -> tuple[str, str]:
    if m.custom_role_id is None and not m.role:
        return "", "a deleted role"
    return role_out(key=m.role, custom=m.custom_role)


def invitation(i, *, now=None) -> dict:
    from django.utils import timezone

    ref, name = _role(i)
    teams = []
    for row in i.teams.all():
        team_ref, team_role_name = _role(row)
        teams.append(
            {
                "team": {"id": row.team.id, "name": row.team.name},
                "role": team_ref,
                "role_name": team_role_name,
            }
        )
    inviter = i.invited_by
    return {
        "id": i.id,
        "email": i.email,
        "role": ref,
        "role_name": name,
        "teams": teams,
        "status": i.effective_status(now or timezone.now()),
        "expires_at": i.expires_at,
        "created_at": i.created_at,
        "invited_by": {"account_id": inviter.account_id, "name": inviter.name} if inviter else None,
        "accepted_at": i.accepted_at,
    }


def _teams(payload: InvitationIn):
    return None if payload.teams is None else [t.model_dump() for t in payload.teams]


@router.post("/orgs/{org}/invitations", response={201: InvitationOut, **ERRORS})
def create_invitation(request, org: str, payload: InvitationIn):
    access = request_org(request, org)
    created, _ = services.invitation_create(
        access=access, email=payload.email, role=payload.role, teams=_teams(payload)
    )
    return Status(
        201, invitation(selectors.invitation_in_org(access=access, invitation_id=created.id))
    )


@router.get(
    "/orgs/{org}/invitations",
    response={200: InvitationPage, 403: Problem, 404: Problem, 422: Problem},
)
def list_invitations(
    request,
    org: str,
    status: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
):
    page = selectors.invitations_page(
        access=request_org(request, org), status=status, cursor=cursor, limit=limit
    )
    return {"items": [invitation(i) for i in page.items], "next_cursor": page.next_cursor}


@router.post(
    "/orgs/{org}/invitations/{invitation_id}/resend", response={200: InvitationOut, **ERRORS}
)
def resend_invitation(request, org: str, invitation_id: str):
    access = request_org(request, org)
    services.invitation_resend(access=access, invitation_id=invitation_id)
    return Status(
        200, invitation(selectors.invitation_in_org(access=access, invitation_id=invitation_id))
    )


@router.delete("/orgs/{org}/invitations/{invitation_id}", response={200: InvitationOut, **ERRORS})
def revoke_invitation(request, org: str, invitation_id: str):
    access = request_org(request, org)
    services.invitation_revoke(access=access, invitation_id=invitation_id)
    return Status(
        200, invitation(selectors.invitation_in_org(access=access, invitation_id=invitation_id))
    )


@router.post(
    "/invitations/{token}/accept",
    response={200: AcceptedOut, 403: Problem, 409: Problem, 410: Problem},
)
def accept_invitation(request, token: str):
    membership, accepted = services.invitation_accept(account=request.auth, token=token)
    ref, name = role_out(key=membership.role, custom=membership.custom_role)
    organization = accepted.organization
    return Status(
        200,
        {"org": {"id": organization.id, "name": organization.name}, "role": ref, "role_name": name},
    )


@router.delete("/me/orgs/{org}", response={200: MemberStatusOut, 404: Problem, 409: Problem})
def leave_organization(request, org: str):
    membership = services.org_member_leave(access=request_org_to_leave(request, org))
    return Status(
        200,
        {
            "account_id": request.auth.account_id,
            "status": membership.status,
            "role": membership.role_ref,
        },
    )
