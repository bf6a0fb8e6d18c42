"""Request-scoped access for API endpoints: the actor is the token's account, and the
organization and team are resolved by the same rules as the browser's pages
(`access/resolve.py`: 404 outside the actor's organizations, `team.read` for any team)."""

from callstudio.access.policy import OrgAccess, TeamAccess
from callstudio.access.resolve import resolve_org, resolve_org_to_leave, resolve_team
from callstudio.sso.session import sso_org_ids


def request_sso_org_ids(request) -> frozenset[str]:
    """The organizations whose SSO this request came through: a token's own (copied from the
    session that minted it), else the browser session's marks."""
    if getattr(request, "via_token", False):
        return getattr(request, "token_sso_org_ids", frozenset())
    return sso_org_ids(request)


def request_org(request, org_id: str) -> OrgAccess:
    return resolve_org(
        request, org_id, account=request.auth, sso_org_ids=request_sso_org_ids(request)
    )


def request_org_to_leave(request, org_id: str) -> OrgAccess:
    return resolve_org_to_leave(request, org_id, account=request.auth)


def request_team(request, org_id: str, team_id: str) -> TeamAccess:
    return resolve_team(
        request, org_id, team_id, account=request.auth, sso_org_ids=request_sso_org_ids(request)
    )


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")
