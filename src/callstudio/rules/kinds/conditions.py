"""The condition types of alert rules and automations, one class each. A new type is one more
class here with `@CONDITIONS.add` (see docs/architecture.md, "Where each kind of thing is
declared"); the API, the services, the analysis pass, the forms and the lists pick it up."""

import functools
import math
import re

import orjson

from callstudio.core.errors import Invalid
from callstudio.core.validation import clean_name, clean_text
from callstudio.search.matcher import matches, term_holds
from callstudio.search.query import MAX_LENGTH as MAX_QUERY
from callstudio.search.query import Query, Term, parse
from callstudio.search.text import words

from .base import CONDITIONS, ConditionKind, FormField, form_number, number

MAX_PHRASES = 50
MAX_SECONDS = 7 * 86400


def split_phrases(text: str) -> list[str]:
    """Phrases separated by commas or line breaks; blanks dropped."""
    return [p.strip() for p in re.split(r"[,\r\n]+", text or "") if p.strip()]


@functools.lru_cache(maxsize=4096)
def phrase_term(phrase: str) -> Term | None:
    """A keyword phrase as the matcher takes it: its words (search/text.py), consecutive, said by
    anyone. None for a phrase without a word (refused when saved, never matched)."""
    found = tuple(words(phrase))
    return Term(words=found) if found else None


def phrase_said(phrase: str, facts) -> bool:
    """The phrase's words, whole and in order, inside one segment of the transcript, said by
    anyone, in any case and with or without accents ("refund" is not said in "refunds")."""
    term = phrase_term(phrase)
    return term is not None and term_holds(facts.said, term)


@functools.lru_cache(maxsize=1024)
def parsed_query(text: str) -> Query:
    """A stored query's tree, parsed once per process (queries are validated when saved)."""
    return parse(text)


def clean_query(value, field: str) -> str:
    """A query as stored, or `Invalid` at `field` with the parser's message (it names the
    position where reading stopped)."""
    text = clean_text(value, field=field, max_length=MAX_QUERY)
    try:
        parse(text)
    except Invalid as exc:
        raise Invalid(exc.detail, field=field) from None
    return text


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


def _seconds(value: float) -> str:
    total = int(round(value))
    minutes, secs = divmod(total, 60)
    return f"{minutes}:{secs:02d} ({value:g} s)"


SECONDS_FIELD = FormField(
    "seconds",
    "Seconds",
    help="Duration: in seconds, e.g. 600 for 10 minutes.",
    widget="number",
    max_length=50,
    attrs={"step": "any", "min": "0"},
)


@CONDITIONS.add
class Keyword(ConditionKind):
    type = "keyword"
    label = "Keyword or phrase said"
    example = {"type": "keyword", "phrases": ["refund", "cancel my account"]}
    description = (
        f"Any of the phrases is said by anyone on the call: its words, whole and in order, "
        f"inside one segment, in any case and with or without accents (up to {MAX_PHRASES} "
        f"phrases of 200 characters)."
    )
    properties = {
        "phrases": {
            "type": "array",
            "items": {"type": "string", "maxLength": 200},
            "minItems": 1,
            "maxItems": MAX_PHRASES,
        }
    }
    required = ("phrases",)
    form_fields = (
        FormField(
            "phrases",
            "Phrases",
            help="Keyword: comma or line separated; whole words in order, said by anyone, in any "
            "case (refund does not match refunds).",
            widget="textarea",
            max_length=20_000,
            attrs={"rows": 2},
        ),
    )

    def clean_fields(self, value, field):
        phrases = value.get("phrases")
        if not isinstance(phrases, list) or not phrases:
            raise Invalid("Give a list of one or more phrases.", field=f"{field}.phrases")
        if len(phrases) > MAX_PHRASES:
            raise Invalid(f"At most {MAX_PHRASES} phrases.", field=f"{field}.phrases")
        cleaned = [clean_name(p, field=f"{field}.phrases", max_length=200) for p in phrases]
        for phrase in cleaned:
            if phrase_term(phrase) is None:
                raise Invalid(
                    f"“{phrase}” has no word to look for (letters or digits).",
                    field=f"{field}.phrases",
                )
        return {"phrases": list(dict.fromkeys(cleaned))}

    def holds(self, condition, facts):
        return any(phrase_said(p, facts) for p in condition["phrases"])

    def phrases(self, condition):
        return condition["phrases"]

    def describe(self, value):
        return "Said: " + ", ".join(f"“{p}”" for p in value["phrases"])

    def form_initial(self, value):
        return {"phrases": "\n".join(value["phrases"])}

    def from_form(self, data, path):
        return {"type": self.type, "phrases": split_phrases(data["phrases"])}


@CONDITIONS.add
class QueryMatches(ConditionKind):
    type = "query"
    label = "Search query matches"
    example = {"type": "query", "query": 'customer:"cancel my subscription" -resolved'}
    description = (
        "The call matches `query`, written in the search query language (words, quoted phrases, "
        "OR, a leading - to leave out, agent: or customer: for who said it), exactly as search "
        f"finds calls (up to {MAX_QUERY} characters)."
    )
    properties = {"query": {"type": "string", "maxLength": MAX_QUERY}}
    required = ("query",)
    form_fields = (
        FormField(
            "query",
            "Query",
            help='Query: as in search, e.g. customer:"cancel my subscription" -resolved.',
            max_length=MAX_QUERY,
        ),
    )

    def clean_fields(self, value, field):
        return {"query": clean_query(value.get("query"), f"{field}.query")}

    def holds(self, condition, facts):
        return matches(parsed_query(condition["query"]), facts.document)

    def describe(self, value):
        return f"Matches: {value['query']}"


