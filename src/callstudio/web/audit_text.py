"""Audit log entries as text for people: names instead of ids, labels instead of action names and
keys, "none" for empty values, never a Python repr.

Entries store ids where ids are right for machines (the API returns them as stored). Here a page
of entries is resolved at once: one query for the member names, one for the custom role names and
one for team names (none when the page has them already), whatever the page size."""

from dataclasses import dataclass, field

from callstudio.access.permissions import CATALOG
from callstudio.access.roles import BUILTIN_ROLES
from callstudio.core.audit_actions import AUDIT_ACTIONS
from callstudio.directory.selectors import audit_log_names

NONE = "none"
ARROW = " → "

TARGET_KINDS = {
    "account": "Member",
    "organization": "Organization",
    "team": "Team",
    "role": "Role",
    "api_key": "API key",
    "token": "API token",
    "session": "Session",
    "alert_rule": "Alert rule",
    "automation": "Automation",
    "tracker": "Tracker",
    "invitation": "Invitation",
    "call": "Call",
    "alert": "Alert",
}
FIELD_LABELS = {  # also the order fields are shown in
    "name": "Name",
    "description": "Description",
    "status": "Status",
    "role": "Role",
    "workflow_id": "Workflow ID",
    "agent_external_id": "Agent ID",
    "archived": "Archived",
    "scope": "Scope",
    "permissions": "Permissions",
    "teams": "Teams",
    "trigger": "Trigger",
    "condition": "Condition",
    "conditions": "Conditions",
    "query": "Query",
    "actions": "Actions",
    "webhook_url": "Webhook",
    "enabled": "Enabled",
    "require_mfa": "Requires two-factor authentication",
    "default_role": "Default role for new members",
    "recovery_codes": "New recovery codes",
    "codes_left": "Recovery codes left",
    "email": "Email",
    "expires_at": "Expires",
    # Single sign-on (sso/services.py, sso/login.py)
    "protocol": "Protocol",
    "issuer": "Issuer",
    "client_id": "Client ID",
    "client_secret": "Client secret",
    "idp_entity_id": "IdP entity ID",
    "jit": "Just-in-time accounts and memberships",
    "require_sso": "Requires SSO",
    "links_removed": "Account links removed",
    "subject": "IdP subject",
    "account_created": "Account created",
}
SCOPES = {"org": "Organization", "team": "Team"}
STATUSES = {
    "active": "Active",
    "archived": "Archived",
    "pending": "Pending",
    "accepted": "Accepted",
    "revoked": "Revoked",
    "expired": "Expired",
}
TRIGGERS = {"call.ingested": "A call arrives", "alert.raised": "An alert is raised"}
PERMISSION_LABELS = {p.name: p.description.rstrip(".") for p in CATALOG}


@dataclass
class AuditRow:
    entry: object
    actor: str
    actor_detail: str
    action: str
    target: str
    target_kind: str
    team: str
    changes: list[str] = field(default_factory=list)


@dataclass
class _Names:
    accounts: dict[str, str]
    roles: dict[str, str]
    teams: dict[str, str]

    def role(self, ref) -> str:
        if ref in (None, ""):
            return NONE
        if ref in BUILTIN_ROLES:
            return BUILTIN_ROLES[ref].name
        return self.roles.get(ref, "a deleted role")


def describe_entries(entries, *, access, team_names: dict | None = None) -> list[AuditRow]:
    """`entries` come from `audit_log_page` (actor and team joined). `team_names` (id → name),
    when the caller has them already, saves the team query for those teams."""
    entries = list(entries)
    names = _resolve(entries, access=access, team_names=team_names or {})
    return [_row(e, names) for e in entries]


def _details(entry):
    for side in (entry.before, entry.after):
        if isinstance(side, dict):
            yield side


