"""Forms of the Alerts and Automations tabs. They turn form fields into the conditions and actions
the API takes (JSON objects with a `type`) and back; the rule services validate them, and a
service's error (`condition.value`, `conditions[1].phrases`, `actions[0].url`) is put back next to the
field it names (`place_error`)."""

import math
import re
import secrets

import orjson
from django import forms

from callstudio.core.errors import DomainError, Invalid

from .forms import apply_error

CONDITIONS = [
    ("keyword", "Keyword or phrase said"),
    ("sentiment_below", "Sentiment below a threshold"),
    ("duration_above", "Duration above"),
    ("duration_below", "Duration below"),
    ("agent_unknown", "Unknown agent"),
    ("metadata_equals", "Metadata equals"),
]
ACTIONS = [
    ("add_tag", "Add a tag"),
    ("archive_call", "Archive the call"),
    ("webhook", "Send a signed webhook"),
]
TRIGGERS = [
    ("call.ingested", "A call arrives (call.ingested)"),
    ("alert.raised", "An alert is raised (alert.raised)"),
]
ROWS = 3  # condition and action rows offered on a new automation


def split_phrases(text: str) -> list[str]:
    """Phrases separated by commas or line breaks; blanks dropped."""
    return [p.strip() for p in re.split(r"[,\r\n]+", text or "") if p.strip()]


def _number(text: str, field: str) -> float:
    if not (text or "").strip():
        raise Invalid("This field is required.", field=field)
    try:
        return float(text)
    except ValueError:
        raise Invalid("Must be a number.", field=field) from None


def parse_metadata_value(text: str):
    """Text as typed; `42`, `4.5`, `true`, `false` match numbers and booleans, and `"42"` (in
    quotes) the text 42."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return text
    if isinstance(value, float) and not math.isfinite(value):
        return text
    return value if isinstance(value, str | bool | int | float) else text


def show_metadata_value(value) -> str:
    """The inverse of `parse_metadata_value`, for the edit form and the rule list."""
    if isinstance(value, str):
        parsed = parse_metadata_value(value)
        if isinstance(parsed, str) and parsed == value:
            return value
    return orjson.dumps(value).decode()


class ConditionForm(forms.Form):
    """One condition: its type and the fields of every type (the page shows those of the chosen
    type; without JavaScript, all of them, each saying which type it is for)."""

    type = forms.ChoiceField(label="Condition")
    phrases = forms.CharField(
        label="Phrases",
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Keyword: comma or line separated, matched in anything said, in any case.",
    )
    value = forms.CharField(
        label="Sentiment below",
        required=False,
        max_length=50,
        widget=forms.NumberInput(attrs={"step": "any", "min": "-1", "max": "1"}),
        help_text="Sentiment: from -1 (very negative) to 1 (very positive), e.g. -0.3.",
    )
    seconds = forms.CharField(
        label="Seconds",
        required=False,
        max_length=50,
        widget=forms.NumberInput(attrs={"step": "any", "min": "0"}),
        help_text="Duration: in seconds, e.g. 600 for 10 minutes.",
    )
    key = forms.CharField(
        label="Metadata key", required=False, max_length=200, help_text="Metadata: e.g. queue."
    )
    meta_value = forms.CharField(
        label="Metadata value",
        required=False,
        max_length=1000,
        help_text="Metadata: text as typed; 42, true or false match a number or a boolean.",
    )
    # Which fields each type uses (the page hides the others).
    USES = {
        "phrases": ("keyword",),
        "value": ("sentiment_below",),
        "seconds": ("duration_above", "duration_below"),
        "key": ("metadata_equals",),
        "meta_value": ("metadata_equals",),
    }

    def __init__(self, *args, optional: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = ([("", "— none —")] if optional else []) + CONDITIONS
        self.fields["type"].required = not optional

    @staticmethod
    def initial_for(condition: dict | None) -> dict:
        if not condition:
            return {}
        kind = condition["type"]
        initial = {"type": kind}
        if kind == "keyword":
            initial["phrases"] = "\n".join(condition["phrases"])
        elif kind == "sentiment_below":
            initial["value"] = f"{condition['value']:g}"
        elif kind in ("duration_above", "duration_below"):
            initial["seconds"] = f"{condition['seconds']:g}"
        elif kind == "metadata_equals":
            initial["key"] = condition["key"]
            initial["meta_value"] = show_metadata_value(condition["value"])
        return initial

    def condition(self, path: str) -> dict | None:
        """The condition as the services take it; None for a blank optional row."""
        data = self.cleaned_data
        kind = data.get("type")
        if not kind:
            return None
        if kind == "keyword":
            return {"type": kind, "phrases": split_phrases(data["phrases"])}
        if kind == "sentiment_below":
            return {"type": kind, "value": _number(data["value"], f"{path}.value")}
        if kind in ("duration_above", "duration_below"):
            return {"type": kind, "seconds": _number(data["seconds"], f"{path}.seconds")}
        if kind == "metadata_equals":
            if not data["meta_value"]:
                raise Invalid("This field is required.", field=f"{path}.meta_value")
            return {
                "type": kind,
                "key": data["key"],
                "value": parse_metadata_value(data["meta_value"]),
            }
        return {"type": kind}

    def field_for(self, name: str) -> str:
        """The form field a service error's field name points at."""
        if name == "value" and self.cleaned_data.get("type") == "metadata_equals":
            return "meta_value"
        return name if name in self.fields else "type"


