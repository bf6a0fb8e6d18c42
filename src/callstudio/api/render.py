"""Model rows to response dicts: one place, so every endpoint of an area speaks the same words.
Accounts, organizations, members, teams, roles and the audit log are rendered here; endpoints
only pick the renderer."""

from callstudio.access.roles import BUILTIN_ROLES
from callstudio.core.audit_actions import AUDIT_ACTIONS


def role_out(*, key: str = "", custom=None) -> tuple[str, str]:
    return (custom.id, custom.name) if custom is not None else (key, BUILTIN_ROLES[key].name)


# Accounts and tokens


def account(a, *, email_verified: bool) -> dict:
    return {
        "account_id": a.account_id,
        "email": a.email,
        "name": a.name,
        "email_verified": email_verified,
    }


def me(a, *, memberships, email_verified: bool, pending_email: str | None, mfa: dict) -> dict:
    return {
        **account(a, email_verified=email_verified),
        "pending_email": pending_email,
        "orgs": [org_item(m) for m in memberships],
        "mfa": mfa,
    }


def token(t) -> dict:
    return {
        "id": t.id,
        "name": t.name,
        "hint": t.hint,
        "created_at": t.created_at,
        "last_used_at": t.last_used_at,
        "expires_at": t.expires_at,
    }


def token_created(t, raw: str) -> dict:
    return {"id": t.id, "token": raw, "name": t.name, "expires_at": t.expires_at}


def user_session(s, *, current_key: str | None) -> dict:
    return {
        "id": str(s.pk),
        "created_at": s.created_at,
        "last_seen_at": s.last_seen_at,
        "ip": s.ip,
        "user_agent": s.user_agent,
        "current": current_key is not None and s.session_key == current_key,
    }


def security_event(e) -> dict:
    declared = AUDIT_ACTIONS.get(e.action)
    return {
        "id": e.id,
        "at": e.at,
        "action": e.action,
        "label": declared.label if declared else e.action,
        "actor": {"account_id": e.actor.account_id if e.actor else None, "email": e.actor_label},
        "target": {"type": e.target_type, "id": e.target_id, "label": e.target_label},
        "details": {"before": e.before, "after": e.after},
    }


# Organizations and members


def organization(o) -> dict:
    return {"id": o.id, "name": o.name}


def org_item(m) -> dict:
    """One of the caller's organizations, from their membership."""
    return {"id": m.organization.id, "name": m.organization.name, "role": m.role_ref}


def org_detail(access) -> dict:
    return {
        **organization(access.organization),
        "role": access.membership.role_ref,
        "permissions": sorted(access.org_permissions),
        "settings": org_settings(access.organization),
    }


def org_settings(o) -> dict:
    return {
        "require_mfa": o.require_mfa,
        "default_role": o.default_role,
        "scim_team_role": o.scim_team_role,
    }


def member(m) -> dict:
    ref, name = role_out(key=m.role, custom=m.custom_role)
    return {
        "account_id": m.account.account_id,
        "name": m.account.name,
        "email": m.account.email,
        "role": ref,
        "role_name": name,
        "status": m.status,
        "teams": getattr(m, "active_teams", []),
    }


def member_status(m, *, account_id: str) -> dict:
    return {"account_id": account_id, "status": m.status, "role": m.role_ref}


def member_restored(m, *, account_id: str, former_teams) -> dict:
    return {
        **member_status(m, account_id=account_id),
        "former_teams": [
            {"id": tm.team.id, "name": tm.team.name, "role": tm.role_ref} for tm in former_teams
        ],
    }


# Teams


def team(t, *, permissions: frozenset[str] | None = None, can_see_settings: bool) -> dict:
    out = {
        "id": t.id,
        "name": t.name,
        "description": t.description,
        "workflow_id": t.workflow_id if can_see_settings else None,
        "archived": t.archived_at is not None,
        "created_at": t.created_at,
        "managed_by": t.managed_by or None,
    }
    if permissions is not None:
        out["permissions"] = sorted(permissions)
    return out


