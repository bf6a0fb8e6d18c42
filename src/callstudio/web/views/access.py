"""Organization > Members > Access: a member's effective permissions per team, where each comes
from, and the policies in the way (the same explanation as GET /api/v1/orgs/{org}/access)."""

from django.views.decorators.http import require_safe

from callstudio.access.permissions import BY_NAME
from callstudio.access.roles import BUILTIN_ROLES
from callstudio.directory.selectors import access_explanation, org_membership

from ..context import org_page, render_org

POLICY_TEXT = {
    "active_membership": (
        "Active membership",
        "An archived member reaches nothing of the organization, whatever their role.",
    ),
    "require_mfa": (
        "Two-factor authentication",
        "While the organization requires it, a member without a second factor reaches nothing.",
    ),
    "team_read_required": (
        "Team access (team.read)",
        "Without “Open the team's page” no other permission in the team takes effect.",
    ),
}
KIND_TEXT = {"org_role": "Organization role", "team_role": "Team role"}


def role_name(role) -> str:
    if isinstance(role, dict):
        return role["name"]
    return BUILTIN_ROLES[role].name if role in BUILTIN_ROLES else str(role)


def _policies(policies) -> list[dict]:
    return [
        {"name": p["name"], "label": POLICY_TEXT[p["name"]][0], "text": POLICY_TEXT[p["name"]][1]}
        | {"satisfied": p["satisfied"]}
        for p in policies
    ]


def _permissions(permissions, blocked: list[str]) -> list[dict]:
    return [
        {
            "name": p["name"],
            "description": BY_NAME[p["name"]].description,
            "sources": [f"{KIND_TEXT[s['kind']]}: {role_name(s['role'])}" for s in p["sources"]],
            "blocked": blocked,
        }
        for p in permissions
    ]


@org_page
@require_safe
def member_access(request, access, account_id):
    access.require("org.members.read")
    team_id = request.GET.get("team") or None
    target = org_membership(access=access, account_id=account_id)
    body = access_explanation(access=access, account_id=account_id, team_id=team_id)
    org_blocked = [POLICY_TEXT[p["name"]][0] for p in body["policies"] if not p["satisfied"]]
    teams = []
    for entry in body["teams"]:
        # An unsatisfied team policy (no team.read) means the team's permissions are all held
        # without the key, so each of them is blocked by it too.
        blocked = org_blocked + [
            POLICY_TEXT[p["name"]][0] for p in entry["policies"] if not p["satisfied"]
        ]
        teams.append(
            {
                **entry,
                "role_name": role_name(entry["role"]) if entry["role"] else "",
                "rows": _permissions(entry["permissions"], blocked),
            }
        )
    return render_org(
        request,
        access,
        "web/member_access.html",
        {
            "target": target,
            "org_role_name": role_name(body["org_role"]),
            "policies": _policies(body["policies"]),
            "org_rows": _permissions(body["org_permissions"], org_blocked),
            "teams": teams,
            "one_team": team_id,
        },
        section="organization",
    )
