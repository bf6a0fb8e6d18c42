from ninja import Router, Status

from callstudio.api import render
from callstudio.api.deps import request_org
from callstudio.api.schemas import OrgDetailOut, OrgIn, OrgOut, OrgPage, OrgPatchIn, Problem
from callstudio.directory import services
from callstudio.directory.selectors import account_orgs

router = Router(tags=["organizations"])


@router.post("/orgs", response={201: OrgOut, 422: Problem})
def create_org(request, payload: OrgIn):
    org = services.organization_create(actor=request.auth, name=payload.name)
    return Status(201, render.organization(org))


@router.get("/orgs", response=OrgPage)
def list_orgs(request):
    items = [render.org_item(m) for m in account_orgs(account=request.auth)]
    return {"items": items, "next_cursor": None}


@router.get("/orgs/{org}", response={200: OrgDetailOut, 404: Problem})
def get_org(request, org: str):
    return render.org_detail(request_org(request, org))


@router.patch(
    "/orgs/{org}",
    response={200: OrgDetailOut, 403: Problem, 404: Problem, 409: Problem, 422: Problem},
)
def update_org(request, org: str, payload: OrgPatchIn):
    """Settings: `name`, `require_mfa` (409 `enable_mfa_first` without your own MFA),
    `default_role` (a built-in or org-scope custom role, not Admin), `scim_team_role` (a built-in
    or team-scope custom role: what SCIM gives members of an IdP group). Needs `org.manage`."""
    access = request_org(request, org)
    services.organization_update(
        access=access,
        name=payload.name,
        require_mfa=payload.require_mfa,
        default_role=payload.default_role,
        scim_team_role=payload.scim_team_role,
    )
    return render.org_detail(access)
