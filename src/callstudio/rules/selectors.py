"""Reading alert rules, alerts, automations, webhook deliveries and trackers of one team."""

from django.db.models import QuerySet

from callstudio.access.policy import TeamAccess
from callstudio.analytics import selectors as analytics
from callstudio.core.errors import Forbidden, Invalid, NotFound
from callstudio.core.pagination import Page, paginate

from .models import Alert, AlertRule, Automation, Tracker, WebhookDelivery


def alert_rules(access: TeamAccess) -> list[AlertRule]:
    access.require("alerts.read")
    return list(AlertRule.objects.filter(team_id=access.team.id).order_by("name", "id"))


def alert_rule(access: TeamAccess, rule_id, *, permission: str = "alerts.read") -> AlertRule:
    """One rule of this team (another team's, or none: not found). The services look a rule up
    here too, asking for the permission they act under (`alerts.manage`)."""
    access.require(permission)
    rule = AlertRule.objects.filter(team_id=access.team.id, id=str(rule_id)).first()
    if rule is None:
        raise NotFound("Alert rule not found.")
    return rule


def readable_alerts(access: TeamAccess) -> QuerySet:
    """`alerts.read`, and only on calls the actor may read: a reader of their own calls sees
    the alerts on their own calls."""
    access.require("alerts.read")
    return access.restrict(Alert.objects.all(), resource="calls", owner_field="call__agent_id")


def alerts_page(*, access: TeamAccess, status=None, cursor=None, limit=None) -> Page:
    qs = readable_alerts(access).select_related("call", "call__agent")
    if status:
        if status not in Alert.STATUSES:
            raise Invalid(f"Use one of: {', '.join(Alert.STATUSES)}.", field="status")
        qs = qs.filter(status=status)
    return paginate(qs, keys=("raised_at", "id"), cursor=cursor, limit=limit, descending=True)


def automations(access: TeamAccess) -> list[Automation]:
    access.require("automations.read")
    return list(Automation.objects.filter(team_id=access.team.id).order_by("name", "id"))


def automation(
    access: TeamAccess, automation_id, *, permission: str = "automations.read"
) -> Automation:
    """One automation of this team (another team's, or none: not found); the services pass
    `automations.manage`."""
    access.require(permission)
    found = Automation.objects.filter(team_id=access.team.id, id=str(automation_id)).first()
    if found is None:
        raise NotFound("Automation not found.")
    return found


def deliveries_page(*, access: TeamAccess, cursor=None, limit=None) -> Page:
    """The team's webhook delivery log: for those who see automations or manage alerts."""
    if not (access.has("automations.read") or access.has("alerts.manage")):
        raise Forbidden("Your role in this team does not allow seeing webhook deliveries.")
    qs = WebhookDelivery.objects.filter(team_id=access.team.id).defer("body", "secret")
    return paginate(qs, keys=("created_at", "id"), cursor=cursor, limit=limit, descending=True)


TRACKERS_READ = ("analytics.read.all", "analytics.read.own")


def trackers(access: TeamAccess) -> list[Tracker]:
    """The team's trackers, by name: for those who read the team's analytics (all of it or
    their own calls': the analytics show the trackers' counts either way)."""
    if not any(access.has(p) for p in TRACKERS_READ):
        raise Forbidden("Your role in this team does not allow reading analytics.")
    return list(Tracker.objects.filter(team_id=access.team.id).order_by("name", "id"))


def tracker(access: TeamAccess, tracker_id, *, permission: str = "alerts.manage") -> Tracker:
    """One tracker of this team (another team's, or none: not found), for the services, which
    act under `alerts.manage`."""
    access.require(permission)
    found = Tracker.objects.filter(team_id=access.team.id, id=str(tracker_id)).first()
    if found is None:
        raise NotFound("Tracker not found.")
    return found


def team_analytics(*, access: TeamAccess, start=None, end=None) -> dict:
    """The team's figures (analytics/selectors.py) with its trackers and their counts in the
    range. One query more than the figures: the trackers (their counts come with the figures'
    term query)."""
    analytics.analytics_scope(access)  # refused before anything is read
    return analytics.team_analytics(access=access, start=start, end=end, trackers=trackers(access))
