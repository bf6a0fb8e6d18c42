"""The built-in roles, made exact: tests/access/role_matrix.csv holds the same table as data."""

from dataclasses import dataclass

from .permissions import ALL, ORG, TEAM, TEAM_PERMISSIONS


@dataclass(frozen=True)
class BuiltinRole:
    key: str
    name: str
    scope: str
    permissions: frozenset[str]
    description: str


ADMIN = BuiltinRole(
    "admin", "Admin", ORG, ALL, "Full access to the organization and all its teams."
)
MANAGER = BuiltinRole(
    "manager",
    "Manager",
    ORG,
    frozenset({"org.read", "org.members.read", "teams.create"}) | TEAM_PERMISSIONS,
    "Team management, and all team permissions in every team.",
)
MEMBER = BuiltinRole(
    "member",
    "Member",
    ORG,
    frozenset({"org.read"}),
    "The default organization role; team access comes from team roles.",
)
SUPERVISOR = BuiltinRole(
    "supervisor",
    "Supervisor",
    TEAM,
    frozenset(
        {
            "team.read",
            "team.settings",
            "team.members.read",
            "calls.read.all",
            "calls.archive",
            "analytics.read.all",
            "agents.read",
            "alerts.read",
            "alerts.manage",
            "automations.read",
            "automations.manage",
        }
    ),
    "A team's internals: all calls, archiving, agent data, alerts and automations.",
)
AGENT = BuiltinRole(
    "agent",
    "Agent",
    TEAM,
    frozenset({"team.read", "calls.read.own", "analytics.read.own"}),
    "Read only, their own data in the team.",
)

BUILTIN_ROLES: dict[str, BuiltinRole] = {
    r.key: r for r in (ADMIN, MANAGER, MEMBER, SUPERVISOR, AGENT)
}
