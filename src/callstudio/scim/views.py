"""The SCIM endpoints under /scim/v2/{org}/: thin views that authenticate the token, parse,
call users/groups (reads) or user_services/groups (writes) and render. CSRF-exempt (no cookie
is ever read: the bearer token is the only credential), and every failure is a SCIM error."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from . import discovery, groups, user_services, users
from .actor import scim_org_access
from .auth import authenticate
from .http import ScimError, error_response, list_response, read_json, scim_response
from .patch import apply_patch
from .projection import project


def _base(request, org_id: str) -> str:
    return request.build_absolute_uri(f"/scim/v2/{org_id}/")


def _int(params, name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ScimError(400, f"{name} must be an integer.", "invalidValue") from None


def _page(params) -> tuple[int, int]:
    """1-based `startIndex` (below 1 counts as 1) and `count` (negative counts as 0, capped at
    the advertised maxResults), RFC 7644 §3.4.2.4."""
    start = max(1, _int(params, "startIndex", 1))
    count = min(max(0, _int(params, "count", discovery.DEFAULT_COUNT)), discovery.MAX_RESULTS)
    return start, count


def scim_view(methods: tuple[str, ...]):
    def decorate(view):
        @csrf_exempt
        def wrapped(request, org_id: str, *args, **kwargs):
            try:
                if request.method not in methods:
                    raise ScimError(405, f"{request.method} is not supported here.")
                token = authenticate(request, org_id)
                response = view(request, token, _base(request, org_id), *args, **kwargs)
            except ScimError as exc:
                response = error_response(exc)
                if exc.status == 405:
                    response["Allow"] = ", ".join(methods)
            response["Cache-Control"] = "no-store"
            return response

        return wrapped

    return decorate


# Discovery --------------------------------------------------------------------------------


@scim_view(("GET",))
def service_provider_config(request, token, base):
    return scim_response(discovery.service_provider_config(base))


def _listed(documents: list[dict], request) -> HttpResponse:
    start, count = _page(request.GET)
    window = documents[start - 1 : start - 1 + count]
    return scim_response(list_response(window, total=len(documents), start_index=start))


def _one(documents: list[dict], key: str, value: str, what: str) -> HttpResponse:
    for document in documents:
        if document[key] == value:
            return scim_response(document)
    raise ScimError(404, f"{what} not found.")


@scim_view(("GET",))
def resource_types(request, token, base, name=None):
    documents = discovery.resource_types(base)
    if name is None:
        return _listed(documents, request)
    return _one(documents, "id", name, "Resource type")


@scim_view(("GET",))
def schemas(request, token, base, schema_id=None):
    documents = discovery.schemas(base)
    if schema_id is None:
        return _listed(documents, request)
    return _one(documents, "id", schema_id, "Schema")


@scim_view(("GET", "POST", "PUT", "PATCH", "DELETE"))
def not_found(request, token, base, rest=""):
    raise ScimError(404, "There is no such SCIM endpoint.")


SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def _search_params(request) -> dict:
    """A SearchRequest body (RFC 7644 §3.4.3) as the query parameters a GET would carry."""
    body = read_json(request)
    if SEARCH_SCHEMA not in (body.get("schemas") or []):
        raise ScimError(400, f"A search names the schema {SEARCH_SCHEMA}.", "invalidSyntax")
    params = {}
    for key in ("attributes", "excludedAttributes"):
        value = body.get(key)
        if value is not None:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ScimError(400, f"{key} is a list of attribute names.", "invalidValue")
            params[key] = ",".join(value)
    for key in ("filter", "startIndex", "count"):
        if body.get(key) is not None:
            params[key] = str(body[key])
    return params


@scim_view(("POST",))
def search_all(request, token, base):
    """POST /.search: Users then Groups, one list. A filter naming an attribute one type does
    not have matches nothing of that type (RFC 7644 §3.4.2.1); if no type has it, 400."""
    params = _search_params(request)
    start, count = _page(params)
    expression = params.get("filter")
    sources, refusals = [], []
    for shape, compile_filter, qs, render in (
        (
            users.USER_SHAPE,
            lambda e: users.user_query(token.organization_id, e),
            users.visible_members(token.organization_id),
            lambda rows: [users.user_resource(m, base) for m in rows],
        ),
        (
            groups.GROUP_SHAPE,
            groups.group_query,
            groups.managed_teams(token.organization_id),
            lambda rows: _render_groups(rows, base),
        ),
    ):
        try:
            sources.append((shape, qs.filter(compile_filter(expression)).order_by("id"), render))
        except ScimError as exc:
            refusals.append(exc)
    if not sources:
        raise refusals[0]
    totals = [qs.count() for _, qs, _ in sources]
    documents, offset, room = [], start - 1, count
    for (shape, qs, render), total in zip(sources, totals, strict=True):
        if room and offset < total:
            rows = list(qs[offset : offset + room])
            documents += [_projected(params, d, shape) for d in render(rows)]
            room -= len(rows)
        offset = max(0, offset - total)
    return scim_response(list_response(documents, total=sum(totals), start_index=start))


def _projected(params, document, shape):
    return project(
        document,
        shape,
        attributes=params.get("attributes"),
        excluded=params.get("excludedAttributes"),
    )


@scim_view(("POST",))
def users_search(request, token, base):
    params = _search_params(request)
    qs = users.visible_members(token.organization_id).filter(
        users.user_query(token.organization_id, params.get("filter"))
    )
    return _list(
        params, qs, lambda rows: [users.user_resource(m, base) for m in rows], users.USER_SHAPE
    )


@scim_view(("POST",))
def groups_search(request, token, base):
    params = _search_params(request)
    qs = groups.managed_teams(token.organization_id).filter(
        groups.group_query(params.get("filter"))
    )
    return _list(params, qs, lambda rows: _render_groups(rows, base), groups.GROUP_SHAPE)


# Users ------------------------------------------------------------------------------------


def _user_out(request, membership, base, *, status=200):
    document = users.user_resource(membership, base)
    document = project(
        document,
        users.USER_SHAPE,
        attributes=request.GET.get("attributes"),
        excluded=request.GET.get("excludedAttributes"),
    )
    headers = {"Location": document["meta"]["location"]} if status == 201 else None
    return scim_response(document, status=status, headers=headers)


def _list(params, qs, render, shape):
    """One page of a queryset as a ListResponse; `params` are the query parameters, or a
    SearchRequest's (`_search_params`)."""
    start, count = _page(params)
    total = qs.count()
    rows = list(qs.order_by("id")[start - 1 : start - 1 + count]) if count else []
    documents = [
        project(
            document,
            shape,
            attributes=params.get("attributes"),
            excluded=params.get("excludedAttributes"),
        )
        for document in render(rows)
    ]
    return scim_response(list_response(documents, total=total, start_index=start))


