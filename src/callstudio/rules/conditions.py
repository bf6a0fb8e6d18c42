"""Conditions and actions of alert rules and automations, JSON objects with a `type`: checked
once when a rule is saved (422 naming the field), evaluated against each arriving call.

`facts(call)` reads what the conditions look at from a call once; `holds` is a pure function
of a condition and those facts."""

import math
from dataclasses import dataclass
from urllib.parse import urlsplit

from callstudio.core.errors import Invalid
from callstudio.core.validation import clean_name, clean_text

CONDITION_TYPES = (
    "keyword",
    "sentiment_below",
    "duration_above",
    "duration_below",
    "agent_unknown",
    "metadata_equals",
)
ACTION_TYPES = ("add_tag", "archive_call", "webhook")
MAX_PHRASES = 50
MAX_CONDITIONS = 10
MAX_ACTIONS = 10
MAX_SECONDS = 7 * 86400


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
    kind = condition["type"]
    if kind == "keyword":
        return any(p.casefold() in f.text for p in condition["phrases"])
    if kind == "sentiment_below":
        return f.sentiment is not None and f.sentiment < condition["value"]
    if kind == "duration_above":
        return f.duration > condition["seconds"]
    if kind == "duration_below":
        return f.duration < condition["seconds"]
    if kind == "agent_unknown":
        return not f.agent_known
    if kind == "metadata_equals":
        key = condition["key"]
        return key in f.metadata and f.metadata[key] == condition["value"]
    raise ValueError(kind)


def _object(value, field: str, types: tuple) -> dict:
    if not isinstance(value, dict):
        raise Invalid("Must be an object with a type.", field=field)
    kind = value.get("type")
    if kind not in types:
        raise Invalid(f"Unknown type; use one of: {', '.join(types)}.", field=f"{field}.type")
    return value


def _number(value, field: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Invalid("Must be a number.", field=field)
    if not low <= value <= high:
        raise Invalid(f"Must be between {low:g} and {high:g}.", field=field)
    return float(value)


def _known_keys(value: dict, field: str, allowed: set) -> None:
    extra = sorted(set(value) - allowed - {"type"})
    if extra:
        raise Invalid(f"Unknown field {extra[0]!r}.", field=f"{field}.{extra[0]}")


def clean_condition(value, *, field: str = "condition") -> dict:
    value = _object(value, field, CONDITION_TYPES)
    kind = value["type"]
    if kind == "keyword":
        _known_keys(value, field, {"phrases"})
        phrases = value.get("phrases")
        if not isinstance(phrases, list) or not phrases:
            raise Invalid("Give a list of one or more phrases.", field=f"{field}.phrases")
        if len(phrases) > MAX_PHRASES:
            raise Invalid(f"At most {MAX_PHRASES} phrases.", field=f"{field}.phrases")
        cleaned = [clean_name(p, field=f"{field}.phrases", max_length=200) for p in phrases]
        return {"type": kind, "phrases": list(dict.fromkeys(cleaned))}
    if kind == "sentiment_below":
        _known_keys(value, field, {"value"})
        return {"type": kind, "value": _number(value.get("value"), f"{field}.value", -1, 1)}
    if kind in ("duration_above", "duration_below"):
        _known_keys(value, field, {"seconds"})
        seconds = _number(value.get("seconds"), f"{field}.seconds", 0, MAX_SECONDS)
        return {"type": kind, "seconds": seconds}
    if kind == "agent_unknown":
        _known_keys(value, field, set())
        return {"type": kind}
    _known_keys(value, field, {"key", "value"})
    key = clean_name(value.get("key"), field=f"{field}.key", max_length=200)
    if "value" not in value:
        raise Invalid("This field is required.", field=f"{field}.value")
    if not isinstance(value["value"], str | int | float | bool) or value["value"] is None:
        raise Invalid("Must be a string, number or boolean.", field=f"{field}.value")
    if isinstance(value["value"], str):
        clean_text(value["value"], field=f"{field}.value", max_length=1000, required=False)
    return {"type": kind, "key": key, "value": value["value"]}


def clean_conditions(value, *, field: str = "conditions") -> list[dict]:
    if not isinstance(value, list):
        raise Invalid("Must be a list of conditions (empty: always).", field=field)
    if len(value) > MAX_CONDITIONS:
        raise Invalid(f"At most {MAX_CONDITIONS} conditions.", field=field)
    return [clean_condition(c, field=f"{field}[{i}]") for i, c in enumerate(value)]


def clean_url(value, *, field: str) -> str:
    url = clean_name(value, field=field, max_length=2000)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number from 0 to 65535)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise Invalid("Must be an http:// or https:// URL.", field=field) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("Must be an http:// or https:// URL.", field=field)
    return url


def clean_actions(value, *, field: str = "actions") -> list[dict]:
    if not isinstance(value, list) or not value:
        raise Invalid("Give a list of one or more actions.", field=field)
    if len(value) > MAX_ACTIONS:
        raise Invalid(f"At most {MAX_ACTIONS} actions.", field=field)
    cleaned = []
    for i, action in enumerate(value):
        at = f"{field}[{i}]"
        action = _object(action, at, ACTION_TYPES)
        kind = action["type"]
        if kind == "add_tag":
            _known_keys(action, at, {"tag"})
            cleaned.append({"type": kind, "tag": clean_name(action.get("tag"), field=f"{at}.tag")})
        elif kind == "archive_call":
            _known_keys(action, at, set())
            cleaned.append({"type": kind})
        else:
            _known_keys(action, at, {"url", "secret"})
            url = clean_url(action.get("url"), field=f"{at}.url")
            secret = clean_name(action.get("secret"), field=f"{at}.secret", max_length=200)
            if len(secret) < 8:
                raise Invalid("At least 8 characters.", field=f"{at}.secret")
            cleaned.append({"type": kind, "url": url, "secret": secret})
    return cleaned


def keyword_phrases(conditions: list[dict]) -> list[str]:
    """The phrases keyword conditions watch: the team's keyword trackers."""
    return [p for c in conditions if c["type"] == "keyword" for p in c["phrases"]]
