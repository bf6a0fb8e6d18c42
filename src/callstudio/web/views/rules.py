"""The Alerts tab (inbox and alert rules) and the Automations tab (automations and the webhook
delivery log). Every write goes through rules/services.py, which checks the permission itself."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from callstudio.core.errors import Conflict, DomainError
from callstudio.rules import selectors, services

from ..context import render_team, team_page
from ..rule_forms import ROWS, ActionForm, AlertRuleForm, AutomationForm, ConditionForm, place_error

INBOX = ("open", "acknowledged", "resolved", "all")


def _tab_url(access, name: str, query: str = "") -> str:
    url = reverse(name, args=[access.org.organization.id, access.team.id])
    return f"{url}?{query}" if query else url


def _data(request):
    """The POST data, or None on GET: an empty POST is still a bound (and invalid) form."""
    return request.POST if request.method == "POST" else None


@team_page("team_alerts")
@require_safe
def alerts(request, access):
    status = request.GET.get("status") or "open"
    page = selectors.alerts_page(
        access=access,
        status=None if status == "all" else status,
        cursor=request.GET.get("cursor"),
    )
    return render_team(
        request,
        access,
        "web/team_alerts.html",
        {
            "page": page,
            "status": status,
            "inbox": INBOX,
            "rules": selectors.alert_rules(access),
            "can_manage": access.has("alerts.manage"),
        },
        tab="team_alerts",
    )


@team_page("team_alerts")
@require_POST
def alert_status(request, access, alert_id, status):
    back = request.POST.get("back")
    back = back if back in INBOX else "open"
    try:
        alert = services.alert_set_status(access=access, alert_id=alert_id, status=status)
    except Conflict as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"Alert “{alert.rule_name}” {status}.")
    return redirect(_tab_url(access, "team_alerts", f"status={back}"))


@team_page("team_alerts")
@require_http_methods(["GET", "POST"])
def alert_rule_edit(request, access, rule_id=None):
    access.require("alerts.manage")
    rule = selectors.alert_rule(access, rule_id) if rule_id else None
    initial = (
        {
            "name": rule.name,
            "webhook_url": rule.webhook_url,
            **ConditionForm.initial_for(rule.condition),
        }
        if rule
        else {}
    )
    form = AlertRuleForm(_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            values = form.values()
            if rule:
                services.alert_rule_update(access=access, rule_id=rule.id, **values)
            else:
                rule = services.alert_rule_create(access=access, **values)
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            place_error(exc, {"": form, "condition": form})
        else:
            messages.success(
                request,
                f"Alert rule “{rule.name}” saved."
                + (" Its webhook signing secret is shown in the list." if rule.webhook_url else ""),
            )
            return redirect(_tab_url(access, "team_alerts"))
    return render_team(
        request,
        access,
        "web/alert_rule_form.html",
        {"form": form, "rule": rule},
        tab="team_alerts",
        status=422 if form.errors else 200,
    )


@team_page("team_alerts")
@require_http_methods(["GET", "POST"])
def alert_rule_delete(request, access, rule_id):
    access.require("alerts.manage")
    rule = selectors.alert_rule(access, rule_id)
    if request.method == "POST":
        services.alert_rule_delete(access=access, rule_id=rule.id)
        messages.success(
            request, f"Alert rule “{rule.name}” deleted. Its alerts stay in the inbox."
        )
        return redirect(_tab_url(access, "team_alerts"))
    return render_team(
        request,
        access,
        "web/confirm.html",
        {
            "title": f"Delete the alert rule “{rule.name}”?",
            "text": "It stops raising alerts at once. The alerts it raised stay in the inbox.",
            "confirm_label": "Delete",
            "danger": True,
            "cancel_url": _tab_url(access, "team_alerts"),
        },
        tab="team_alerts",
    )


@team_page("team_automations")
@require_safe
def automations(request, access):
    return render_team(
        request,
        access,
        "web/team_automations.html",
        {
            "automations": selectors.automations(access),
            "deliveries": selectors.deliveries_page(
                access=access, cursor=request.GET.get("cursor")
            ),
            "can_manage": access.has("automations.manage"),
        },
        tab="team_automations",
    )


def _automation_forms(data, automation):
    conditions = automation.conditions if automation else []
    actions = automation.actions if automation else []
    main = AutomationForm(
        data,
        initial=(
            {"name": automation.name, "trigger": automation.trigger, "enabled": automation.enabled}
            if automation
            else {}
        ),
    )
    condition_rows = [
        ConditionForm(
            data,
            prefix=f"c{i}",
            position=i + 1,
            optional=True,
            initial=ConditionForm.initial_for(conditions[i] if i < len(conditions) else None),
        )
        for i in range(max(ROWS, len(conditions)))
    ]
    action_rows = [
        ActionForm(
            data,
            prefix=f"a{i}",
            position=i + 1,
            initial=ActionForm.initial_for(actions[i] if i < len(actions) else None),
        )
        for i in range(max(ROWS, len(actions)))
    ]
    return main, condition_rows, action_rows


@team_page("team_automations")
@require_http_methods(["GET", "POST"])
def automation_edit(request, access, automation_id=None):
    access.require("automations.manage")
    automation = selectors.automation(access, automation_id) if automation_id else None
    main, condition_rows, action_rows = _automation_forms(_data(request), automation)
    rows = [main, *condition_rows, *action_rows]
    if request.method == "POST" and all([f.is_valid() for f in rows]):
        # Blank rows are left out; a service error names the n-th condition or action it got.
        at = {"": main}
        conditions, actions = [], []
        try:
            for form in condition_rows:
                path = f"conditions[{len(conditions)}]"
                at[path] = form  # a blank row's path is taken by the next row
                if (condition := form.condition(path)) is not None:
                    conditions.append(condition)
            for form in action_rows:
                at[f"actions[{len(actions)}]"] = form
                if (action := form.action()) is not None:
                    actions.append(action)
            values = {**main.cleaned_data, "conditions": conditions, "actions": actions}
            if automation:
                services.automation_update(access=access, automation_id=automation.id, **values)
            else:
                automation = services.automation_create(access=access, **values)
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            at.setdefault("conditions", condition_rows[0])
            at.setdefault("actions", action_rows[0])
            place_error(exc, at)
        else:
            messages.success(request, f"Automation “{automation.name}” saved.")
            return redirect(_tab_url(access, "team_automations"))
    return render_team(
        request,
        access,
        "web/automation_form.html",
        {
            "form": main,
            "condition_rows": condition_rows,
            "action_rows": action_rows,
            "automation": automation,
            "has_errors": any(f.errors for f in rows),
        },
        tab="team_automations",
        status=422 if any(f.errors for f in rows) else 200,
    )


@team_page("team_automations")
@require_http_methods(["GET", "POST"])
def automation_delete(request, access, automation_id):
    access.require("automations.manage")
    automation = selectors.automation(access, automation_id)
    if request.method == "POST":
        services.automation_delete(access=access, automation_id=automation.id)
        messages.success(request, f"Automation “{automation.name}” deleted.")
        return redirect(_tab_url(access, "team_automations"))
    return render_team(
        request,
        access,
        "web/confirm.html",
        {
            "title": f"Delete the automation “{automation.name}”?",
            "text": "It stops acting on arriving calls at once. Its past webhook deliveries stay "
            "in the delivery log.",
            "confirm_label": "Delete",
            "danger": True,
            "cancel_url": _tab_url(access, "team_automations"),
        },
        tab="team_automations",
    )
