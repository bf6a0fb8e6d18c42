"""Conditions and actions of alert rules and automations, JSON objects with a `type`: checked
once when a rule is saved (422 naming the field), evaluated against each arriving call. Each type
is declared once in rules/kinds/; this module checks the lists and dispatches to the types.

`facts(call)` reads what the conditions look at from a call once; `holds` is a pure function
of a condition and those facts."""

from dataclasses import dataclass

from callstudio.core.errors import Invalid

from .kinds import ACTIONS, CONDITIONS
from .kinds.actions import clean_url
from .kinds.conditions import MAX_PHRASES, MAX_SECONDS

__all__ = [
    "ACTION_TYPES",
    "CONDITION_TYPES",
    "MAX_ACTIONS",
    "MAX_CONDITIONS",
    "MAX_PHRASES",
    "MAX_SECONDS",
    "Facts",
    "clean_actions",
    "clean_condition",
    "clean_conditions",
    "clean_url",
    "facts",
    "holds",
    "keyword_phrases",
    "without_secrets",
]

CONDITION_TYPES = tuple(CONDITIONS)
ACTION_TYPES = tuple(ACTIONS)
MAX_CONDITIONS = 10
MAX_ACTIONS = 10


@dataclass(frozen=True)
class Facts:
    text: str  # the transcript's text, lower-cased, segments joined by newlines
    sentiment: float | None
    duration: float
    agent_known: bool
    metadata: dict


def facts(*, transcript: list, sentiment, duration: float, agent_id, metadata) -> Facts:
    text = "\n".join(str(s.get("text", "")) for s in transcript if isinstance(s, dict))
    return Facts(
        text=text.casefold(),
        sentiment=sentiment,
        duration=duration,
        agent_known=agent_id is not None,
        metadata=metadata if isinstance(metadata, dict) else {},
    )


def holds(condition: dict, f: Facts) -> bool:
    kind = CONDITIONS.get(condition["type"])
    if kind is None:
        raise ValueError(condition["type"])
    return kind.holds(condition, f)


def clean_condition(value, *, field: str = "condition") -> dict:
    return CONDITIONS.choose(value, field).clean(value, field)


def clean_conditions(value, *, field: str = "conditions") -> list[dict]:
    if not isinstance(value, list):
        raise Invalid("Must be a list of conditions (empty: always).", field=field)
    if len(value) > MAX_CONDITIONS:
        raise Invalid(f"At most {MAX_CONDITIONS} conditions.", field=field)
    return [clean_condition(c, field=f"{field}[{i}]") for i, c in enumerate(value)]


def clean_actions(value, *, field: str = "actions") -> list[dict]:
    if not isinstance(value, list) or not value:
        raise Invalid("Give a list of one or more actions.", field=field)
    if len(value) > MAX_ACTIONS:
        raise Invalid(f"At most {MAX_ACTIONS} actions.", field=field)
    cleaned = []
    for i, action in enumerate(value):
        at = f"{field}[{i}]"
        cleaned.append(ACTIONS.choose(action, at).clean(action, at))
    return cleaned


def without_secrets(action: dict) -> dict:
    """An action as shown to those who may not see its secrets (and in the audit log)."""
    hidden = ACTIONS[action["type"]].secret_fields if action.get("type") in ACTIONS else ()
    return {k: v for k, v in action.items() if k not in hidden}


def keyword_phrases(conditions: list[dict]) -> list[str]:
    """The phrases keyword conditions watch: the team's keyword trackers."""
    return [p for c in conditions for p in CONDITIONS[c["type"]].phrases(c)]
