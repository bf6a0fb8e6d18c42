"""SCIM tokens of an organization (PRODUCT §8.2): create (the secret shown once), list (no
secrets; revoked ones too, with `revoked_at`), revoke. `org.manage`, as the SSO settings."""

from datetime import datetime

from django.http import HttpResponse
from ninja import Router, Schema, Status

from callstudio.api.deps import request_org
from callstudio.api.schemas import In, Problem
from callstudio.scim import tokens

router = Router(tags=["scim tokens"])
ERRORS = {403: Problem, 404: Problem, 409: Problem, 422: Problem}


class ScimTokenIn(In):
    name: str


class ScimTokenOut(Schema):
    id: str
    name: str
    hint: str
    created_at: datetime
    created_by: str | None  # the creator's account ID
    last_used_at: datetime | None
    revoked_at: datetime | None


class ScimTokenCreatedOut(ScimTokenOut):
    token: str


class ScimTokenPage(Schema):
    items: list[ScimTokenOut]
    next_cursor: str | None


def _out(t) -> dict:
    return {
        "id": t.id,
        "name": t.name,
        "hint": t.hint,
        "created_at": t.created_at,
        "created_by": t.created_by.account_id if t.created_by else None,
        "last_used_at": t.last_used_at,
        "revoked_at": t.revoked_at,
    }


@router.get("/orgs/{org}/scim-tokens", response={200: ScimTokenPage, **ERRORS})
def list_scim_tokens(request, org: str):
    items = tokens.org_scim_tokens(access=request_org(request, org))
    return Status(200, {"items": [_out(t) for t in items], "next_cursor": None})


@router.post("/orgs/{org}/scim-tokens", response={201: ScimTokenCreatedOut, **ERRORS})
def create_scim_token(request, response: HttpResponse, org: str, payload: ScimTokenIn):
    """The token is in this response only: it is stored as a digest. Paste it into the identity
    provider's SCIM settings with the base URL `/scim/v2/{org}/`."""
    token, raw = tokens.scim_token_create(access=request_org(request, org), name=payload.name)
    response["Cache-Control"] = "no-store"
    return Status(201, {**_out(token), "token": raw})


@router.delete("/orgs/{org}/scim-tokens/{scim_token}", response={204: None, **ERRORS})
def revoke_scim_token(request, org: str, scim_token: str):
    tokens.scim_token_revoke(access=request_org(request, org), token_id=scim_token)
    return Status(204, None)
