"""An organization's email domains (§8.1): claim, list, verify by DNS TXT record, remove. The
rules live in sso/domains.py; this only maps shapes."""

from datetime import datetime

from ninja import Router, Status
from pydantic import BaseModel

from callstudio.api.deps import request_org
from callstudio.api.schemas import In, Problem
from callstudio.sso import domains

router = Router(tags=["domains"])
ERRORS = {403: Problem, 404: Problem, 409: Problem, 422: Problem}


class DomainIn(In):
    domain: str


class DomainOut(BaseModel):
    domain: str
    # Publish this value as a TXT record at `txt_name` (the domain itself).
    txt_record: str
    txt_name: str
    verified: bool
    verified_at: datetime | None
    created_at: datetime


class DomainList(BaseModel):
    items: list[DomainOut]


def domain_out(row) -> dict:
    return {
        "domain": row.domain,
        "txt_record": row.txt_record,
        "txt_name": row.domain,
        "verified": row.verified_at is not None,
        "verified_at": row.verified_at,
        "created_at": row.created_at,
    }


@router.get("/orgs/{org}/domains", response={200: DomainList, 403: Problem, 404: Problem})
def list_domains(request, org: str):
    rows = domains.domains_of(access=request_org(request, org))
    return {"items": [domain_out(r) for r in rows]}


@router.post("/orgs/{org}/domains", response={201: DomainOut, **ERRORS})
def add_domain(request, org: str, payload: DomainIn):
    row = domains.domain_add(access=request_org(request, org), domain=payload.domain)
    return Status(201, domain_out(row))


@router.get("/orgs/{org}/domains/{domain}", response={200: DomainOut, 403: Problem, 404: Problem})
def get_domain(request, org: str, domain: str):
    return domain_out(domains.domain_in_org(access=request_org(request, org), domain=domain))


@router.post(
    "/orgs/{org}/domains/{domain}/verify", response={200: DomainOut, 503: Problem, **ERRORS}
)
def verify_domain(request, org: str, domain: str):
    return domain_out(domains.domain_verify(access=request_org(request, org), domain=domain))


@router.delete("/orgs/{org}/domains/{domain}", response={204: None, 403: Problem, 404: Problem})
def remove_domain(request, org: str, domain: str):
    domains.domain_remove(access=request_org(request, org), domain=domain)
    return Status(204, None)
