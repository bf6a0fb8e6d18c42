from ninja import Query, Router, Status

from callstudio.api import render
from callstudio.api.deps import request_org, request_team
from callstudio.api.schemas import (
    CallDetailOut,
    CallPage,
    IngestKeyCreatedOut,
    IngestKeyIn,
    IngestKeyPage,
    Problem,
)
from callstudio.calls import selectors, services

router = Router(tags=["calls and ingest keys"])
ERRORS = {403: Problem, 404: Problem, 409: Problem, 422: Problem}


@router.get("/orgs/{org}/api-keys", response={200: IngestKeyPage, **ERRORS})
def list_keys(request, org: str):
    keys = selectors.org_ingest_keys(access=request_org(request, org))
    return Status(200, {"items": [render.ingest_key(k) for k in keys], "next_cursor": None})


@router.post("/orgs/{org}/api-keys", response={201: IngestKeyCreatedOut, **ERRORS})
def create_key(request, org: str, payload: IngestKeyIn):
    key, raw = services.ingest_key_create(
        access=request_org(request, org), name=payload.name, team_ids=payload.teams
    )
    return Status(201, render.ingest_key(key, raw))


@router.delete("/orgs/{org}/api-keys/{key_id}", response={204: None, **ERRORS})
def revoke_key(request, org: str, key_id: str):
    services.ingest_key_revoke(access=request_org(request, org), key_id=key_id)
    return Status(204, None)


@router.get("/orgs/{org}/teams/{team}/calls", response={200: CallPage, **ERRORS})
def list_calls(
    request,
    org: str,
    team: str,
    agent: str | None = None,
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
    q: str | None = None,
    archived: bool = False,
    cursor: str | None = None,
    limit: int | None = None,
):
    """Newest first: all of the team's calls with `calls.read.all`, only your own with `calls.read.own`."""
    page = selectors.calls_page(
        access=request_team(request, org, team),
        agent=agent,
        start=start,
        end=end,
        q=q,
        archived=archived,
        cursor=cursor,
        limit=limit,
    )
    return Status(
        200, {"items": [render.call(c) for c in page.items], "next_cursor": page.next_cursor}
    )


@router.get("/orgs/{org}/teams/{team}/calls/{call}", response={200: CallDetailOut, **ERRORS})
def get_call(request, org: str, team: str, call: str):
    found = selectors.readable_call(access=request_team(request, org, team), call_id=call)
    return Status(200, render.call(found, detail=True))


@router.post(
    "/orgs/{org}/teams/{team}/calls/{call}/archive", response={200: CallDetailOut, **ERRORS}
)
def archive_call(request, org: str, team: str, call: str):
    updated = services.call_set_archived(
        access=request_team(request, org, team), call_id=call, archived=True
    )
    return Status(200, render.call(updated, detail=True))


@router.post(
    "/orgs/{org}/teams/{team}/calls/{call}/unarchive", response={200: CallDetailOut, **ERRORS}
)
def unarchive_call(request, org: str, team: str, call: str):
    updated = services.call_set_archived(
        access=request_team(request, org, team), call_id=call, archived=False
    )
    return Status(200, render.call(updated, detail=True))