def team_detail(access) -> dict:
    """The team as its TeamAccess sees it: with the caller's permissions there."""
    return team(
        access.team, permissions=access.permissions, can_see_settings=access.has("team.settings")
    )


def workflow_id(t) -> dict:
    return {"workflow_id": t.workflow_id}


def team_member(tm) -> dict:
    ref, name = role_out(key=tm.role, custom=tm.custom_role)
    return {
        "account_id": tm.account.account_id,
        "name": tm.account.name,
        "email": tm.account.email,
        "role": ref,
        "role_name": name,
        "agent_external_id": tm.agent_external_id,
        "joined_at": tm.created_at,
    }


# Permissions, roles and the audit log


def permission(p) -> dict:
    return {"name": p.name, "scope": p.scope, "group": p.group, "description": p.description}


def builtin_role(r) -> dict:
    return {
        "id": r.key,
        "name": r.name,
        "scope": r.scope,
        "builtin": True,
        "description": r.description,
        "permissions": sorted(r.permissions),
    }


def custom_role(r) -> dict:
    return {
        "id": r.id,
        "name": r.name,
        "scope": r.scope,
        "builtin": False,
        "description": r.description,
        "permissions": list(r.permissions),
    }


def audit_entry(e) -> dict:
    return {
        "id": e.id,
        "at": e.at,
        "actor": {"account_id": e.actor.account_id if e.actor else None, "email": e.actor_label},
        "action": e.action,
        "target": {"type": e.target_type, "id": e.target_id, "label": e.target_label},
        "team": {"id": e.team.id, "name": e.team.name} if e.team else None,
        "details": {"before": e.before, "after": e.after},
    }


def ingest_key(k, raw: str | None = None) -> dict:
    out = {
        "id": k.id,
        "name": k.name,
        "hint": k.hint,
        "teams": k.team_ids,
        "created_at": k.created_at,
        "last_used_at": k.last_used_at,
    }
    if raw is not None:
        out["key"] = raw
    return out


def _call_agent(c) -> dict | None:
    if not (c.agent_id or c.agent_ref):
        return None
    return {
        "account_id": c.agent.account_id if c.agent_id else None,
        "name": c.agent.name if c.agent_id else None,
        "ref": c.agent_ref,
    }


def search_item(item: dict) -> dict:
    c = item["call"]
    return {
        "call": {
            "id": c.id,
            "team": {"id": c.team.id, "name": c.team.name},
            "external_id": c.external_id,
            "started_at": c.started_at,
            "duration_seconds": c.duration_seconds,
            "agent": _call_agent(c),
            "customer": c.customer,
        },
        "matches": item["matches"],
        "score": item["score"],
    }


def call(c, *, detail: bool = False) -> dict:
    agent = _call_agent(c)
    out = {
        "id": c.id,
        "external_id": c.external_id,
        "team_id": c.team_id,
        "started_at": c.started_at,
        "ended_at": c.ended_at,
        "duration_seconds": c.duration_seconds,
        "direction": c.direction or None,
        "agent": agent,
        "customer": c.customer,
        "tags": c.tags,
        "archived": c.archived,
        "talk_ratio": c.talk_ratio,
        "silence_share": c.silence_share,
    }
    if detail:
        out.update(
            {
                "transcript": c.transcript,
                "recording_url": c.recording_url or None,
                "metadata": c.metadata,
                "sentiment": c.sentiment,
                "keywords": c.keywords,
                "analyzed_at": c.analyzed_at,
                "agent_talk_seconds": c.agent_talk_seconds,
                "customer_talk_seconds": c.customer_talk_seconds,
                "other_talk_seconds": c.other_talk_seconds,
                "longest_monologue_seconds": c.longest_monologue_seconds,
            }
        )
    return out
