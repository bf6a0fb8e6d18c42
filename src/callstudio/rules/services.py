"""Writes to alert rules, alerts and automations: each checked by the policy point, validated
(rules/conditions.py) before anything changes, and audited."""

from django.db import transaction
from django.utils import timezone

from callstudio.access.policy import TeamAccess
from callstudio.core.audit import audit_record
from callstudio.core.audit_actions import AuditAction
from callstudio.core.errors import Conflict, Invalid, NotFound
from callstudio.core.validation import clean_name

from . import selectors
from .conditions import (
    clean_actions,
    clean_condition,
    clean_conditions,
    clean_url,
    without_secrets,
)
from .kinds import TRIGGERS
from .kinds.actions import new_secret
from .models import Alert, AlertRule, Automation

UNSET = object()


def _audit(access: TeamAccess, action: str, target, **changes) -> None:
    audit_record(
        actor=access.account,
        action=action,
        target=target,
        organization=access.org.organization,
        team=access.team,
        **changes,
    )


def _rule_state(rule: AlertRule) -> dict:
    return {"name": rule.name, "condition": rule.condition, "webhook_url": rule.webhook_url or None}


@transaction.atomic
def alert_rule_create(*, access: TeamAccess, name, condition, webhook_url=None) -> AlertRule:
    access.require("alerts.manage")
    rule = AlertRule(
        organization_id=access.team.organization_id,
        team_id=access.team.id,
        name=clean_name(name),
        condition=clean_condition(condition),
    )
    if webhook_url is not None:
        rule.webhook_url = clean_url(webhook_url, field="webhook_url")
        rule.webhook_secret = new_secret()
    rule.save()
    _audit(access, AuditAction.ALERT_RULE_CREATE, rule, after=_rule_state(rule))
    return rule


@transaction.atomic
def alert_rule_update(
    *, access: TeamAccess, rule_id, name=UNSET, condition=UNSET, webhook_url=UNSET
) -> AlertRule:
    """Fields left out stay; `webhook_url: null` removes the webhook."""
    access.require("alerts.manage")
    rule = selectors.alert_rule(access, rule_id, permission="alerts.manage")
    before = _rule_state(rule)
    if name is not UNSET:
        rule.name = clean_name(name)
    if condition is not UNSET:
        rule.condition = clean_condition(condition)
    if webhook_url is not UNSET:
        if webhook_url is None:
            rule.webhook_url, rule.webhook_secret = "", ""
        else:
            rule.webhook_url = clean_url(webhook_url, field="webhook_url")
            rule.webhook_secret = rule.webhook_secret or new_secret()
    rule.save()
    _audit(access, AuditAction.ALERT_RULE_UPDATE, rule, before=before, after=_rule_state(rule))
    return rule


@transaction.atomic
def alert_rule_delete(*, access: TeamAccess, rule_id) -> None:
    """Its alerts stay in the inbox, still naming the rule."""
    access.require("alerts.manage")
    rule = selectors.alert_rule(access, rule_id, permission="alerts.manage")
    _audit(access, AuditAction.ALERT_RULE_DELETE, rule, before=_rule_state(rule))
    rule.delete()


@transaction.atomic
def alert_set_status(*, access: TeamAccess, alert_id, status: str) -> Alert:
    """open → acknowledged → resolved (or open → resolved). Repeating a step is a no-op; going
    back is a conflict."""
    access.require("alerts.manage")
    alert = selectors.readable_alerts(access).select_for_update().filter(id=str(alert_id)).first()
    if alert is None:
        raise NotFound("Alert not found.")
    order = {Alert.OPEN: 0, Alert.ACKNOWLEDGED: 1, Alert.RESOLVED: 2}
    if order[alert.status] > order[status]:
        raise Conflict(f"This alert is already {alert.status}.")
    if alert.status != status:
        now = timezone.now()
        if status == Alert.ACKNOWLEDGED:
            alert.acknowledged_at, alert.acknowledged_by = now, access.account
        else:
            alert.resolved_at, alert.resolved_by = now, access.account
        before = alert.status
        alert.status = status
        alert.save()
        _audit(
            access,
            AuditAction.ALERT_ACKNOWLEDGE
            if status == Alert.ACKNOWLEDGED
            else AuditAction.ALERT_RESOLVE,
            alert,
            before={"status": before},
            after={"status": status},
        )
    return alert


def _clean_trigger(value) -> str:
    if value not in TRIGGERS:
        raise Invalid(f"Use one of: {', '.join(TRIGGERS)}.", field="trigger")
    return value


def _automation_state(a: Automation) -> dict:
    actions = [without_secrets(x) for x in a.actions]
    return {
        "name": a.name,
        "trigger": a.trigger,
        "conditions": a.conditions,
        "actions": actions,
        "enabled": a.enabled,
    }


@transaction.atomic
def automation_create(
    *, access: TeamAccess, name, trigger, conditions=None, actions=None, enabled=True
) -> Automation:
    access.require("automations.manage")
    if not isinstance(enabled, bool):
        raise Invalid("Must be true or false.", field="enabled")
    automation = Automation.objects.create(
        organization_id=access.team.organization_id,
        team_id=access.team.id,
        name=clean_name(name),
        trigger=_clean_trigger(trigger),
        conditions=clean_conditions([] if conditions is None else conditions),
        actions=clean_actions(actions),
        enabled=enabled,
    )
    _audit(access, AuditAction.AUTOMATION_CREATE, automation, after=_automation_state(automation))
    return automation


@transaction.atomic
def automation_update(
    *,
    access: TeamAccess,
    automation_id,
    name=UNSET,
    trigger=UNSET,
    conditions=UNSET,
    actions=UNSET,
    enabled=UNSET,
) -> Automation:
    access.require("automations.manage")
    automation = selectors.automation(access, automation_id, permission="automations.manage")
    before = _automation_state(automation)
    if name is not UNSET:
        automation.name = clean_name(name)
    if trigger is not UNSET:
        automation.trigger = _clean_trigger(trigger)
    if conditions is not UNSET:
        automation.conditions = clean_conditions(conditions)
    if actions is not UNSET:
        automation.actions = clean_actions(actions)
    if enabled is not UNSET:
        if not isinstance(enabled, bool):
            raise Invalid("Must be true or false.", field="enabled")
        automation.enabled = enabled
    automation.save()
    _audit(
        access,
        AuditAction.AUTOMATION_UPDATE,
        automation,
        before=before,
        after=_automation_state(automation),
    )
    return automation


@transaction.atomic
def automation_delete(*, access: TeamAccess, automation_id) -> None:
    access.require("automations.manage")
    automation = selectors.automation(access, automation_id, permission="automations.manage")
    _audit(access, AuditAction.AUTOMATION_DELETE, automation, before=_automation_state(automation))
    automation.delete()
