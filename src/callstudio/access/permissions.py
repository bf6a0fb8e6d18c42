"""The permission catalog, declared once. Everything else (roles, checks, the API's catalog, the
UI's checkboxes, docs/permissions.md) reads it from here."""

from dataclasses import dataclass

ORG = "org"
TEAM = "team"


@dataclass(frozen=True)
class Permission:
    name: str
    scope: str
    group: str
    description: str


CATALOG: tuple[Permission, ...] = (
    Permission("org.read", ORG, "Organization", "See the organization and its team names."),
    Permission("org.manage", ORG, "Organization", "Change the organization's settings."),
    Permission("org.members.read", ORG, "Members", "See the organization's members."),
    Permission("org.members.add", ORG, "Members", "Add members by account ID."),
    Permission("org.members.revoke", ORG, "Members", "Revoke (archive) members."),
    Permission("org.members.restore", ORG, "Members", "Restore archived members."),
    Permission("org.members.roles", ORG, "Members", "Change members' organization roles."),
    Permission("org.roles.manage", ORG, "Roles", "Create, edit and delete custom roles."),
    Permission("org.keys.manage", ORG, "API keys", "Create and revoke ingest keys."),
    Permission("org.audit.read", ORG, "Audit log", "Read the audit log."),
    Permission("teams.create", ORG, "Teams", "Create teams."),
    Permission("team.read", TEAM, "Team", "Open the team's page."),
    Permission(
        "team.settings", TEAM, "Team", "See the team's settings, including its workflow ID."
    ),
    Permission(
        "team.manage",
        TEAM,
        "Team",
        "Rename, describe and archive the team; rotate its workflow ID.",
    ),
    Permission("team.members.read", TEAM, "Team members", "See the team's members."),
    Permission(
        "team.members.manage",
        TEAM,
        "Team members",
        "Add and revoke team members; change team roles.",
    ),
    Permission("calls.read.own", TEAM, "Calls", "Read the calls where they are the agent."),
    Permission("calls.read.all", TEAM, "Calls", "Read all of the team's calls."),
    Permission("calls.archive", TEAM, "Calls", "Archive and unarchive calls."),
    Permission("analytics.read.own", TEAM, "Analytics", "See analytics of their own calls."),
    Permission("analytics.read.all", TEAM, "Analytics", "See the team's analytics."),
    Permission("agents.read", TEAM, "Analytics", "See agent data: per-agent figures and profiles."),
    Permission("alerts.read", TEAM, "Alerts", "See the team's alerts."),
    Permission(
        "alerts.manage", TEAM, "Alerts", "Manage alert rules; acknowledge and resolve alerts."
    ),
    Permission("automations.read", TEAM, "Automations", "See the team's automations."),
    Permission("automations.manage", TEAM, "Automations", "Create, edit and delete automations."),
)

BY_NAME: dict[str, Permission] = {p.name: p for p in CATALOG}
ALL: frozenset[str] = frozenset(BY_NAME)
ORG_PERMISSIONS: frozenset[str] = frozenset(p.name for p in CATALOG if p.scope == ORG)
TEAM_PERMISSIONS: frozenset[str] = frozenset(p.name for p in CATALOG if p.scope == TEAM)
