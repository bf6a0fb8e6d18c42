"""The engines agree with the matcher: for generated transcripts and queries, each database's
search returns exactly the calls a plain Python evaluation of the query tree returns
(search/matcher.py), for an Admin, a Supervisor and an Agent (own calls only), page after page,
and never a call of a team or organization the principal may not read."""

import itertools

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from callstudio.access.policy import org_access
from callstudio.calls.ingest import store_calls
from callstudio.calls.models import Call
from callstudio.calls.schemas import CallIn
from callstudio.core.errors import Invalid
from callstudio.rules.search import search_calls
from callstudio.search.matcher import matches
from callstudio.search.query import parse
from callstudio.search.text import document

# Look-alikes on purpose: case, accents, plural, compounds, another script, engine keywords.
VOCABULARY = [
    "cancel",
    "Cancel",
    "CANCÉL",
    "my",
    "subscription",
    "refund",
    "refunds",
    "naïve",
    "naive",
    "e-mail",
    "mail",
    "Straße",
    "strasse",
    "Москва",
    "ok",
    "NEAR",
    "or",
    "not",
    "x1",
    "1x",
]
SEPARATORS = [" ", ", ", "? ", " - ", "\n", "'", "|", " | "]
SPEAKERS = ["agent", "customer", "bot"]
PRINCIPALS = ("admin", "supervisor", "agent")
counter = itertools.count()

text = st.lists(
    st.tuples(st.sampled_from(VOCABULARY), st.sampled_from(SEPARATORS)), min_size=1, max_size=6
).map(lambda parts: "".join(w + s for w, s in parts).strip())
segment = st.builds(
    lambda speaker, said: {"speaker": speaker, "start": 0, "end": 1, "text": said},
    st.sampled_from(SPEAKERS),
    text,
)
calls = st.lists(
    st.tuples(
        st.sampled_from(["team", "other_team", "foreign_team"]),
        st.sampled_from(["agent", "supervisor", None]),
        st.lists(segment, min_size=0, max_size=4),
        st.sampled_from([None, "Zoë Naïve", "Ann Mail"]),
    ),
    min_size=1,
    max_size=6,
)
word = st.sampled_from(VOCABULARY)
term = st.one_of(
    word,
    st.tuples(word, word).map(lambda p: f'"{p[0]} {p[1]}"'),
    word.filter(lambda w: len(w) > 2).map(lambda w: w[:2] + "*"),
).flatmap(lambda t: st.sampled_from([t, f"agent:{t}", f"customer:{t}"]))
clause = st.lists(term, min_size=1, max_size=2).map(" OR ".join)
query = st.tuples(st.lists(clause, min_size=1, max_size=3), st.lists(term, max_size=1)).map(
    lambda qc: " ".join(qc[0] + [f"-{t}" for t in qc[1]])
)


def store(world, generated) -> None:
    for team_key, agent, segments, customer in generated:
        team = getattr(world, team_key)
        body = {
            "external_id": f"p{next(counter)}",
            "started_at": f"2026-11-{1 + next(counter) % 28:02d}T10:00:00Z",
            "duration_seconds": 60,
            "transcript": segments,
        }
        if agent and team_key != "foreign_team":
            body["agent"] = {"account_id": world[agent].account_id}
        if customer:
            body["customer"] = {"name": customer}
        store_calls(team=team, calls=[CallIn.model_validate(body)])


def readable(world, who, call: Call) -> bool:
    if call.organization_id != world.org.id:
        return False
    if who == "admin":
        return True
    if who == "supervisor":
        return call.team_id == world.team.id
    return call.team_id == world.team.id and call.agent_id == world["agent"].account.pk


def engine_ids(world, who, q) -> list[int]:
    access = org_access(world[who].account, world.org.id)
    got, cursor = [], None
    for _ in range(50):
        page = search_calls(access=access, q=q, cursor=cursor, limit=7)
        got += [item["call"].id for item in page.items]
        if not (cursor := page.next_cursor):
            return got
    raise AssertionError("the pages never end")


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(generated=calls, q=query)
def test_each_engine_returns_exactly_what_the_matcher_says(world, generated, q):
    try:
        tree = parse(q)
    except Invalid:
        assume(False)
    store(world, generated)
    everything = list(Call.objects.all())
    for who in PRINCIPALS:
        want = {
            c.id
            for c in everything
            if readable(world, who, c)
            and matches(
                tree,
                document(transcript=c.transcript, customer=c.customer, external_id=c.external_id),
            )
        }
        event(f"{who} finds {'some' if want else 'none'}")
        got = engine_ids(world, who, q)
        assert len(got) == len(set(got)), f"{who}: a call twice in {q!r}"
        assert set(got) == want, f"{who} searching {q!r}"
