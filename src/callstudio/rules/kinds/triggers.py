"""When automations run. The wire values stay in the API and the stored rows; every page shows the
label instead."""

from .base import Trigger

CALL_INGESTED = Trigger(
    "call.ingested",
    "A call arrives",
    "Runs once for each call, when it is analysed, before the alert rules.",
)
ALERT_RAISED = Trigger(
    "alert.raised",
    "An alert is raised",
    "Runs once for each alert an alert rule raises, with the alert in its webhook.",
)
TRIGGERS = {t.value: t for t in (CALL_INGESTED, ALERT_RAISED)}


def trigger_label(value: str) -> str:
    """What a page shows for a trigger or a webhook's event (an unknown value: as stored)."""
    trigger = TRIGGERS.get(value)
    return trigger.label if trigger else value
