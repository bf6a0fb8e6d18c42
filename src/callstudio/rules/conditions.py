"""Conditions and actions of alert rules and automations, JSON objects with a `type`: checked
once when a rule is saved (422 naming the field), evaluated against each arriving call. Each type
is declared once in rules/kinds/; this module checks the lists and dispatches to the types.

`facts(call)` reads what the conditions look at from a call once; `holds` is a pure function
of a condition and those facts. Keyword and query conditions read the call's `Document`
(search/text.py: the one tokenizer of search, trackers and rules), built once per call, and
only when a condition or tracker of the team reads it."""

from dataclasses import dataclass
from functools import cached_property

from callstudio.core.errors import Invalid
from callstudio.search.text import META, Document, document

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
    transcript: list
    customer: dict
    external_id: str
    sentiment: float | None
    duration: float
    agent_known: bool
    metadata: dict

    @cached_property
    def document(self) -> Document:
        """The call as search sees it: its segments' words by speaker, and the customer's name
        and phone and the external ID (query conditions and trackers read all of it)."""
        return document(
            transcript=self.transcript, customer=self.customer, external_id=self.external_id
        )

    @cached_property
    def said(self) -> Document:
        """Only what was said: the segments (keyword conditions)."""
        return Document(runs=tuple(run for run in self.document.runs if run[0] != META))


def facts(
    *,
    transcript: list,
    sentiment,
    duration: float,
    agent_id,
    metadata,
    customer=None,
    external_id: str = "",
) -> Facts:
    return Facts(
        transcript=transcript if isinstance(transcript, list) else [],
        customer=customer if isinstance(customer, dict) else {},
        external_id=external_id or "",
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
