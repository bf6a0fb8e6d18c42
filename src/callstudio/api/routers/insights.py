"""Analytics, alert rules and alerts, automations, webhook deliveries, trackers.

Each endpoint resolves the team through `request_team`, calls one selector or service of
analytics/ or rules/, and renders the result (the rules area's shapes: api/render_rules.py)."""

from ninja import Query, Router, Status

from callstudio.analytics import selectors as analytics
from callstudio.api import render_rules
from callstudio.api.deps import request_org, request_team
from callstudio.api.rule_schemas import (
    AlertOut,
    AlertPage,
    AlertRuleIn,
    AlertRuleList,
    AlertRuleOut,
    AlertRulePatchIn,
    AnalyticsOut,
    AutomationIn,
    AutomationList,
    AutomationOut,
    AutomationPatchIn,
    DeliveryPage,
    OverviewOut,
    TrackerIn,
    TrackerList,
    TrackerOut,
    TrackerPatchIn,
)
from callstudio.api.schemas import Problem
from callstudio.rules import selectors, services

router = Router(tags=["analytics, alerts and automations"])
ERRORS = {403: Problem, 404: Problem, 409: Problem, 422: Problem}
TEAM = "/orgs/{org}/teams/{team}"


@router.get(TEAM + "/analytics", response={200: AnalyticsOut, **ERRORS})
def team_analytics(
    request,
    org: str,
    team: str,
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
):
    """Figures of the team's unarchived calls from `from` to `to` (dates, UTC, both included;
    default: the last 30 days). `analytics.read.own` gets the figures of their own calls and no
    leaderboard; `agents` (the leaderboard) needs `agents.read`. `trackers`: each of the team's
    trackers with the calls that matched it."""
    access = request_team(request, org, team)
    return Status(200, selectors.team_analytics(access=access, start=start, end=end))


@router.get("/orgs/{org}/analytics", response={200: OverviewOut, **ERRORS})
def org_overview(
    request,
    org: str,
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
):
    """Every team side by side, for roles that see every team's analytics (Admin, Manager)."""
    return Status(
        200, analytics.org_overview(access=request_org(request, org), start=start, end=end)
    )


@router.get(TEAM + "/alert-rules", response={200: AlertRuleList, **ERRORS})
def list_alert_rules(request, org: str, team: str):
    access = request_team(request, org, team)
    return Status(
        200, {"items": [render_rules.alert_rule(r, access) for r in selectors.alert_rules(access)]}
    )


@router.post(TEAM + "/alert-rules", response={201: AlertRuleOut, **ERRORS})
def create_alert_rule(request, org: str, team: str, payload: AlertRuleIn):
    access = request_team(request, org, team)
    rule = services.alert_rule_create(
        access=access,
        name=payload.name,
        condition=payload.condition,
        webhook_url=payload.webhook_url,
    )
    return Status(201, render_rules.alert_rule(rule, access))


@router.patch(TEAM + "/alert-rules/{rule}", response={200: AlertRuleOut, **ERRORS})
def update_alert_rule(request, org: str, team: str, rule: str, payload: AlertRulePatchIn):
    """Fields left out stay as they are; `"webhook_url": null` removes the webhook; `null` for
    any other field is a 422."""
    access = request_team(request, org, team)
    changes = {k: getattr(payload, k) for k in payload.model_fields_set}
    updated = services.alert_rule_update(access=access, rule_id=rule, **changes)
    return Status(200, render_rules.alert_rule(updated, access))


@router.delete(TEAM + "/alert-rules/{rule}", response={204: None, **ERRORS})
def delete_alert_rule(request, org: str, team: str, rule: str):
    services.alert_rule_delete(access=request_team(request, org, team), rule_id=rule)
    return Status(204, None)


@router.get(TEAM + "/alerts", response={200: AlertPage, **ERRORS})
def list_alerts(
    request,
    org: str,
    team: str,
    status: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
):
    """Newest first. Readers of their own calls only see the alerts on their own calls."""
    page = selectors.alerts_page(
        access=request_team(request, org, team), status=status, cursor=cursor, limit=limit
    )
    return Status(
        200, {"items": [render_rules.alert(a) for a in page.items], "next_cursor": page.next_cursor}
    )


