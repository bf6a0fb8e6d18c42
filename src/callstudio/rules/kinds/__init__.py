"""The registry of condition types, action types and triggers: each declared once, here. See
kinds/base.py for what a type declares."""

from . import actions, conditions  # noqa: F401  (declaring the types fills the registries)
from .base import ACTIONS, CONDITIONS, ActionKind, ConditionKind, FormField, Kind, Trigger
from .triggers import ALERT_RAISED, CALL_INGESTED, TRIGGERS, trigger_label

__all__ = [
    "ACTIONS",
    "ALERT_RAISED",
    "CALL_INGESTED",
    "CONDITIONS",
    "TRIGGERS",
    "ActionKind",
    "ConditionKind",
    "FormField",
    "Kind",
    "Trigger",
    "trigger_label",
]
