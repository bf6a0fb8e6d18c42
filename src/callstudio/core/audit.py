"""Writing and reading the audit log. Services call `audit_record` inside their transaction, so an
entry exists exactly when the change it describes was committed."""

from django.db.models import QuerySet

from .audit_actions import AuditAction, UndeclaredAuditAction, audit_action
from .models import AuditLogEntry

__all__ = ["AuditAction", "UndeclaredAuditAction", "dangerously_audit_entries", "audit_record"]


def audit_record(
    *,
    actor,
    action: AuditAction | str,
    target,
    organization=None,
    team=None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditLogEntry:
    """Raises UndeclaredAuditAction for an action not declared in AuditAction."""
    declared = audit_action(action)
    target_type, target_id, target_label = _describe(target)
    # A SCIM token acts through an actor that is not an account (scim/actor.py): the entry
    # names the token instead, so the log shows which identity provider made the change.
    token = getattr(actor, "scim_token", None)
    return AuditLogEntry.objects.create(
        organization=organization,
        actor=None if token is not None else actor,
        actor_token=token,
        actor_label=actor_label(actor),
        action=declared.value,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        team=team,
        before=before,
        after=after,
    )


def actor_label(actor) -> str:
    """The actor as the entry remembers it: an account's email, or "SCIM token “Okta”"."""
    if actor is None:
        return ""
    token = getattr(actor, "scim_token", None)
    if token is not None:
        return f"SCIM token “{token.name}”"[:254]
    return getattr(actor, "email", "")


def _describe(target) -> tuple[str, str, str]:
    kind = target.__class__.__name__  # (not type(): a lazy request.user proxies __class__)
    if kind == "Account":
        return "account", target.account_id, target.email
    if kind == "Organization":
        return "organization", target.id, target.name
    if kind == "Team":
        return "team", target.id, target.name
    if kind == "Role":
        return "role", target.id, target.name
    if kind == "IngestKey":
        return "api_key", target.id, target.name
    if kind == "Invitation":
        return "invitation", target.id, target.email
    if kind == "PersonalToken":
        return "token", target.id, target.name
    if kind == "ScimToken":
        return "scim_token", target.id, target.name
    if kind == "UserSession":
        return "session", str(target.pk), f"{target.user_agent[:120]} ({target.ip})"
    if kind == "AlertRule":
        return "alert_rule", target.id, target.name
    if kind == "Automation":
        return "automation", target.id, target.name
    if kind == "Tracker":
        return "tracker", target.id, target.name
    if kind == "Call":
        return "call", str(target.id), target.external_id
    if kind == "Alert":
        return "alert", target.id, target.rule_name
    if kind == "OrgDomain":
        return "domain", target.domain, target.domain
    raise TypeError(f"No audit description for {kind}")


def dangerously_audit_entries(
    *,
    organization,
    actor_account_id: str | None = None,
    action: str | None = None,
    team_id: str | None = None,
) -> QuerySet:
    """Any organization's entries, with no permission check: only a selector that has checked
    `org.audit.read` for this organization calls it (directory.selectors.audit_log_page)."""
    qs = AuditLogEntry.objects.filter(organization=organization).select_related("actor", "team")
    if actor_account_id:
        # An account ID, or the actor's email as it was when they acted.
        if "@" in actor_account_id:
            qs = qs.filter(actor_label=actor_account_id.strip().lower())
        else:
            qs = qs.filter(actor__account_id=actor_account_id.strip())
    if action:
        qs = qs.filter(action=action)
    if team_id:
        qs = qs.filter(team_id=team_id)
    return qs
