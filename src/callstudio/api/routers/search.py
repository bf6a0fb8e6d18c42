from typing import Literal

from ninja import Query, Router, Status

from callstudio.api import render
from callstudio.api.deps import request_org
from callstudio.api.schemas import Problem, SearchPage
from callstudio.rules.search import Filters, search_calls

router = Router(tags=["search"])
ERRORS = {403: Problem, 404: Problem, 422: Problem}


@router.get("/orgs/{org}/search", response={200: SearchPage, **ERRORS})
def search(
    request,
    org: str,
    q: str | None = None,
    team: str | None = None,
    agent: str | None = None,
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
    tag: str | None = None,
    direction: str | None = None,
    min_duration: float | None = None,
    max_duration: float | None = None,
    sentiment: str | None = None,
    has_alert: bool | None = None,
    sort: Literal["newest", "relevance"] = "newest",
    cursor: str | None = None,
    limit: int | None = None,
):
    """Calls of every team you may read (all calls with `calls.read.all`, your own with
    `calls.read.own`) matching `q`, in the query language of docs/search.md: words (all must
    occur), `"exact phrase"`, `OR`, `-word`, `refun*`, `agent:` / `customer:` before a word or
    phrase. Each item carries up to three matching segments, escaped, with the words in `<mark>`.
    `q` is required: without it the answer is 422 naming `q` (after the organization is found)."""
    page = search_calls(
        access=request_org(request, org),
        q=q,
        filters=Filters(
            team=team,
            agent=agent,
            start=start,
            end=end,
            tag=tag,
            direction=direction,
            min_duration=min_duration,
            max_duration=max_duration,
            sentiment=sentiment,
            has_alert=has_alert,
        ),
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
    return Status(
        200,
        {"items": [render.search_item(i) for i in page.items], "next_cursor": page.next_cursor},
    )
