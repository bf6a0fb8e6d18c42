"""Request-scoped access: the org and team access objects are built once per request."""

from callstudio.access.policy import OrgAccess, TeamAccess, org_access, team_access


def request_org(request, org_id: str) -> OrgAccess:
    cache = request.__dict__.setdefault("_cs_org_access", {})
    if org_id not in cache:
        cache[org_id] = org_access(request.auth, org_id)
    return cache[org_id]


def request_team(
    request, org_id: str, team_id: str, *, require: str | None = "team.read"
) -> TeamAccess:
    cache = request.__dict__.setdefault("_cs_team_access", {})
    key = (org_id, team_id)
    if key not in cache:
        cache[key] = team_access(request_org(request, org_id), team_id)
    access = cache[key]
    if require:
        access.require(require)
    return access


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")
