"""Writes to alert rules, alerts, automations and trackers: each checked by the policy point,
validated (rules/conditions.py) before anything changes, and audited."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from callstudio.access.policy import TeamAccess
from callstudio.core.audit import audit_record
from callstudio.core.audit_actions import AuditAction
from callstudio.core.errors import Conflict, Invalid, NotFound
from callstudio.core.validation import clean_name, ensure_name_free

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
from .kinds.conditions import clean_query
from .models import Alert, AlertRule, Automation, Tracker

UNSET = object()


# Caps per team (settings CALLSTUDIO_MAX_*_PER_TEAM): every call of a team is checked against
# each of its rules and automations, and each webhook is one more delivery per matching call, so
# one team cannot make the worker's work (or another organization's wait) grow without bound.


def _webhooks(actions) -> int:
    return sum(1 for a in actions if isinstance(a, dict) and a.get("type") == "webhook")


def _ensure_room(
    access: TeamAccess,
    *,
    rule: AlertRule | None = None,
    automation: Automation | None = None,
    adding: bool = False,
) -> None:
    """Before saving `rule` or `automation` (`adding`: a new one): the team stays within its
    caps. The team's row is locked first, so two requests cannot both take the last place."""
    team = type(access.team).objects.select_for_update().get(id=access.team.id)
    rules = AlertRule.objects.filter(team_id=team.id)
    automations = Automation.objects.filter(team_id=team.id)
    if (
        adding
        and rule is not None
        and rules.count() >= settings.CALLSTUDIO_MAX_ALERT_RULES_PER_TEAM
    ):
        raise Invalid(
            f"A team can have at most {settings.CALLSTUDIO_MAX_ALERT_RULES_PER_TEAM} alert rules; "
            "delete one first.",
            code="limit_reached",
        )
    limit = settings.CALLSTUDIO_MAX_AUTOMATIONS_PER_TEAM
    if adding and automation is not None and automations.count() >= limit:
        raise Invalid(
            f"A team can have at most {limit} automations; delete one first.",
            code="limit_reached",
        )
    if rule is not None:
        mine, field = (1 if rule.webhook_url else 0), "webhook_url"
        rules = rules.exclude(id=rule.id)
    else:
        mine, field = _webhooks(automation.actions), "actions"
        automations = automations.exclude(id=automation.id)
    if not mine:
        return
    others = rules.exclude(webhook_url="").count() + sum(
        _webhooks(actions) for actions in automations.values_list("actions", flat=True)
    )
    limit = settings.CALLSTUDIO_MAX_WEBHOOKS_PER_TEAM
    if others + mine > limit:
        raise Invalid(
            f"A team can send at most {limit} webhooks (alert rules' and automations' together); "
            f"it has {others} besides this one.",
            field=field,
            code="limit_reached",
        )


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
    _ensure_room(access, rule=rule, adding=True)
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
            _ensure_room(access, rule=rule)
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
    automation = Automation(
        organization_id=access.team.organization_id,
        team_id=access.team.id,
        name=clean_name(name),
        trigger=_clean_trigger(trigger),
        conditions=clean_conditions([] if conditions is None else conditions),
        actions=clean_actions(actions),
        enabled=enabled,
    )
    _ensure_room(access, automation=automation, adding=True)
    automation.save()
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
    if actions is not UNSET:
        _ensure_room(access, automation=automation)
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


# Trackers: a team's saved queries, counted in its analytics. Managed by those who manage alert
# rules (`alerts.manage`): a tracker watches calls as a keyword or query condition does.

TRACKER_TAKEN = "A tracker with this name already exists in the team."


def _tracker_state(tracker: Tracker) -> dict:
    return {"name": tracker.name, "query": tracker.query}


def _ensure_tracker_name_free(team_id: str, name: str, *, exclude_id: str | None = None) -> None:
    """The rules of team and role names, in the team (core.validation.ensure_name_free)."""
    ensure_name_free(
        Tracker.objects.filter(team_id=team_id),
        name,
        taken=TRACKER_TAKEN,
        looks_like="This name looks like the tracker “{existing}” already in the team.",
        exclude_id=exclude_id,
    )


def tracker_create(*, access: TeamAccess, name, query) -> Tracker:
    access.require("alerts.manage")
    name = clean_name(name)
    query = clean_query(query, "query")
    try:
        with transaction.atomic():
            _ensure_tracker_name_free(access.team.id, name)
            tracker = Tracker.objects.create(
                organization_id=access.team.organization_id,
                team_id=access.team.id,
                name=name,
                query=query,
                created_by=access.account,
            )
            _audit(access, AuditAction.TRACKER_CREATE, tracker, after=_tracker_state(tracker))
    except IntegrityError:  # a concurrent create took the name between check and insert
        raise Conflict(TRACKER_TAKEN, field="name", code="duplicate") from None
    return tracker


def tracker_update(*, access: TeamAccess, tracker_id, name=UNSET, query=UNSET) -> Tracker:
    """Fields left out stay. A new query counts the calls analysed from now on; calls counted
    under the old one stay counted."""
    access.require("alerts.manage")
    try:
        with transaction.atomic():
            tracker = selectors.tracker(access, tracker_id)
            before = _tracker_state(tracker)
            if name is not UNSET:
                tracker.name = clean_name(name)
                _ensure_tracker_name_free(access.team.id, tracker.name, exclude_id=tracker.id)
            if query is not UNSET:
                tracker.query = clean_query(query, "query")
            if _tracker_state(tracker) != before:
                tracker.save()
                _audit(
                    access,
                    AuditAction.TRACKER_UPDATE,
                    tracker,
                    before=before,
                    after=_tracker_state(tracker),
                )
    except IntegrityError:
        raise Conflict(TRACKER_TAKEN, field="name", code="duplicate") from None
    return tracker


@transaction.atomic
def tracker_delete(*, access: TeamAccess, tracker_id) -> None:
    """The analytics stop showing it at once (its counts are read only for existing trackers)."""
    access.require("alerts.manage")
    tracker = selectors.tracker(access, tracker_id)
    _audit(access, AuditAction.TRACKER_DELETE, tracker, before=_tracker_state(tracker))
    tracker.delete()
