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
    ACCOUNT_EMAIL_VERIFY = (
        "account.email.verify",
        "Email address verified",
        "An account's address was verified by its link; calls naming it are linked.",
    )
    ACCOUNT_EMAIL_CHANGE = (
        "account.email.change",
        "Email address changed",
        "An account's verified address replaced its previous one.",
    )

    # Multi-factor authentication (account-level; the account's own security log lists them)
    MFA_TOTP_ENABLE = (
        "mfa.totp.enable",
        "Authenticator app enabled",
        "An authenticator app (TOTP) became a second factor of the account.",
    )
    MFA_TOTP_DISABLE = (
        "mfa.totp.disable",
        "Authenticator app removed",
        "The account's authenticator app (TOTP) no longer signs it in.",
    )
    MFA_PASSKEY_ADD = "mfa.passkey.add", "Passkey added", "A passkey (WebAuthn) was added."
    MFA_PASSKEY_REMOVE = "mfa.passkey.remove", "Passkey removed", "A passkey was removed."
    MFA_RECOVERY_CODES_REGENERATE = (
        "mfa.recovery_codes.regenerate",
        "Recovery codes regenerated",
        "New recovery codes replaced the old ones, which no longer work.",
    )
    MFA_RECOVERY_CODES_REMOVE = (
        "mfa.recovery_codes.remove",
        "Recovery codes removed",
        "The recovery codes went with the account's last second factor.",
    )
    MFA_RECOVERY_CODE_USE = (
        "mfa.recovery_code.use",
        "Recovery code used",
        "A recovery code was used in place of a second factor; it no longer works.",
    )
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
    ORG_UPDATE = (
        "org.update",
        "Organization settings changed",
        "The organization's name, two-factor requirement or default role changed.",
    )

    # Single sign-on (PRODUCT §8.1; sso/)
    SSO_UPDATE = (
        "sso.update",
        "SSO connection changed",
        "The organization's identity provider connection was set up or changed (no secrets).",
    )
    SSO_DELETE = (
        "sso.delete",
        "SSO connection removed",
        "The identity provider connection and the account links made through it were removed.",
    )
    SSO_LOGIN = (
        "sso.login",
        "Signed in with SSO",
        "A member signed in through the organization's identity provider.",
    )
    SSO_LINK = (
        "sso.link",
        "Account linked to the IdP",
        "An existing account was linked to its identity provider subject at its first SSO sign-in.",
    )
    MEMBER_JIT_CREATE = (
        "member.jit_create",
        "Member added by SSO",
        "Someone the identity provider vouched for joined with the SSO default role (just in time).",
    )

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

    MEMBER_LEAVE = (
        "member.leave",
        "Left the organization",
        "A member left the organization: their teams were revoked and their membership archived.",
    )

    # Invitations
    INVITATION_CREATE = (
        "invitation.create",
        "Invitation sent",
        "Someone was invited by email to join the organization.",
    )
    INVITATION_RESEND = (
        "invitation.resend",
        "Invitation sent again",
        "An invitation was sent again with a new link; the old link stopped working.",
    )
    INVITATION_REVOKE = (
        "invitation.revoke",
        "Invitation revoked",
        "A pending invitation was withdrawn; its link stopped working.",
    )
    INVITATION_ACCEPT = (
        "invitation.accept",
        "Invitation accepted",
        "An invited person accepted and joined the organization.",
    )

    # Email domains (SSO)
    DOMAIN_ADD = (
        "domain.add",
        "Domain claimed",
        "An email domain was claimed; it waits for its DNS TXT record.",
    )
    DOMAIN_VERIFY = (
        "domain.verify",
        "Domain verified",
        "An email domain's TXT record was found: the domain belongs to the organization.",
    )
    DOMAIN_REMOVE = (
        "domain.remove",
        "Domain removed",
        "An email domain was removed from the organization.",
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

    # SCIM tokens (provisioning by an identity provider)
    SCIM_TOKEN_CREATE = (
        "scim_token.create",
        "SCIM token created",
        "A SCIM token was created for an identity provider to provision members and teams.",
    )
    SCIM_TOKEN_REVOKE = (
        "scim_token.revoke",
        "SCIM token revoked",
        "A SCIM token was revoked; the identity provider using it is refused from now on.",
    )

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
    TRACKER_CREATE = (
        "tracker.create",
        "Tracker created",
        "A tracker (a saved query counted in the team's analytics) was created.",
    )
    TRACKER_UPDATE = (
        "tracker.update",
        "Tracker changed",
        "A tracker's name or query was changed.",
    )
    TRACKER_DELETE = (
        "tracker.delete",
        "Tracker deleted",
        "A tracker was deleted: the analytics no longer show it.",
    )
    ALERT_ACKNOWLEDGE = (
        "alert.acknowledge",
        "Alert acknowledged",
        "An open alert was acknowledged.",
    )
    ALERT_RESOLVE = "alert.resolve", "Alert resolved", "An alert was resolved."

    # Calls
    CALL_ARCHIVE = (
        "call.archive",
        "Call archived",
        "A call was archived: it left the call list and the analytics.",
    )
    CALL_UNARCHIVE = (
        "call.unarchive",
        "Call unarchived",
        "An archived call was brought back to the call list and the analytics.",
    )

    # SCIM provisioning (the actor is the SCIM token: "SCIM token “Okta”")
    SCIM_ACCOUNT_CREATE = (
        "scim.account.create",
        "Account created by SCIM",
        "The identity provider provisioned a person with no account: one was created, its "
        "address verified by the IdP, with no password.",
    )
    SCIM_USER_UPDATE = (
        "scim.user.update",
        "IdP attributes of a member changed",
        "The identity provider changed a member's userName, name, display name, emails or "
        "external ID.",
    )
    SCIM_USER_DELETE = (
        "scim.user.delete",
        "Member deprovisioned by SCIM",
        "The identity provider deleted the user: the member was archived (never deleted) and "
        "is hidden from SCIM until provisioned again or restored.",
    )
    SCIM_DEACTIVATE_REFUSE = (
        "scim.user.deactivate_refused",
        "Deactivation refused",
        "The identity provider tried to deactivate the last active Admin: refused, nothing "
        "changed.",
    )
    SCIM_GROUP_UPDATE = (
        "scim.group.update",
        "Team linked to an IdP group",
        "A team became managed by the identity provider, or its group's external ID changed.",
    )


AUDIT_ACTIONS: dict[str, AuditAction] = {a.value: a for a in AuditAction}
# Written with no organization: they belong to no organization's log.
ACCOUNT_ACTIONS = frozenset(
    {
        AuditAction.ACCOUNT_CREATE,
        AuditAction.TOKEN_CREATE,
        AuditAction.TOKEN_REVOKE,
        AuditAction.ACCOUNT_EMAIL_VERIFY,
        AuditAction.ACCOUNT_EMAIL_CHANGE,
        AuditAction.ACCOUNT_LOGIN,
        AuditAction.ACCOUNT_LOGIN_FAILED,
        AuditAction.ACCOUNT_PASSWORD_CHANGE,
        AuditAction.ACCOUNT_PASSWORD_RESET,
        AuditAction.SESSION_REVOKE,
        AuditAction.MFA_TOTP_ENABLE,
        AuditAction.MFA_TOTP_DISABLE,
        AuditAction.MFA_PASSKEY_ADD,
        AuditAction.MFA_PASSKEY_REMOVE,
        AuditAction.MFA_RECOVERY_CODES_REGENERATE,
        AuditAction.MFA_RECOVERY_CODES_REMOVE,
        AuditAction.MFA_RECOVERY_CODE_USE,
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