class AlertRuleForm(ConditionForm):
    name = forms.CharField(label="Name", max_length=100, strip=False)
    webhook_url = forms.CharField(
        label="Webhook URL (optional)",
        required=False,
        max_length=2000,
        widget=forms.URLInput,
        help_text="Each alert is also POSTed here as JSON, signed with the rule's secret.",
    )
    field_order = ["name", "type", "phrases", "value", "seconds", "key", "meta_value"]

    def values(self) -> dict:
        return {
            "name": self.cleaned_data["name"],
            "condition": self.condition("condition"),
            "webhook_url": self.cleaned_data["webhook_url"] or None,
        }


class AutomationForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, strip=False)
    trigger = forms.ChoiceField(label="When", choices=TRIGGERS)
    enabled = forms.BooleanField(label="Enabled", required=False, initial=True)


class ActionForm(forms.Form):
    type = forms.ChoiceField(label="Action", required=False, choices=[("", "— none —"), *ACTIONS])
    tag = forms.CharField(label="Tag", required=False, max_length=100)
    url = forms.CharField(
        label="Webhook URL", required=False, max_length=2000, widget=forms.URLInput
    )
    secret = forms.CharField(
        label="Signing secret",
        required=False,
        max_length=200,
        help_text="At least 8 characters; leave blank to have one made for you.",
    )
    USES = {"tag": ("add_tag",), "url": ("webhook",), "secret": ("webhook",)}

    @staticmethod
    def initial_for(action: dict | None) -> dict:
        return dict(action or {})

    def action(self) -> dict | None:
        data = self.cleaned_data
        kind = data.get("type")
        if not kind:
            return None
        if kind == "add_tag":
            return {"type": kind, "tag": data["tag"]}
        if kind == "webhook":
            secret = data["secret"] or "whsec_" + secrets.token_urlsafe(24)
            return {"type": kind, "url": data["url"], "secret": secret}
        return {"type": kind}

    def field_for(self, name: str) -> str:
        return name if name in self.fields else "type"


def place_error(error: DomainError, forms_at: dict[str, forms.Form]) -> None:
    """Put a service's error next to its field: `forms_at` maps the paths the services name
    (`""` for the main form, `condition`, `conditions[0]`, `actions[2]`) to their forms."""
    field = error.field or ""
    prefix, _, name = field.rpartition(".")
    if field and field in forms_at:  # a whole list or object: `conditions`, `actions`
        form = forms_at[field]
        form.add_error(form.field_for("type"), error.detail)
    elif prefix and prefix in forms_at:
        form = forms_at[prefix]
        form.add_error(form.field_for(name), error.detail)
    else:
        apply_error(forms_at[""], error)


def _seconds(value: float) -> str:
    total = int(round(value))
    minutes, secs = divmod(total, 60)
    return f"{minutes}:{secs:02d} ({value:g} s)"


def describe_condition(condition: dict) -> str:
    kind = condition.get("type")
    if kind == "keyword":
        return "Said: " + ", ".join(f"“{p}”" for p in condition["phrases"])
    if kind == "sentiment_below":
        return f"Sentiment below {condition['value']:+.2f}"
    if kind == "duration_above":
        return f"Longer than {_seconds(condition['seconds'])}"
    if kind == "duration_below":
        return f"Shorter than {_seconds(condition['seconds'])}"
    if kind == "agent_unknown":
        return "The agent is not a team member"
    if kind == "metadata_equals":
        return f"Metadata {condition['key']} = {show_metadata_value(condition['value'])}"
    return str(kind)


def describe_action(action: dict) -> str:
    kind = action.get("type")
    if kind == "add_tag":
        return f"Add tag “{action['tag']}”"
    if kind == "archive_call":
        return "Archive the call"
    if kind == "webhook":
        return f"Signed webhook to {action['url']}"
    return str(kind)