def _resolve(entries, *, access, team_names: dict) -> _Names:
    account_ids, role_ids, team_ids = set(), set(), set()
    for e in entries:
        if e.target_type == "account":
            account_ids.add(e.target_id)
        for side in _details(e):
            for ref in (side.get("role"), side.get("default_role")):
                if isinstance(ref, str) and ref and ref not in BUILTIN_ROLES:
                    role_ids.add(ref)
            teams = side.get("teams")
            if isinstance(teams, list):
                team_ids.update(t for t in teams if isinstance(t, str))
    known = {t: team_names[t] for t in team_ids if t in team_names}
    accounts, roles, teams = audit_log_names(
        access=access, account_ids=account_ids, role_ids=role_ids, team_ids=team_ids - set(known)
    )
    teams.update(known)
    return _Names(accounts=accounts, roles=roles, teams=teams)


def _row(e, names: _Names) -> AuditRow:
    declared = AUDIT_ACTIONS.get(e.action)
    if e.actor is not None:
        actor, actor_detail = e.actor.name or e.actor_label or e.actor.email, e.actor.email
    else:
        actor, actor_detail = e.actor_label or "—", ""
    if actor_detail == actor:
        actor_detail = ""
    target = e.target_label or "—"
    if e.target_type == "account":
        target = names.accounts.get(e.target_id) or target
    return AuditRow(
        entry=e,
        actor=actor,
        actor_detail=actor_detail,
        action=declared.label if declared else e.action.replace(".", " ").replace("_", " "),
        target=target,
        target_kind=TARGET_KINDS.get(e.target_type, e.target_type.replace("_", " ").capitalize()),
        team=e.team.name if e.team_id and e.team else "—",
        changes=changes(e.before, e.after, names),
    )


def changes(before, after, names: _Names) -> list[str]:
    """One line per field: "Role: Member → Supervisor", or "Name: Billing" when only one side
    has it (created or deleted)."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    lines = []
    # In FIELD_LABELS order (PostgreSQL's jsonb does not keep the stored key order).
    keys = list(before) + [k for k in after if k not in before]
    order = {k: i for i, k in enumerate(FIELD_LABELS)}
    for key in sorted(keys, key=lambda k: (order.get(k, len(order)), k)):
        label = FIELD_LABELS.get(key, key.replace("_", " ").capitalize())
        if key in before and key in after:
            old, new = value_text(key, before[key], names), value_text(key, after[key], names)
            lines.append(f"{label}: {old}" if old == new else f"{label}: {old}{ARROW}{new}")
        else:
            side = before if key in before else after
            lines.append(f"{label}: {value_text(key, side[key], names)}")
    return lines


def value_text(key: str, value, names: _Names) -> str:
    if key in ("role", "default_role"):
        return names.role(value)
    if key == "teams":
        if value is None:
            return "every team"
        if isinstance(value, list):
            return ", ".join(names.teams.get(t, "a deleted team") for t in value) or NONE
    if key == "scope" and value in SCOPES:
        return SCOPES[value]
    if key == "status" and value in STATUSES:
        return STATUSES[value]
    if key == "trigger" and value in TRIGGERS:
        return TRIGGERS[value]
    if key == "permissions" and isinstance(value, list):
        return "; ".join(PERMISSION_LABELS.get(p, str(p)) for p in value) or NONE
    if key in ("condition", "conditions") and value:
        return "; ".join(_rule_text(c, condition=True) for c in _as_list(value))
    if key == "actions" and value:
        return "; ".join(_rule_text(a, condition=False) for a in _as_list(value))
    return plain(value)


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _rule_text(item, *, condition: bool) -> str:
    from callstudio.web.rule_forms import describe_action, describe_condition

    if not isinstance(item, dict):
        return plain(item)
    try:
        return describe_condition(item) if condition else describe_action(item)
    except (KeyError, TypeError, ValueError):
        return plain(item)


def plain(value) -> str:
    """Any stored JSON value as words: no quotes, braces or None."""
    if value is None or value == "" or value == [] or value == {}:
        return NONE
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list):
        return ", ".join(plain(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(
            f"{FIELD_LABELS.get(k, str(k).replace('_', ' '))} {plain(v)}" for k, v in value.items()
        )
    return str(value)
