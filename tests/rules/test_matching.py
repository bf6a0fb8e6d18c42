"""Keyword and query conditions go through the one matcher (search/matcher.py): a keyword phrase
is its words, whole, consecutive, inside one segment, said by anyone, case and accents folded; a
query condition is the search query language, checked by the parser when saved (422 naming
`condition.query` / `conditions[i].query` with the parser's message) and evaluated as search
evaluates it."""

import pytest

from callstudio.calls.models import Call
from callstudio.core.errors import Invalid
from callstudio.core.models import AuditLogEntry
from callstudio.rules.conditions import clean_condition, facts, holds
from callstudio.rules.models import Alert, AlertRule, Automation
from tests.helpers import assert_problem

from .conftest import analyze, automations_url, create_automation, create_rule, rules_url, send


def said(*texts, speaker="customer", **extra):
    return facts(
        transcript=[{"speaker": speaker, "text": t} for t in texts],
        sentiment=None,
        duration=30.0,
        agent_id=1,
        metadata={},
        **extra,
    )


def keyword(*phrases):
    return clean_condition({"type": "keyword", "phrases": list(phrases)})


@pytest.mark.parametrize(
    ("phrase", "texts", "expected"),
    [
        ("refund", ["I want a refund."], True),
        ("refund", ["Refunds take a week."], False),  # whole words: not a substring
        ("refunds", ["I want a refund."], False),
        ("refund", ["prerefund"], False),
        ("REFUND", ["i want a refund"], True),  # case folded both ways
        ("refund", ["I WANT A REFUND"], True),
        ("café", ["Meet me at the CAFE"], True),  # accents folded both ways
        ("cafe", ["un café crème"], True),
        ("Straße", ["strasse"], True),  # case folding, not lower-casing
        ("cancel my account", ["Please cancel my account today"], True),
        ("cancel my account", ["Please cancel, my account!"], True),  # punctuation is no word
        ("cancel my account", ["cancel account my"], False),  # in order
        ("cancel my account", ["cancel my old account"], False),  # consecutive
        ("cancel my account", ["Please cancel my", "account now"], False),  # one segment
        ("e-mail", ["send an e mail"], True),  # a phrase of its words, as search reads it
    ],
)
def test_keyword_phrases_are_words(phrase, texts, expected):
    assert holds(keyword(phrase), said(*texts)) is expected


def test_keyword_is_said_by_anyone_but_only_said():
    """Any speaker (agent, customer, an IVR); the customer's name, phone and the external ID are
    not "said" (a query condition, as search, does read them)."""
    for speaker in ("agent", "customer", "IVR", None):
        assert holds(keyword("refund"), said("refund", speaker=speaker))
    quiet = said("hello", customer={"name": "Jordan Refund", "phone": "+15550001"}, external_id="X")
    assert not holds(keyword("jordan"), quiet)
    assert not holds(keyword("refund"), quiet)
    assert holds(clean_condition({"type": "query", "query": "jordan"}), quiet)
    assert holds(clean_condition({"type": "query", "query": "15550001"}), quiet)


def test_a_phrase_without_a_word_is_refused():
    with pytest.raises(Invalid) as error:
        clean_condition({"type": "keyword", "phrases": ["refund", "?!"]}, field="condition")
    assert error.value.field == "condition.phrases" and "no word" in error.value.detail


@pytest.mark.parametrize(
    ("query", "texts", "expected"),
    [
        ("refund", [("customer", "I want a refund")], True),
        ("refund", [("customer", "refunds")], False),
        ("refund*", [("customer", "refunds")], True),
        ('"cancel my subscription"', [("agent", "cancel my subscription")], True),
        ('customer:"cancel my subscription"', [("agent", "cancel my subscription")], False),
        ('customer:"cancel my subscription"', [("customer", "Cancel my Subscription!")], True),
        ("agent:sorry", [("customer", "sorry")], False),
        ("refund -lawyer", [("customer", "refund"), ("agent", "my lawyer")], False),
        ("refund OR chargeback", [("customer", "a chargeback")], True),
        ("refund chargeback", [("customer", "a chargeback")], False),
    ],
)
def test_a_query_condition_holds_as_search_matches(query, texts, expected):
    seen = facts(
        transcript=[{"speaker": s, "text": t} for s, t in texts],
        sentiment=None,
        duration=10.0,
        agent_id=None,
        metadata={},
    )
    assert holds(clean_condition({"type": "query", "query": query}), seen) is expected


# --- over the API and through the analysis pass ------------------------------------------------


def state() -> tuple:
    return (
        list(AlertRule.objects.order_by("id").values()),
        list(Automation.objects.order_by("id").values()),
        AuditLogEntry.objects.count(),
    )


