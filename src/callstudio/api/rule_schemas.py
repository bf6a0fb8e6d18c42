"""Shapes of the analytics, alerts, automations and trackers API: what each endpoint
accepts and returns, as the OpenAPI document shows it."""

from datetime import datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import StrictBool, WithJsonSchema

from callstudio.rules.kinds import ACTIONS, CONDITIONS, TRIGGERS

from .schemas import In

# What the document shows for a condition, an action and a trigger comes from the registry
# (rules/kinds/). The request still parses as any object or string: the rule services validate
# it, so a bad one is a 422 naming the field (`conditions[1].seconds`), as in the browser forms.
Condition = Annotated[dict[str, Any], WithJsonSchema(CONDITIONS.json_schema())]
Action = Annotated[dict[str, Any], WithJsonSchema(ACTIONS.json_schema())]
Trigger = Annotated[
    str,
    WithJsonSchema(
        {
            "type": "string",
            "enum": list(TRIGGERS),
            "description": " ".join(f"`{t.value}`: {t.description}" for t in TRIGGERS.values()),
        }
    ),
]


class AgentRef(Schema):
    account_id: str
    name: str
    email: str


class SentimentOut(Schema):
    average: float | None
    positive: int
    neutral: int
    negative: int


class Figures(Schema):
    calls: int
    total_duration_seconds: float
    avg_duration_seconds: float | None
    inbound: int
    outbound: int
    talk_ratio: float | None
    silence_share: float | None
    avg_longest_monologue_seconds: float | None
    sentiment: SentimentOut


class DayOut(Schema):
    day: str
    calls: int
    duration_seconds: float
    inbound: int
    outbound: int
    avg_sentiment: float | None


class BucketOut(Schema):
    label: str
    calls: int


class TermOut(Schema):
    term: str
    calls: int


class TrackerCount(Schema):
    id: str
    name: str
    query: str
    calls: int  # calls in the range that matched it when they were analysed


class LeaderOut(Schema):
    agent: AgentRef | None  # null: calls whose agent is not a member (yet)
    calls: int
    total_duration_seconds: float
    avg_duration_seconds: float | None
    talk_ratio: float | None
    silence_share: float | None
    avg_sentiment: float | None


class AnalyticsOut(Figures):
    range: dict[str, str]  # {"from": "2026-10-30", "to": "2026-11-28"}, days (UTC) included
    scope: str  # "all": the team; "own": the caller's own calls
    duration_distribution: list[BucketOut]
    by_day: list[DayOut]
    tags: list[TermOut]
    keywords: list[TermOut]
    trackers: list[TrackerCount]
    agents: list[LeaderOut] | None


class TeamRef(Schema):
    id: str
    name: str


class TeamFigures(Figures):
    team: TeamRef


class OverviewOut(Schema):
    range: dict[str, str]
    teams: list[TeamFigures]


class AlertRuleIn(In):
    name: str
    condition: Condition
    webhook_url: str | None = None


class AlertRulePatchIn(In):
    name: str | None = None
    condition: Condition | None = None
    webhook_url: str | None = None


class AlertRuleOut(Schema):
    id: str
    name: str
    condition: dict[str, Any]
    webhook_url: str | None
    webhook_secret: str | None  # only for those who manage alerts
    created_at: datetime
    updated_at: datetime


class AlertRuleList(Schema):
    items: list[AlertRuleOut]


class TrackerIn(In):
    name: str
    query: str  # the search query language (docs/search.md)


class TrackerPatchIn(In):
    name: str | None = None
    query: str | None = None


class TrackerOut(Schema):
    id: str
    name: str
    query: str
    created_at: datetime


class TrackerList(Schema):
    items: list[TrackerOut]


class AlertCall(Schema):
    id: int
    external_id: str
    started_at: datetime
    agent: AgentRef | None


class AlertOut(Schema):
    id: str
    rule: dict[str, Any]
    call: AlertCall
    status: str
    raised_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None


class AlertPage(Schema):
    items: list[AlertOut]
    next_cursor: str | None


class AutomationIn(In):
    name: str
    trigger: Trigger
    conditions: list[Condition] = []
    actions: list[Action]
    enabled: StrictBool = True


class AutomationPatchIn(In):
    name: str | None = None
    trigger: Trigger | None = None
    conditions: list[Condition] | None = None
    actions: list[Action] | None = None
    enabled: StrictBool | None = None


class AutomationOut(Schema):
    id: str
    name: str
    trigger: str
    conditions: list[dict[str, Any]]
    actions: list[dict[str, Any]]  # webhook secrets only for those who manage automations
    enabled: bool
    created_at: datetime
    updated_at: datetime


class AutomationList(Schema):
    items: list[AutomationOut]


class DeliveryOut(Schema):
    delivery_id: str
    source: str
    event: str
    url: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None
