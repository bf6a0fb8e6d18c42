from ninja import Router, Status

from callstudio.api import render
from callstudio.api.deps import request_org
from callstudio.api.schemas import OrgDetailOut, OrgIn, OrgOut, OrgPage, Problem
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