def test_keyword_rules_raise_on_words_not_substrings(world, ingest):
    refund = create_rule(world, {"type": "keyword", "phrases": ["refund"]}, name="Refund")
    twice = create_rule(world, {"type": "keyword", "phrases": ["Charged TWICE"]}, name="Twice")
    split = create_rule(world, {"type": "keyword", "phrases": ["twice for"]}, name="Split")
    # The default call: the customer says "I was charged twice for my refund."
    hit = send(ingest, "hit")
    plural = send(
        ingest,
        "plural",
        transcript=[{"speaker": "customer", "start": 0, "end": 5, "text": "Refunds? Chárged"}],
    )
    across = send(
        ingest,
        "across",
        transcript=[
            {"speaker": "customer", "start": 0, "end": 5, "text": "I was charged"},
            {"speaker": "customer", "start": 6, "end": 9, "text": "twice, for sure"},
        ],
    )
    assert analyze() == 3
    raised = set(Alert.objects.values_list("rule_id", "call_id"))
    # "charged" and "twice" are in two segments of `across`; "twice, for" is in one.
    assert raised == {
        (refund["id"], hit),
        (twice["id"], hit),
        (split["id"], hit),
        (split["id"], across),
    }
    assert not Alert.objects.filter(call_id=plural).exists()
    # The keyword trackers recorded on each call follow the same words.
    keywords = dict(Call.objects.values_list("id", "keywords"))
    assert keywords[hit] == ["refund", "Charged TWICE", "twice for"]
    assert keywords[plural] == [] and keywords[across] == ["twice for"]


def test_a_query_rule_and_a_query_automation_act_on_matching_calls_only(world, ingest):
    rule = create_rule(
        world, {"type": "query", "query": 'customer:"charged twice" -lawyer'}, name="Double"
    )
    create_automation(
        world,
        conditions=[{"type": "query", "query": "jordan refund*"}],
        actions=[{"type": "add_tag", "tag": "jordan-refunds"}],
    )
    hit = send(ingest, "hit")  # Jordan (the customer's name) says it
    by_agent = send(
        ingest,
        "agent-says",
        transcript=[{"speaker": "agent", "start": 0, "end": 5, "text": "You were charged twice"}],
    )
    lawyer = send(
        ingest,
        "lawyer",
        transcript=[
            {"speaker": "customer", "start": 0, "end": 5, "text": "Charged twice! LAWYER, refunds!"}
        ],
    )
    assert analyze() == 3
    assert list(Alert.objects.values_list("rule_id", "call_id")) == [(rule["id"], hit)]
    tags = dict(Call.objects.values_list("id", "tags"))
    assert tags[hit] == ["refund", "jordan-refunds"]
    assert "jordan-refunds" not in tags[by_agent] and "jordan-refunds" in tags[lawyer]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"cancel my', "This quote is never closed (at character 1)."),
        ("refund OR", "OR needs a term on each side (at character 8)."),
        ("-refund", "Give at least one word to find"),
        ("x" * 501, "At most 500 characters."),
        ("", "This field is required."),
        ("refund\x00", "NUL"),
        (7, "Must be a string."),
    ],
)
def test_a_bad_query_is_refused_when_saved_naming_the_field(world, query, message):
    supervisor = world.api("supervisor")
    before = state()
    body = assert_problem(
        supervisor.post(
            rules_url(world), {"name": "Q", "condition": {"type": "query", "query": query}}
        ),
        422,
        field="condition.query",
    )
    assert message in body["errors"][0]["message"], body
    body = assert_problem(
        supervisor.post(
            automations_url(world),
            {
                "name": "Q",
                "trigger": "call.ingested",
                "conditions": [
                    {"type": "duration_above", "seconds": 5},
                    {"type": "query", "query": query},
                ],
                "actions": [{"type": "add_tag", "tag": "q"}],
            },
        ),
        422,
        field="conditions[1].query",
    )
    assert message in body["errors"][0]["message"], body
    assert state() == before


def test_a_query_condition_is_stored_as_typed_and_listed(world):
    rule = create_rule(world, {"type": "query", "query": ' customer:"cancel it" '}, name="Q")
    assert rule["condition"] == {"type": "query", "query": 'customer:"cancel it"'}
    listed = world.api("supervisor").get(rules_url(world)).json()["items"]
    assert listed[0]["condition"] == rule["condition"]
    assert_problem(
        world.api("supervisor").post(
            rules_url(world),
            {"name": "Q2", "condition": {"type": "query", "query": "a", "phrases": ["a"]}},
        ),
        422,
        field="condition.phrases",
    )
