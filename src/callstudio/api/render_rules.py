"""Response dicts of the rules area (alert rules, alerts, automations, webhook deliveries,
trackers): one place, so every endpoint that returns one of them returns the same shape, with
the same secrets hidden from the same readers."""

from callstudio.rules.conditions import without_secrets


def agent_ref(account) -> dict | None:
    if account is None:
        return None
    return {"account_id": account.account_id, "name": account.name, "email": account.email}


def alert_rule(rule, access) -> dict:
    """The webhook's signing secret only for those who manage alerts."""
    manage = access.has("alerts.manage")
    return {
        "id": rule.id,
        "name": rule.name,
        "condition": rule.condition,
        "webhook_url": rule.webhook_url or None,
        "webhook_secret": (rule.webhook_secret or None) if manage else None,
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
    }


def alert(a) -> dict:
    """Needs `call` and `call.agent` selected with it (the selectors do)."""
    return {
        "id": a.id,
        "rule": {"id": a.rule_id, "name": a.rule_name},
        "call": {
            "id": a.call.id,
            "external_id": a.call.external_id,
            "started_at": a.call.started_at,
            "agent": agent_ref(a.call.agent),
        },
        "status": a.status,
        "raised_at": a.raised_at,
        "acknowledged_at": a.acknowledged_at,
        "resolved_at": a.resolved_at,
    }


def automation(a, access) -> dict:
    """Webhook actions' secrets only for those who manage automations."""
    manage = access.has("automations.manage")
    return {
        "id": a.id,
        "name": a.name,
        "trigger": a.trigger,
        "conditions": a.conditions,
        "actions": [x if manage else without_secrets(x) for x in a.actions],
        "enabled": a.enabled,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    }


def delivery(d) -> dict:
    """The body and the secret stay on the server (the selector does not even load them)."""
    return {
        "delivery_id": d.id,
        "source": d.source,
        "event": d.event,
        "url": d.url,
        "status": d.status,
        "attempts": d.attempts,
        "last_status_code": d.last_status_code,
        "last_error": d.last_error or None,
        "next_attempt_at": d.next_attempt_at if d.status == "pending" else None,
        "created_at": d.created_at,
        "delivered_at": d.delivered_at,
    }


def tracker(t) -> dict:
    return {"id": t.id, "name": t.name, "query": t.query, "created_at": t.created_at}
