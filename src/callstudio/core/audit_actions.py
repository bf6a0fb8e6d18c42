"""Every action the audit log records, declared once: its name (stored in the entry and used by
the API's `action` filter), a label for people and a description.

Services pass these constants to `audit_record`, which refuses any name not declared here. The
audit log page's action filter and the list in docs/api.md come from this table (a test holds the
docs equal to it), so adding an action means adding one line here."""

from enum import StrEnum


class AuditAction(StrEnum):
    """A declared audit action. Members are strings (`AuditAction.TEAM_CREATE == "team.create"`)
    and carry `.label` and `.description`."""

    label: str
    description: str

    def __new__(cls, name: str, label: str, description: str):
        member = str.__new__(cls, name)
        member._value_ = name
        member.label = label
        member.description = description
        return member

    # Accounts (no organization: these never appear in an organization's log)
    ACCOUNT_CREATE = "account.create", "Account created", "Someone signed up."
    TOKEN_CREATE = "token.create", "API token created", "A personal API token was created."
    TOKEN_REVOKE = "token.revoke", "API token revoked", "A personal API token was revoked."
    ACCOUNT_LOGIN = "account.login", "Signed in", "Someone signed in to the account in a browser."
    ACCOUNT_LOGIN_FAILED = (
        "account.login_failed",
        "Sign-in failed",
        "A wrong password was given for the account (browser sign-in or token request).",
    )
    ACCOUNT_PASSWORD_CHANGE = (
        "account.password_change",
        "Password changed",
        "The account's password was changed; its tokens and other sessions were ended.",
    )
    ACCOUNT_PASSWORD_RESET = (
        "account.password_reset",
        "Password reset",
        "The password was reset from an emailed link; tokens and other sessions were ended.",
    )
    SESSION_REVOKE = "session.revoke", "Session ended", "A signed-in browser session was ended."

    # Organization
    ORG_CREATE = "org.create", "Organization created", "The organization was created."

    # Teams
    TEAM_CREATE = "team.create", "Team created", "A team was created in the organization."
    TEAM_UPDATE = "team.update", "Team changed", "A team's name or description changed."
    TEAM_WORKFLOW_ID_ROTATE = (
        "team.workflow_id.rotate",
        "Workflow ID replaced",
        "A team's workflow ID was replaced; calls sent with the old one are refused.",
    )
    TEAM_ARCHIVE = "team.archive", "Team archived", "A team was archived."
    TEAM_UNARCHIVE = "team.unarchive", "Team unarchived", "An archived team was brought back."

    # Organization members
    MEMBER_ADD = "member.add", "Member added", "An account joined the organization."
    MEMBER_ROLE_CHANGE = (
        "member.role.change",
        "Organization role changed",
        "A member's organization role changed.",
    )
    MEMBER_REVOKE = (
        "member.revoke",
        "Member revoked",
        "A member was removed from the organization (kept, archived).",
    )
    MEMBER_RESTORE = (
        "member.restore",
        "Member restored",
        "An archived member was brought back with their role.",
    )

    # Team members
    TEAM_MEMBER_ADD = "team.member.add", "Added to team", "A member was added to a team."
    TEAM_MEMBER_ROLE_CHANGE = (
        "team.member.role.change",
        "Team role changed",
        "A member's role in a team changed.",
    )
    TEAM_MEMBER_REVOKE = (
        "team.member.revoke",
        "Removed from team",
        "A member was removed from a team.",
    )
    TEAM_MEMBER_AGENT_ID_CHANGE = (
        "team.member.agent_id.change",
        "Agent ID changed",
        "The ID a team member's calls carry in the sender's systems changed.",
    )

    # Custom roles
    ROLE_CREATE = "role.create", "Role created", "A custom role was created."
    ROLE_UPDATE = (
        "role.update",
        "Role changed",
        "A custom role's name, scope or permissions changed.",
    )
    ROLE_DELETE = "role.delete", "Role deleted", "A custom role was deleted."

    # Ingest API keys
    KEY_CREATE = "key.create", "API key created", "An ingest API key was created."
    KEY_REVOKE = "key.revoke", "API key revoked", "An ingest API key was revoked."

    # Alert rules and automations
    ALERT_RULE_CREATE = "alert_rule.create", "Alert rule created", "An alert rule was created."
    ALERT_RULE_UPDATE = "alert_rule.update", "Alert rule changed", "An alert rule was changed."
    ALERT_RULE_DELETE = "alert_rule.delete", "Alert rule deleted", "An alert rule was deleted."
    AUTOMATION_CREATE = (
        "automation.create",
        "Automation created",
        "An automation was created.",
    )
    AUTOMATION_UPDATE = (
        "automation.update",
        "Automation changed",
        "An automation was changed, enabled or disabled.",
    )
    AUTOMATION_DELETE = (
        "automation.delete",
        "Automation deleted",
        "An automation was deleted.",
    )


AUDIT_ACTIONS: dict[str, AuditAction] = {a.value: a for a in AuditAction}
# Written with no organization: they belong to no organization's log.
ACCOUNT_ACTIONS = frozenset(
    {
        AuditAction.ACCOUNT_CREATE,
        AuditAction.TOKEN_CREATE,
        AuditAction.TOKEN_REVOKE,
        AuditAction.ACCOUNT_LOGIN,
        AuditAction.ACCOUNT_LOGIN_FAILED,
        AuditAction.ACCOUNT_PASSWORD_CHANGE,
        AuditAction.ACCOUNT_PASSWORD_RESET,
        AuditAction.SESSION_REVOKE,
    }
)
ORG_ACTIONS: tuple[AuditAction, ...] = tuple(a for a in AuditAction if a not in ACCOUNT_ACTIONS)


class UndeclaredAuditAction(LookupError):
    """A programming error: an audit entry for an action nobody declared."""


def audit_action(name: str) -> AuditAction:
    """The declared action called `name`, or UndeclaredAuditAction."""
    try:
        return AUDIT_ACTIONS[str(name)]
    except KeyError:
        raise UndeclaredAuditAction(
            f"Undeclared audit action {name!r}: declare it in callstudio.core.audit_actions."
        ) from None
