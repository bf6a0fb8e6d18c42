"""What a team's alert rules and automations do to one arriving call, decided in the analysis
pass's transaction (pipeline/analysis.py): tags and archiving applied to the call, alerts and
webhook deliveries returned to be stored with it, so none is lost or made twice.

Order per call: `call.ingested` automations (they may tag or archive the call), then each alert
rule whose condition holds raises one alert, and each raised alert runs the `alert.raised`
automations whose conditions hold."""

from collections import defaultdict
from dataclasses import dataclass, field

from callstudio.calls import lifecycle
from callstudio.search.matcher import matches

from .conditions import Facts, holds, keyword_phrases
from .kinds import ACTIONS
from .kinds.conditions import parsed_query, phrase_said
from .models import Alert, AlertRule, Automation, Tracker, WebhookDelivery
from .webhooks import delivery_for


@dataclass
class TeamRules:
    alert_rules: list = field(default_factory=list)
    on_call: list = field(default_factory=list)
    on_alert: list = field(default_factory=list)
    saved_trackers: list = field(default_factory=list)  # the team's trackers (saved queries)

    @property
    def trackers(self) -> list[str]:
        """Keyword trackers: every phrase a keyword condition of this team watches."""
        phrases = [p for r in self.alert_rules for p in keyword_phrases([r.condition])]
        for automation in (*self.on_call, *self.on_alert):
            phrases += keyword_phrases(automation.conditions)
        return list(dict.fromkeys(phrases))

    def keywords_said(self, facts: Facts) -> list[str]:
        """The keyword trackers said in the call, with the keyword conditions' own semantics
        (rules/kinds/conditions.py `phrase_said`)."""
        return [p for p in self.trackers if phrase_said(p, facts)]

    def trackers_matched(self, facts: Facts) -> list[str]:
        """Ids of the team's trackers whose query the call matches (the one matcher)."""
        return [t.id for t in self.saved_trackers if matches(parsed_query(t.query), facts.document)]


def team_rules(team_ids) -> dict[str, TeamRules]:
    """Three queries for every team of a batch."""
    rules: dict[str, TeamRules] = defaultdict(TeamRules)
    for tracker in Tracker.objects.filter(team_id__in=team_ids).order_by("created_at", "id"):
        rules[tracker.team_id].saved_trackers.append(tracker)
    for rule in AlertRule.objects.filter(team_id__in=team_ids).order_by("created_at", "id"):
        rules[rule.team_id].alert_rules.append(rule)
    automations = Automation.objects.filter(team_id__in=team_ids, enabled=True).order_by(
        "created_at", "id"
    )
    for automation in automations:
        target = rules[automation.team_id]
        (
            target.on_call if automation.trigger == Automation.CALL_INGESTED else target.on_alert
        ).append(automation)
    return rules


@dataclass
class Outcome:
    alerts: list[Alert] = field(default_factory=list)
    deliveries: list[WebhookDelivery] = field(default_factory=list)


def process_call(call, *, team, agent, rules: TeamRules, facts: Facts, now) -> Outcome:
    """Mutates `call.tags` / `call.archived`; returns the alerts and deliveries to store."""
    out = Outcome()
    for automation in rules.on_call:
        if all(holds(c, facts) for c in automation.conditions):
            _run(automation, call, team=team, agent=agent, alert=None, now=now, out=out)
    for rule in rules.alert_rules:
        if not holds(rule.condition, facts):
            continue
        alert = Alert(
            organization_id=call.organization_id,
            team_id=call.team_id,
            rule=rule,
            rule_name=rule.name,
            call=call,
            raised_at=now,
        )
        out.alerts.append(alert)
        if rule.webhook_url:
            out.deliveries.append(
                delivery_for(
                    event=Automation.ALERT_RAISED,
                    source=f"Alert rule: {rule.name}",
                    source_id=rule.id,
                    url=rule.webhook_url,
                    secret=rule.webhook_secret,
                    team=team,
                    call=call,
                    agent=agent,
                    alert=alert,
                    now=now,
                )
            )
        for automation in rules.on_alert:
            if all(holds(c, facts) for c in automation.conditions):
                _run(automation, call, team=team, agent=agent, alert=alert, now=now, out=out)
    return out


def _run(automation, call, *, team, agent, alert, now, out: Outcome) -> None:
    effects = Effects(automation, call, team=team, agent=agent, alert=alert, now=now, out=out)
    for action in automation.actions:
        ACTIONS[action["type"]].run(action, effects)


@dataclass
class Effects:
    """What an automation's actions may do (rules/kinds/actions.py says which action does what):
    change the call in hand, which the analysis pass then saves, and queue deliveries."""

    automation: Automation
    call: object
    team: object
    agent: object
    alert: Alert | None
    now: object
    out: Outcome

    def add_tag(self, tag: str) -> None:
        call = self.call
        if tag not in call.tags:
            call.tags = [*call.tags, tag]

    def archive(self) -> None:
        lifecycle.archive_on_arrival(self.call)

    def webhook(self, *, url: str, secret: str) -> None:
        automation = self.automation
        self.out.deliveries.append(
            delivery_for(
                event=automation.trigger,
                source=f"Automation: {automation.name}",
                source_id=automation.id,
                url=url,
                secret=secret,
                team=self.team,
                call=self.call,
                agent=self.agent,
                alert=self.alert,
                now=self.now,
            )
        )
