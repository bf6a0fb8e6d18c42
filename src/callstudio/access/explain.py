"""Why an account may (or may not) do something in an organization: every effective permission
with the roles it comes from, and the policies in the way. Pure: it reads no database, it is
given the membership, the teams and the team memberships (directory/selectors.py loads them in a
fixed number of queries) and works from the same catalog and roles as access/policy.py, so the
explanation cannot drift from what the policy decides.

Policies (each `{name, satisfied}`):
- `active_membership`: an archived member reaches nothing, whatever their role says.
- `require_mfa`: satisfied while the organization does not require MFA, or the account has it.
- `team_read_required` (per team): `team.read` is the key to a team (access/resolve.py), so a
  permission held in a team without it is blocked there.
An archived team is listed with `archived: true`: its data stays readable, it only takes no
new calls, so it blocks no permission."""

from collections.abc import Iterable
from dataclasses import dataclass

from .permissions import BY_NAME, CATALOG, ORG, ORG_PERMISSIONS, TEAM_PERMISSIONS
from .policy import role_permissions

TEAM_KEY = "team.read"
ACTIVE_MEMBERSHIP = "active_membership"
REQUIRE_MFA = "require_mfa"
TEAM_READ_REQUIRED = "team_read_required"
ORDER = {p.name: i for i, p in enumerate(CATALOG)}


@dataclass(frozen=True)
class Grant:
    """A role held: where (org or team) and which role (built-in key or custom role)."""

    kind: str  # "org_role" | "team_role"
    role_key: str
    custom_role: object | None

    @property
    def permissions(self) -> frozenset[str]:
        return role_permissions(self.role_key, self.custom_role)

    @property
    def role(self):
        if self.custom_role is not None:
            return {"id": self.custom_role.id, "name": self.custom_role.name}
        return self.role_key

    def source(self) -> dict:
        return {"kind": self.kind, "role": self.role}


def _permissions(grants: Iterable[Grant], scope_permissions: frozenset[str]) -> list[dict]:
    by_name: dict[str, list[dict]] = {}
    for grant in grants:
        for name in grant.permissions & scope_permissions:
            by_name.setdefault(name, []).append(grant.source())
    return [{"name": n, "sources": by_name[n]} for n in sorted(by_name, key=ORDER.__getitem__)]


def _team_entry(team, org_grant: Grant, team_grant: Grant | None) -> dict:
    grants = [org_grant] + ([team_grant] if team_grant else [])
    permissions = _permissions(grants, TEAM_PERMISSIONS)
    has_key = any(p["name"] == TEAM_KEY for p in permissions)
    return {
        "team": {"id": team.id, "name": team.name},
        "archived": team.archived_at is not None,
        "role": team_grant.role if team_grant else None,
        "permissions": permissions,
        "policies": [{"name": TEAM_READ_REQUIRED, "satisfied": has_key}],
    }


def explain(
    *,
    membership,
    require_mfa: bool,
    has_mfa: bool,
    teams: list,
    team_grants: dict[str, Grant],
    permission: str | None = None,
    team_id: str | None = None,
) -> dict:
    """`teams`: the teams to list (every team the account reaches, or the one asked about);
    `team_grants`: the account's live team roles by team id. With `permission`, the answer
    also says whether it is allowed (in `team_id` for a team permission), from which roles,
    and which policies block it."""
    org_grant = Grant("org_role", membership.role, membership.custom_role)
    policies = [
        {"name": ACTIVE_MEMBERSHIP, "satisfied": membership.status == "active"},
        {"name": REQUIRE_MFA, "satisfied": not require_mfa or has_mfa},
    ]
    entries = [_team_entry(t, org_grant, team_grants.get(t.id)) for t in teams]
    body = {
        "account_id": membership.account.account_id,
        "org_role": org_grant.role,
        "policies": policies,
        "org_permissions": _permissions([org_grant], ORG_PERMISSIONS),
        # The team asked about is listed even when it gives nothing; otherwise only teams reached.
        "teams": [e for e in entries if e["permissions"] or e["team"]["id"] == team_id],
    }
    if permission is not None:
        body.update(_verdict(body, entries, permission, team_id))
    return body


def _verdict(body: dict, entries: list[dict], permission: str, team_id: str | None) -> dict:
    blocked_by = [p["name"] for p in body["policies"] if not p["satisfied"]]
    if BY_NAME[permission].scope == ORG:
        held = body["org_permissions"]
    else:
        entry = next((e for e in entries if e["team"]["id"] == team_id), None)
        held = entry["permissions"] if entry else []
        if entry and permission != TEAM_KEY and not entry["policies"][0]["satisfied"]:
            blocked_by.append(TEAM_READ_REQUIRED)
    sources = next((p["sources"] for p in held if p["name"] == permission), [])
    return {
        "permission": permission,
        "allowed": bool(sources) and not blocked_by,
        "sources": sources,
        # The policies in the way, whether or not a role grants it (then nothing does either).
        "blocked_by": blocked_by,
    }
