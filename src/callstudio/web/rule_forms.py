"""Forms of the Alerts and Automations tabs. They turn form fields into the conditions and actions
the API takes (JSON objects with a `type`) and back; the rule services validate them, and a
service's error (`condition.value`, `conditions[1].phrases`, `actions[0].url`) is put back next to the
field it names (`place_error`)."""

from django import forms

from callstudio.core.errors import DomainError
from callstudio.rules.kinds import ACTIONS, CONDITIONS, TRIGGERS
from callstudio.rules.kinds.conditions import (  # noqa: F401  (kept importable from here)
    parse_metadata_value,
    show_metadata_value,
    split_phrases,
)

from .forms import apply_error

ROWS = 3  # condition and action rows offered on a new automation
WIDGETS = {
    "text": forms.TextInput,
    "textarea": forms.Textarea,
    "number": forms.NumberInput,
    "url": forms.URLInput,
}


def _declared_fields(registry) -> tuple[dict, dict, list]:
    """The form fields of every type of a registry (a name two types use is one field), which
    types use each, and the groups the page shows or hides together: (types, field names)."""
    fields, uses = {}, {}
    for kind in registry.values():
        for spec in kind.form_fields:
            if spec.name not in fields:
                fields[spec.name] = forms.CharField(
                    label=spec.label,
                    required=False,
                    max_length=spec.max_length,
                    help_text=spec.help,
                    widget=WIDGETS[spec.widget](attrs=dict(spec.attrs)),
                )
            uses.setdefault(spec.name, []).append(kind.type)
    groups = []
    for name, types in uses.items():
        when = " ".join(types)
        if groups and groups[-1][0] == when:
            groups[-1][1].append(name)
        else:
            groups.append((when, [name]))
    return fields, {k: tuple(v) for k, v in uses.items()}, groups


class _TypeForm(forms.Form):
    """One condition or action: its type and the fields of every type (the page shows those of
    the chosen type; without JavaScript, all of them, each saying which type it is for). With a
    `position`, every label says which row it belongs to ("Condition 2 seconds"), so a screen
    reader tells the rows apart."""

    REGISTRY: dict
    NOUN: str
    USES: dict
    GROUPS: list

    def __init__(self, *args, position: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if position is not None:
            for name, f in self.fields.items():
                what = "type" if name == "type" else f.label[0].lower() + f.label[1:]
                f.label = f"{self.NOUN} {position} {what}"

    @property
    def groups(self) -> list:
        """(types, bound fields) for the template, in declaration order."""
        return [(when, [self[n] for n in names]) for when, names in self.GROUPS]

    @classmethod
    def initial_for(cls, value: dict | None) -> dict:
        if not value:
            return {}
        return {"type": value["type"], **cls.REGISTRY[value["type"]].form_initial(value)}

    def value(self, path: str) -> dict | None:
        """The condition or action as the services take it; None for a blank optional row."""
        kind = self.cleaned_data.get("type")
        return self.REGISTRY[kind].from_form(self.cleaned_data, path) if kind else None

    def field_for(self, name: str) -> str:
        """The form field a service error's field name points at."""
        kind = self.REGISTRY.get(self.cleaned_data.get("type"))
        for spec in kind.form_fields if kind else ():
            if spec.json_key == name:
                return spec.name
        return name if name in self.fields else "type"


_condition_fields, _condition_uses, _condition_groups = _declared_fields(CONDITIONS)
_action_fields, _action_uses, _action_groups = _declared_fields(ACTIONS)


class ConditionForm(type(_TypeForm)("ConditionFields", (_TypeForm,), _condition_fields)):
    REGISTRY, NOUN, USES, GROUPS = CONDITIONS, "Condition", _condition_uses, _condition_groups
    type = forms.ChoiceField(label="Condition")
    field_order = ["type"]

    def __init__(self, *args, optional: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(k.type, k.label) for k in CONDITIONS.values()]
        self.fields["type"].choices = ([("", "— none —")] if optional else []) + choices
        self.fields["type"].required = not optional

    def condition(self, path: str) -> dict | None:
        return self.value(path)


class AlertRuleForm(ConditionForm):
    name = forms.CharField(label="Name", max_length=100, strip=False)
    webhook_url = forms.CharField(
        label="Webhook URL (optional)",
        required=False,
        max_length=2000,
        widget=forms.URLInput,
        help_text="Each alert is also POSTed here as JSON, signed with the rule's secret.",
    )
    field_order = ["name", "type", *_condition_fields]

    def values(self) -> dict:
        return {
            "name": self.cleaned_data["name"],
            "condition": self.condition("condition"),
            "webhook_url": self.cleaned_data["webhook_url"] or None,
        }


class TrackerForm(forms.Form):
    """A tracker of the Analytics tab: a name and a search query (the services check both; the
    parser's error, naming the position, comes back on the Query field)."""

    name = forms.CharField(label="Tracker name", max_length=100, strip=False)
    query = forms.CharField(
        label="Query",
        max_length=500,
        strip=False,
        help_text='As in search: words, "a phrase", OR, -word, customer: or agent:. '
        "Counts the calls analysed from now on.",
    )


class AutomationForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, strip=False)
    trigger = forms.ChoiceField(
        label="When", choices=[(t.value, t.label) for t in TRIGGERS.values()]
    )
    enabled = forms.BooleanField(label="Enabled", required=False, initial=True)


class ActionForm(type(_TypeForm)("ActionFields", (_TypeForm,), _action_fields)):
    REGISTRY, NOUN, USES, GROUPS = ACTIONS, "Action", _action_uses, _action_groups
    type = forms.ChoiceField(
        label="Action",
        required=False,
        choices=[("", "— none —"), *((k.type, k.label) for k in ACTIONS.values())],
    )
    field_order = ["type"]

    def action(self, path: str = "") -> dict | None:
        return self.value(path)


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


def describe_condition(condition: dict) -> str:
    kind = CONDITIONS.get(condition.get("type"))
    return kind.describe(condition) if kind else str(condition.get("type"))


def describe_action(action: dict) -> str:
    kind = ACTIONS.get(action.get("type"))
    return kind.describe(action) if kind else str(action.get("type"))
