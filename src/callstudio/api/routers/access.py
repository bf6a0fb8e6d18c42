"""The access explanation: why a member can or cannot do something (docs/permissions.md)."""

import orjson
from django.http import HttpResponse
from ninja import Router

from callstudio.api.access_schemas import AccessExplanationOut
from callstudio.api.deps import request_org
from callstudio.api.schemas import Problem
from callstudio.core.errors import Invalid
from callstudio.directory.selectors import access_explanation

router = Router(tags=["access"])


@router.get(
    "/orgs/{org}/access",
    response={200: AccessExplanationOut, 403: Problem, 404: Problem, 422: Problem},
)
def explain_access(
    request,
    org: str,
    account: str | None = None,
    team: str | None = None,
    permission: str | None = None,
):
    """Every effective permission of `account` (an account ID) per team, with the roles it
    comes from and the policies in the way; with `permission` (and `team` for a team
    permission), also `allowed`, `sources` and `blocked_by`. Needs `org.members.read`.
    `account` is required; it is checked after the organization, so another organization's
    path is 404 whatever the query says."""
    access = request_org(request, org)
    if not account:
        raise Invalid("Name the account to explain: ?account=<account ID>.", field="account")
    body = access_explanation(
        access=access, account_id=account, team_id=team, permission=permission
    )
    # Sent as built: the verdict's fields appear only when a permission was asked about, and a
    # team without a team role says `"role": null` (the schema above documents the shape).
    return HttpResponse(orjson.dumps(body), content_type="application/json")
