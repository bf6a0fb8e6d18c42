"""What a condition type, an action type and a trigger declare, and the registries that hold
them. Each type is one small class (kinds/conditions.py, kinds/actions.py) holding everything
about it: the fields the API accepts (JSON Schema, shown in the OpenAPI document), how a value is
validated, what it does to a call, the form fields of the browser editor and how they map to the
JSON, its human label and description, and the text that describes one in a list.

Validation is ours, not the schema's: the API takes any object (pydantic `dict`) and the services
call `clean`, so every message names the field the same way over the API and in the forms."""

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from callstudio.core.errors import Invalid


@dataclass(frozen=True)
class FormField:
    """One field of the browser editor. Types that use a field of the same name share it (both
    durations use `seconds`); `key` is the JSON field it fills when the names differ."""

    name: str
    label: str
    help: str = ""
    key: str = ""
    widget: str = "text"  # text | textarea | number | url
    max_length: int = 100
    attrs: dict = field(default_factory=dict)

    @property
    def json_key(self) -> str:
        return self.key or self.name


class Kind:
    """A condition or action type. Subclasses set the class attributes and override `clean_fields`
    and their behaviour (`holds` for conditions, `run` for actions)."""

    type: ClassVar[str]
    label: ClassVar[str]  # in the type menu of the forms
    description: ClassVar[str]  # a sentence: the API guide, the OpenAPI document, the forms' help
    properties: ClassVar[dict[str, Any]] = {}  # JSON Schema of each field besides `type`
    required: ClassVar[tuple[str, ...]] = ()
    example: ClassVar[dict]  # a valid value, as stored: the OpenAPI document and the tests use it
    form_fields: ClassVar[tuple[FormField, ...]] = ()

    def json_schema(self) -> dict:
        return {
            "title": self.label,
            "description": self.description,
            "type": "object",
            "properties": {"type": {"const": self.type}, **self.properties},
            "required": ["type", *self.required],
            "additionalProperties": False,
            "examples": [self.example],
        }

    def clean(self, value: dict, field: str) -> dict:
        """The value as stored, or `Invalid` naming the field (`conditions[1].seconds`)."""
        known_keys(value, field, set(self.properties))
        return {"type": self.type, **self.clean_fields(value, field)}

    def clean_fields(self, value: dict, field: str) -> dict:
        return {}

    def describe(self, value: dict) -> str:
        """How a list shows one: "Longer than 10:00 (600 s)"."""
        return self.label

    def form_initial(self, value: dict) -> dict[str, str]:
        """The form fields' text for a stored value (the edit form)."""
        return {f.name: str(value[f.json_key]) for f in self.form_fields}

    def from_form(self, data: dict, path: str) -> dict:
        """The value as the services take it, from a valid form's `cleaned_data`; `path`
        (`conditions[0]`) names the fields of an error raised here."""
        return {"type": self.type, **{f.json_key: data[f.name] for f in self.form_fields}}


class ConditionKind(Kind, ABC):
    @abstractmethod
    def holds(self, condition: dict, facts) -> bool:
        """Pure: the condition (as cleaned) and the call's facts (rules/conditions.py `Facts`)."""

    def phrases(self, condition: dict) -> list[str]:
        """Phrases the condition watches: the team's keyword trackers."""
        return []


class ActionKind(Kind, ABC):
    secret_fields: ClassVar[tuple[str, ...]] = ()  # shown only to those who manage automations

    @abstractmethod
    def run(self, action: dict, effects) -> None:
        """Do it through the engine's effects (rules/engine.py `Effects`): the analysis pass owns
        every change to the call and every delivery it stores."""


@dataclass(frozen=True)
class Trigger:
    """When an automation runs. `value` is the API's wire value; people see the label."""

    value: str
    label: str
    description: str


class Registry(dict):
    """Types by their wire name, in declaration order (the order of the type menus)."""

    def __init__(self, what: str):
        super().__init__()
        self.what = what

    def add(self, cls):
        if cls.type in self:
            raise ValueError(f"{self.what} type {cls.type!r} is declared twice")
        self[cls.type] = cls()  # a type missing `holds` / `run` fails here, at import
        return cls

    def choose(self, value, field: str) -> Kind:
        """The type a JSON object names, or `Invalid` at `field` / `field.type`."""
        if not isinstance(value, dict):
            raise Invalid("Must be an object with a type.", field=field)
        kind = value.get("type")
        if kind not in self:
            raise Invalid(f"Unknown type; use one of: {', '.join(self)}.", field=f"{field}.type")
        return self[kind]

    def json_schema(self) -> dict:
        return {"oneOf": [k.json_schema() for k in self.values()]}


CONDITIONS = Registry("Condition")
ACTIONS = Registry("Action")


# Validation helpers the types share.


def known_keys(value: dict, field: str, allowed: set) -> None:
    extra = sorted(set(value) - allowed - {"type"})
    if extra:
        raise Invalid(f"Unknown field {extra[0]!r}.", field=f"{field}.{extra[0]}")


def number(value, field: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Invalid("Must be a number.", field=field)
    if not low <= value <= high:
        raise Invalid(f"Must be between {low:g} and {high:g}.", field=field)
    return float(value)


def form_number(text: str, field: str) -> float:
    """A number typed into a form field."""
    if not (text or "").strip():
        raise Invalid("This field is required.", field=field)
    try:
        return float(text)
    except ValueError:
        raise Invalid("Must be a number.", field=field) from None
