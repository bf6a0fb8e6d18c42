"""The one way a request reaches an organization or a team, shared by the web views
(web/context.py) and the API endpoints (api/deps.py), so both have the same prerequisites.

- Organization: an active membership, else 404 (another organization is "not found").
- Team: the team must be in that organization (else 404), and the actor must hold `team.read`
  there (else 403). `team.read` is the key to a team: every team-scoped page and endpoint needs
  it, then the operation's own permission, which the service or selector checks. There is no
  way around it from a request: a role with `team.members.manage` but not `team.read` cannot
  manage members, over the API or in the browser.

The access objects are cached on the request, so a request builds each one once however many
times it asks."""

from .policy import OrgAccess, TeamAccess, org_access, team_access

TEAM_KEY = "team.read"


def _cache(request, name: str) -> dict:
    return request.__dict__.setdefault(name, {})


def resolve_org(request, org_id: str, *, account) -> OrgAccess:
    cache = _cache(request, "_cs_org_access")
    key = (getattr(account, "pk", None), org_id)
    if key not in cache:
        cache[key] = org_access(account, org_id)
    return cache[key]


def resolve_team(request, org_id: str, team_id: str, *, account) -> TeamAccess:
    cache = _cache(request, "_cs_team_access")
    key = (getattr(account, "pk", None), org_id, team_id)
    if key not in cache:
        cache[key] = team_access(resolve_org(request, org_id, account=account), team_id)
    access = cache[key]
    access.require(TEAM_KEY)
    return access