@scim_view(("GET", "POST"))
def users_collection(request, token, base):
    if request.method == "POST":
        user = users.clean_user(users.from_body(read_json(request)))
        membership = user_services.create_user(scim_org_access(token), token, user)
        membership = users.member_by_id(token.organization_id, membership.account.account_id)
        return _user_out(request, membership, base, status=201)
    qs = users.visible_members(token.organization_id).filter(
        users.user_query(token.organization_id, request.GET.get("filter"))
    )
    return _list(
        request.GET, qs, lambda rows: [users.user_resource(m, base) for m in rows], users.USER_SHAPE
    )


@scim_view(("GET", "PUT", "PATCH", "DELETE"))
def user_detail(request, token, base, account_id):
    membership = users.member_by_id(token.organization_id, account_id)
    access = scim_org_access(token)
    if request.method == "DELETE":
        user_services.delete_user(access, token, membership)
        return HttpResponse(status=204)
    if request.method == "PUT":
        user = users.clean_user(users.from_body(read_json(request)))
        user_services.replace_user(access, token, membership, user)
    elif request.method == "PATCH":
        patched = apply_patch(users.writable(membership), read_json(request), users.USER_SHAPE)
        user = users.clean_user(patched)
        if user["active"] is None:
            raise ScimError(400, "active is required: it cannot be removed.", "mutability")
        user_services.replace_user(access, token, membership, user)
    return _user_out(request, users.member_by_id(token.organization_id, account_id), base)


# Groups -----------------------------------------------------------------------------------


def _render_groups(teams, base):
    members = groups.group_members(teams)
    return [groups.group_resource(team, members[team.id], base) for team in teams]


def _group_out(request, team, base, *, status=200):
    document = _render_groups([team], base)[0]
    document = project(
        document,
        groups.GROUP_SHAPE,
        attributes=request.GET.get("attributes"),
        excluded=request.GET.get("excludedAttributes"),
    )
    headers = {"Location": document["meta"]["location"]} if status == 201 else None
    return scim_response(document, status=status, headers=headers)


@scim_view(("GET", "POST"))
def groups_collection(request, token, base):
    if request.method == "POST":
        group = groups.clean_group(groups.from_body(read_json(request)))
        team = groups.create_group(scim_org_access(token), token, group)
        return _group_out(
            request, groups.group_by_id(token.organization_id, team.id), base, status=201
        )
    qs = groups.managed_teams(token.organization_id).filter(
        groups.group_query(request.GET.get("filter"))
    )
    return _list(request.GET, qs, lambda rows: _render_groups(rows, base), groups.GROUP_SHAPE)


@scim_view(("GET", "PUT", "PATCH", "DELETE"))
def group_detail(request, token, base, team_id):
    team = groups.group_by_id(token.organization_id, team_id)
    access = scim_org_access(token)
    if request.method == "DELETE":
        groups.delete_group(access, token, team)
        return HttpResponse(status=204)
    if request.method == "PUT":
        group = groups.clean_group(groups.from_body(read_json(request)))
        groups.replace_group(access, token, team, group)
    elif request.method == "PATCH":
        members = groups.group_members([team])[team.id]
        current = groups.writable(team, members, base)
        patched = apply_patch(current, read_json(request), groups.GROUP_SHAPE)
        groups.replace_group(access, token, team, groups.clean_group(patched))
    return _group_out(request, groups.group_by_id(token.organization_id, team_id), base)
