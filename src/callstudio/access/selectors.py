from django.db.models import Count

from callstudio.core.errors import NotFound
from callstudio.orgs.models import OrgMembership, TeamMembership

from .models import Role
from .policy import OrgAccess, TeamAccess
from .roles import BUILTIN_ROLES


def org_custom_roles(*, access: OrgAccess) -> list[Role]:
    return list(
        Role.objects.filter(organization_id=access.organization.id).order_by("scope", "name")
    )


def role_get(*, access: OrgAccess, role_id) -> Role:
    """One of the organization's custom roles; another organization's roles are not found. The
    caller checks the operation's permission."""
    role = Role.objects.filter(organization_id=access.organization.id, id=role_id).first()
    if role is None:
        raise NotFound("Role not found.")
    return role


def _assignable(held: frozenset[str], scope: str, custom: list[Role]) -> list[tuple[str, str]]:
    """(reference, display name) of every role of `scope` whose permissions the actor holds:
    the only choices a role select offers."""
    choices = [
        (r.key, r.name)
        for r in BUILTIN_ROLES.values()
        if r.scope == scope and r.permissions <= held
    ]
    choices += [(r.id, r.name) for r in custom if r.scope == scope and r.permission_set <= held]
    return choices


def assignable_org_roles(*, access: OrgAccess) -> list[tuple[str, str]]:
    return _assignable(access.permissions, "org", org_custom_roles(access=access))


def assignable_team_roles(*, access: TeamAccess) -> list[tuple[str, str]]:
    return _assignable(access.permissions, "team", org_custom_roles(access=access.org))


def org_wide_team_roles(*, access: OrgAccess) -> list[tuple[str, str]]:
    """Team roles the actor's org role alone lets them grant in any team (an invitation's team
    rows); the service still checks each team."""
    return _assignable(access.permissions, "team", org_custom_roles(access=access))


def role_usage_counts(*, access: OrgAccess) -> dict[str, int]:
    """How many memberships hold each custom role (org members of any status, live team members)."""
    counts: dict[str, int] = {}
    for qs in (
        OrgMembership.objects.filter(
            organization_id=access.organization.id, custom_role__isnull=False
        ),
        TeamMembership.objects.filter(
            organization_id=access.organization.id,
            custom_role__isnull=False,
            revoked_at__isnull=True,
        ),
    ):
        for row in qs.values("custom_role_id").annotate(n=Count("id")).order_by():
            counts[row["custom_role_id"]] = counts.get(row["custom_role_id"], 0) + row["n"]
    return counts
