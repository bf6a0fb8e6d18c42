"""Model rows to response dicts: one place, so the API and later the UI speak the same words."""

from callstudio.access.roles import BUILTIN_ROLES


def role_out(*, key: str = "", custom=None) -> tuple[str, str]:
    return (custom.id, custom.name) if custom is not None else (key, BUILTIN_ROLES[key].name)


def member(m) -> dict:
    ref, name = role_out(key=m.role, custom=m.custom_role)
    return {
        "account_id": m.account.account_id,
        "name": m.account.name,
        "email": m.account.email,
        "role": ref,
        "role_name": name,
        "status": m.status,
        "teams": [
            {"id": tm.team.id, "name": tm.team.name, "role": tm.role_ref}
            for tm in getattr(m, "active_team_memberships", [])
        ],
    }


def team(t, *, permissions: frozenset[str] | None = None, can_see_settings: bool) -> dict:
    out = {
        "id": t.id,
        "name": t.name,
        "description": t.description,
        "workflow_id": t.workflow_id if can_see_settings else None,
        "created_at": t.created_at,
    }
    if permissions is not None:
        out["permissions"] = sorted(permissions)
    return out


def team_member(tm) -> dict:
    ref, name = role_out(key=tm.role, custom=tm.custom_role)
    return {
        "account_id": tm.account.account_id,
        "name": tm.account.name,
        "email": tm.account.email,
        "role": ref,
        "role_name": name,
        "joined_at": tm.created_at,
    }


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