@CONDITIONS.add
class SentimentBelow(ConditionKind):
    type = "sentiment_below"
    label = "Sentiment below a threshold"
    example = {"type": "sentiment_below", "value": -0.3}
    description = (
        "The call's sentiment, from -1 (very negative) to 1 (very positive), is below `value`."
    )
    properties = {"value": {"type": "number", "minimum": -1, "maximum": 1}}
    required = ("value",)
    form_fields = (
        FormField(
            "value",
            "Sentiment below",
            help="Sentiment: from -1 (very negative) to 1 (very positive), e.g. -0.3.",
            widget="number",
            max_length=50,
            attrs={"step": "any", "min": "-1", "max": "1"},
        ),
    )

    def clean_fields(self, value, field):
        return {"value": number(value.get("value"), f"{field}.value", -1, 1)}

    def holds(self, condition, facts):
        return facts.sentiment is not None and facts.sentiment < condition["value"]

    def describe(self, value):
        return f"Sentiment below {value['value']:+.2f}"

    def form_initial(self, value):
        return {"value": f"{value['value']:g}"}

    def from_form(self, data, path):
        return {"type": self.type, "value": form_number(data["value"], f"{path}.value")}


class _Duration(ConditionKind):
    properties = {"seconds": {"type": "number", "minimum": 0, "maximum": MAX_SECONDS}}
    required = ("seconds",)
    form_fields = (SECONDS_FIELD,)

    def clean_fields(self, value, field):
        return {"seconds": number(value.get("seconds"), f"{field}.seconds", 0, MAX_SECONDS)}

    def form_initial(self, value):
        return {"seconds": f"{value['seconds']:g}"}

    def from_form(self, data, path):
        return {"type": self.type, "seconds": form_number(data["seconds"], f"{path}.seconds")}


@CONDITIONS.add
class DurationAbove(_Duration):
    type = "duration_above"
    label = "Duration above"
    example = {"type": "duration_above", "seconds": 600.0}
    description = f"The call lasts longer than `seconds` (0 to {MAX_SECONDS})."

    def holds(self, condition, facts):
        return facts.duration > condition["seconds"]

    def describe(self, value):
        return f"Longer than {_seconds(value['seconds'])}"


@CONDITIONS.add
class DurationBelow(_Duration):
    type = "duration_below"
    label = "Duration below"
    example = {"type": "duration_below", "seconds": 10.0}
    description = f"The call is shorter than `seconds` (0 to {MAX_SECONDS})."

    def holds(self, condition, facts):
        return facts.duration < condition["seconds"]

    def describe(self, value):
        return f"Shorter than {_seconds(value['seconds'])}"


@CONDITIONS.add
class AgentUnknown(ConditionKind):
    type = "agent_unknown"
    label = "Unknown agent"
    example = {"type": "agent_unknown"}
    description = "The call's agent is not a member of the team."

    def holds(self, condition, facts):
        return not facts.agent_known

    def describe(self, value):
        return "The agent is not a team member"


@CONDITIONS.add
class MetadataEquals(ConditionKind):
    type = "metadata_equals"
    label = "Metadata equals"
    example = {"type": "metadata_equals", "key": "queue", "value": "billing"}
    description = (
        "The call's metadata has `key` and its value equals `value` (a string, number or boolean)."
    )
    properties = {
        "key": {"type": "string", "maxLength": 200},
        "value": {"type": ["string", "number", "boolean"]},
    }
    required = ("key", "value")
    form_fields = (
        FormField("key", "Metadata key", help="Metadata: e.g. queue.", max_length=200),
        FormField(
            "meta_value",
            "Metadata value",
            key="value",
            help="Metadata: text as typed; 42, true or false match a number or a boolean.",
            max_length=1000,
        ),
    )

    def clean_fields(self, value, field):
        key = clean_name(value.get("key"), field=f"{field}.key", max_length=200)
        if "value" not in value:
            raise Invalid("This field is required.", field=f"{field}.value")
        if not isinstance(value["value"], str | int | float | bool) or value["value"] is None:
            raise Invalid("Must be a string, number or boolean.", field=f"{field}.value")
        if isinstance(value["value"], str):
            clean_text(value["value"], field=f"{field}.value", max_length=1000, required=False)
        return {"key": key, "value": value["value"]}

    def holds(self, condition, facts):
        key = condition["key"]
        return key in facts.metadata and facts.metadata[key] == condition["value"]

    def describe(self, value):
        return f"Metadata {value['key']} = {show_metadata_value(value['value'])}"

    def form_initial(self, value):
        return {"key": value["key"], "meta_value": show_metadata_value(value["value"])}

    def from_form(self, data, path):
        if not data["meta_value"]:
            raise Invalid("This field is required.", field=f"{path}.meta_value")
        return {
            "type": self.type,
            "key": data["key"],
            "value": parse_metadata_value(data["meta_value"]),
        }
