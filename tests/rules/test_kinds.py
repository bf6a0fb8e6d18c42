"""The registry of condition types, action types and triggers (rules/kinds/): every type declares
all it needs — schema, validation, evaluation, form fields, label, description — and the API
guide documents it. A type missing any of them fails here, not in front of a user."""

from pathlib import Path

import pytest

from callstudio.core.errors import Invalid
from callstudio.rules.conditions import clean_actions, clean_condition, facts
from callstudio.rules.kinds import ACTIONS, CONDITIONS, TRIGGERS, ActionKind, ConditionKind
from callstudio.rules.kinds.base import Registry

API_GUIDE = (Path(__file__).parents[2] / "docs" / "api.md").read_text()
KINDS = [*CONDITIONS.values(), *ACTIONS.values()]


def guide_row(kind) -> str:
    """The API guide's table row of a type (`| `type` | ...`)."""
    rows = [line for line in API_GUIDE.splitlines() if line.startswith(f"| `{kind.type}` |")]
    assert len(rows) == 1, f"docs/api.md has {len(rows)} table rows for {kind.type!r}"
    return rows[0]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.type)
def test_every_type_declares_everything(kind):
    # Label and description: words for people, not the wire name.
    assert kind.label and kind.label != kind.type and "_" not in kind.label
    assert kind.description.endswith(".") and len(kind.description) > 20
    # Schema: every field described, the required ones among them.
    schema = kind.json_schema()
    assert schema["properties"]["type"] == {"const": kind.type}
    assert set(kind.required) <= set(kind.properties)
    assert set(kind.example) == {"type", *kind.required}
    assert schema["examples"] == [kind.example]
    # Validation: the example is valid as it is, and every field it has is checked.
    if isinstance(kind, ConditionKind):
        assert clean_condition(kind.example) == kind.example
    else:
        assert clean_actions([kind.example]) == [kind.example]
    with pytest.raises(Invalid) as unknown:
        kind.clean({**kind.example, "colour": "red"}, "condition")
    assert unknown.value.field == "condition.colour"
    for name in kind.required:
        missing = {k: v for k, v in kind.example.items() if k != name}
        with pytest.raises(Invalid) as error:
            kind.clean(missing, "x")
        assert error.value.field == f"x.{name}"
    # Evaluation: the type says what it does.
    if isinstance(kind, ConditionKind):
        assert type(kind).holds is not ConditionKind.holds
        quiet = facts(transcript=[], sentiment=None, duration=30.0, agent_id=1, metadata={})
        assert kind.holds(kind.example, quiet) in (True, False)
    else:
        assert type(kind).run is not ActionKind.run
    # Form fields: each fills a field of the schema, and a stored value survives the edit form.
    assert {f.json_key for f in kind.form_fields} == set(kind.properties)
    assert all(
        f.label and f.widget in ("text", "textarea", "number", "url") for f in kind.form_fields
    )
    initial = kind.form_initial(kind.example)
    assert set(initial) == {f.name for f in kind.form_fields}
    assert kind.from_form(initial, "conditions[0]") == kind.example
    # Lists describe it in words.
    assert kind.describe(kind.example) not in ("", kind.type)
    # Docs: the API guide's row names the fields and says what the registry says.
    row = guide_row(kind)
    assert kind.description in row
    for name in kind.properties:
        assert f"`{name}`" in row


def test_holds_tells_matching_calls_from_others():
    """Each example condition holds for one call and not for another (one check per type, so a
    new type must be added here too; its detailed tests go in test_alerts.py)."""
    calls = {
        "keyword": (
            {"transcript": [{"text": "I want a REFUND"}]},
            {"transcript": [{"text": "Refunds take a week"}]},
        ),
        "query": (
            {"transcript": [{"speaker": "customer", "text": "Please cancel my subscription."}]},
            {"transcript": [{"speaker": "agent", "text": "Please cancel my subscription."}]},
        ),
        "sentiment_below": ({"sentiment": -0.5}, {"sentiment": 0.2}),
        "duration_above": ({"duration": 601.0}, {}),
        "duration_below": ({"duration": 9.0}, {}),
        "agent_unknown": ({"agent_id": None}, {}),
        "metadata_equals": ({"metadata": {"queue": "billing"}}, {"metadata": {"queue": "sales"}}),
    }
    assert set(calls) == set(CONDITIONS)
    base = {"transcript": [], "sentiment": None, "duration": 30.0, "agent_id": 1, "metadata": {}}
    for kind in CONDITIONS.values():
        match, other = calls[kind.type]
        assert kind.holds(kind.example, facts(**{**base, **match})), kind.type
        assert not kind.holds(kind.example, facts(**{**base, **other})), kind.type


def test_a_type_cannot_be_declared_twice():
    with pytest.raises(ValueError, match="declared twice"):
        CONDITIONS.add(type(next(iter(CONDITIONS.values()))))


@pytest.mark.parametrize("trigger", TRIGGERS.values(), ids=lambda t: t.value)
def test_every_trigger_has_words_for_people_and_is_documented(trigger):
    assert trigger.label and "." not in trigger.label and trigger.value not in trigger.label
    assert trigger.description.endswith(".")
    row = [line for line in API_GUIDE.splitlines() if line.startswith(f"| `{trigger.value}` |")]
    assert len(row) == 1 and trigger.label in row[0] and trigger.description in row[0]


def test_the_api_guide_lists_no_type_the_registry_does_not_know():
    section = API_GUIDE.split("## Alerts and automations", 1)[1].split("\n## ", 1)[0]
    documented = {
        line.split("`")[1]
        for line in section.splitlines()
        if line.startswith("| `")
        and not line.startswith("| `GET")
        and "/" not in line.split("|")[1]
    }
    assert documented == {*CONDITIONS, *ACTIONS, *TRIGGERS}


def test_a_type_without_its_behaviour_is_refused_when_declared():
    class NoHolds(ConditionKind):
        type = "no_holds"

    class NoRun(ActionKind):
        type = "no_run"

    for cls in (NoHolds, NoRun):
        registry = Registry("Test")
        with pytest.raises(TypeError, match="abstract"):
            registry.add(cls)
        assert cls.type not in registry