@router.post(TEAM + "/alerts/{alert}/acknowledge", response={200: AlertOut, **ERRORS})
def acknowledge_alert(request, org: str, team: str, alert: str):
    access = request_team(request, org, team)
    updated = services.alert_set_status(access=access, alert_id=alert, status="acknowledged")
    return Status(200, render_rules.alert(updated))


@router.post(TEAM + "/alerts/{alert}/resolve", response={200: AlertOut, **ERRORS})
def resolve_alert(request, org: str, team: str, alert: str):
    access = request_team(request, org, team)
    updated = services.alert_set_status(access=access, alert_id=alert, status="resolved")
    return Status(200, render_rules.alert(updated))


@router.get(TEAM + "/automations", response={200: AutomationList, **ERRORS})
def list_automations(request, org: str, team: str):
    access = request_team(request, org, team)
    return Status(
        200, {"items": [render_rules.automation(a, access) for a in selectors.automations(access)]}
    )


@router.post(TEAM + "/automations", response={201: AutomationOut, **ERRORS})
def create_automation(request, org: str, team: str, payload: AutomationIn):
    access = request_team(request, org, team)
    automation = services.automation_create(access=access, **payload.model_dump())
    return Status(201, render_rules.automation(automation, access))


@router.patch(TEAM + "/automations/{automation}", response={200: AutomationOut, **ERRORS})
def update_automation(request, org: str, team: str, automation: str, payload: AutomationPatchIn):
    access = request_team(request, org, team)
    changes = {k: getattr(payload, k) for k in payload.model_fields_set}
    updated = services.automation_update(access=access, automation_id=automation, **changes)
    return Status(200, render_rules.automation(updated, access))


@router.delete(TEAM + "/automations/{automation}", response={204: None, **ERRORS})
def delete_automation(request, org: str, team: str, automation: str):
    services.automation_delete(access=request_team(request, org, team), automation_id=automation)
    return Status(204, None)


@router.get(TEAM + "/webhook-deliveries", response={200: DeliveryPage, **ERRORS})
def list_deliveries(
    request, org: str, team: str, cursor: str | None = None, limit: int | None = None
):
    """The delivery log of the team's alert and automation webhooks, newest first."""
    page = selectors.deliveries_page(
        access=request_team(request, org, team), cursor=cursor, limit=limit
    )
    items = [render_rules.delivery(d) for d in page.items]
    return Status(200, {"items": items, "next_cursor": page.next_cursor})


@router.get(TEAM + "/trackers", response={200: TrackerList, **ERRORS})
def list_trackers(request, org: str, team: str):
    """The team's trackers (saved queries counted in its analytics), by name."""
    access = request_team(request, org, team)
    return Status(200, {"items": [render_rules.tracker(t) for t in selectors.trackers(access)]})


@router.post(TEAM + "/trackers", response={201: TrackerOut, **ERRORS})
def create_tracker(request, org: str, team: str, payload: TrackerIn):
    """Counts the calls analysed from now on that match `query`."""
    access = request_team(request, org, team)
    tracker = services.tracker_create(access=access, name=payload.name, query=payload.query)
    return Status(201, render_rules.tracker(tracker))


@router.patch(TEAM + "/trackers/{tracker}", response={200: TrackerOut, **ERRORS})
def update_tracker(request, org: str, team: str, tracker: str, payload: TrackerPatchIn):
    """Fields left out stay as they are; `null` is a 422."""
    access = request_team(request, org, team)
    changes = {k: getattr(payload, k) for k in payload.model_fields_set}
    updated = services.tracker_update(access=access, tracker_id=tracker, **changes)
    return Status(200, render_rules.tracker(updated))


@router.delete(TEAM + "/trackers/{tracker}", response={204: None, **ERRORS})
def delete_tracker(request, org: str, team: str, tracker: str):
    services.tracker_delete(access=request_team(request, org, team), tracker_id=tracker)
    return Status(204, None)
