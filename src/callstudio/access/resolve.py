"""The one way a request reaches an organization or a team, shared by the web views
(web/context.py) and the API endpoints (api/deps.py), so both have the same prerequisites.

- Organization: an active membership, else 404 (another organization is "not found"); then the
  organization's policies (`enforce_org_policies`): while `require_mfa` is on, a member without
  a second factor gets 403 `mfa_required` on every page and endpoint of the organization and its
  teams, session or token alike; while its SSO connection has `require_sso` on, a member whose
  email is in one of its verified domains gets 403 `sso_required` unless the request came
  through its SSO (`sso_org_ids`: the session's marks, or those its token was minted with) or
  they are an Admin with a second factor (break-glass). Leaving (`DELETE /api/v1/me/orgs/{org}` and the Leave page)
  comes through `resolve_org_to_leave`, which checks the membership but not the policies, so a
  member the organization now refuses can still walk out; ingestion by workflow ID does not come
  through here at all (an ingest key is not a member).
- Team: the team must be in that organization (else 404), and the actor must hold `team.read`
  there (else 403). `team.read` is the key to a team: every team-scoped page and endpoint needs
  it, then the operation's own permission, which the service or selector checks. There is no
  way around it from a request: a role with `team.members.manage` but not `team.read` cannot
  manage members, over the API or in the browser.

The access objects are cached on the request, so a request builds each one once however many
times it asks."""

from .policy import OrgAccess, TeamAccess, enforce_org_policies, org_access, team_access

TEAM_KEY = "team.read"


def _cache(request, name: str) -> dict:
    return request.__dict__.setdefault(name, {})


def resolve_org(
    request, org_id: str, *, account, sso_org_ids: frozenset[str] = frozenset()
) -> OrgAccess:
    """`sso_org_ids`: which organizations' SSO this request came through (web/context.py reads
    the session, api/deps.py the session or the token); none unless said."""
    cache = _cache(request, "_cs_org_access")
    key = (getattr(account, "pk", None), org_id)
    if key not in cache:
        access = org_access(account, org_id)
        # Checked before caching: a refused access is never handed out, however often asked.
        enforce_org_policies(access, sso_org_ids=sso_org_ids)
        cache[key] = access
    return cache[key]


def resolve_org_to_leave(request, org_id: str, *, account) -> OrgAccess:
    """The organization, for leaving it only: an active membership (else 404), no policies."""
    return org_access(account, org_id)


def resolve_team(
    request, org_id: str, team_id: str, *, account, sso_org_ids: frozenset[str] = frozenset()
) -> TeamAccess:
    cache = _cache(request, "_cs_team_access")
    key = (getattr(account, "pk", None), org_id, team_id)
    if key not in cache:
        org = resolve_org(request, org_id, account=account, sso_org_ids=sso_org_ids)
        cache[key] = team_access(org, team_id)
    access = cache[key]
    access.require(TEAM_KEY)
    return access
