"""The call list, page after page, is exactly the calls the actor may read, filtered and newest
first: a property test against the plain model queryset (searches evaluated by the matcher in
Python), for random principals, filters and page sizes (ties on started_at included, so the cursor's id tie-break is exercised)."""

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callstudio.access.policy import org_access, team_access
from callstudio.calls.models import Call
from callstudio.calls.selectors import calls_page, readable_calls
from callstudio.core.errors import Forbidden
from callstudio.search.matcher import matches
from callstudio.search.query import parse
from callstudio.search.text import document

from .conftest import call_body


def call_document(c: Call):
    return document(transcript=c.transcript, customer=c.customer, external_id=c.external_id)


PRINCIPALS = ("admin", "manager", "supervisor", "agent", "qa", "member")
# Four start times for twelve calls: most pages end inside a run of equal started_at.
TIMES = [f"2026-11-{day:02d}T10:00:00Z" for day in (10, 12, 12, 15)]
# Searches (docs/search.md): words, a phrase, a prefix, OR, a word left out, a speaker.
WORDS = (
    "billing",
    "REFUND",
    "parcel",
    '"went missing"',
    "refu*",
    "parcel OR refund",
    "billing -please",
    "customer:parcel",
    "agent:parcel",
    "nothing like it",
)
when = st.sampled_from(
    [None, *(datetime(2026, 11, day, 10, tzinfo=UTC) for day in (9, 10, 12, 13, 15, 16))]
)


@pytest.fixture
def calls(world, ingest):
    agents = ["agent", "supervisor", None]
    for i in range(12):
        agent = agents[i % 3]
        text = "a parcel went missing" if i % 4 == 0 else "billing: a refund, please"
        response = ingest.post(
            ingest.url,
            call_body(
                f"c{i:02d}",
                agent={"email": f"{agent}@acme.test"} if agent else {"external_id": "X"},
                started_at=TIMES[i % 4],
                transcript=[{"speaker": "customer", "start": 0, "end": 3, "text": text}],
                tags=["billing"] if i % 2 else [],
            ),
        )
        assert response.status_code == 201, response.content
    sup = world.api("supervisor")
    for external_id in ("c01", "c06"):
        call = Call.objects.get(external_id=external_id)
        response = sup.post(f"{world.team_url}/calls/{call.id}/archive")
        assert response.status_code == 200, response.content
    other = ingest.post(f"/api/v1/workflows/{world.other_team.workflow_id}/calls", call_body("r0"))
    assert other.status_code == 201, other.content


def expected(access, *, agent, start, end, q, archived) -> list[Call]:
    """The plain reading: every call the access layer lets through, filtered in Python."""
    rows = readable_calls(access).select_related("agent")
    return sorted(
        (
            c
            for c in rows
            if c.archived == archived
            and (agent is None or (c.agent is not None and c.agent.account_id == agent))
            and (start is None or c.started_at >= start)
            and (end is None or c.started_at < end)
            and (q is None or matches(parse(q), call_document(c)))
        ),
        key=lambda c: (c.started_at, c.id),
        reverse=True,
    )


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    who=st.sampled_from(PRINCIPALS),
    agent=st.sampled_from([None, "nobody", "AGENT", "SUPERVISOR"]),
    start=when,
    end=when,
    q=st.one_of(st.none(), st.sampled_from(WORDS)),
    archived=st.booleans(),
    limit=st.integers(1, 5),
)
def test_pages_are_the_readable_calls_newest_first(
    world, calls, who, agent, start, end, q, archived, limit
):
    agent = {"AGENT": world["agent"], "SUPERVISOR": world["supervisor"]}.get(agent, agent)
    agent = getattr(agent, "account_id", agent)
    access = team_access(org_access(world[who].account, world.org.id), world.team.id)
    filters = dict(agent=agent, start=start, end=end, q=q, archived=archived)
    if not (access.has("calls.read.all") or access.has("calls.read.own")):
        with pytest.raises(Forbidden):
            calls_page(access=access, limit=limit, **filters)
        return
    want = expected(access, **filters)
    got, cursor = [], None
    for _ in range(len(want) + 1):
        page = calls_page(access=access, limit=limit, cursor=cursor, **filters)
        assert len(page.items) <= limit
        got += page.items
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [c.id for c in got] == [c.id for c in want]
    for item, call in zip(got, want, strict=True):
        assert (item.external_id, item.started_at, item.ended_at) == (
            call.external_id,
            call.started_at,
            call.ended_at,
        )
        assert (item.customer, item.tags, item.archived) == (call.customer, call.tags, archived)
        assert (item.agent_id, item.agent_ref) == (call.agent_id, call.agent_ref)
        linked = None if call.agent is None else (call.agent.name, call.agent.account_id)
        assert (None if item.agent is None else (item.agent.name, item.agent.account_id)) == linked


def test_an_agent_filter_with_a_nul_byte_is_422_not_a_database_error(world):
    api = world.api("admin")
    for q in (None, "refund"):
        params = {"agent": "acc_\x00x"} | ({"q": q} if q else {})
        response = api.get(f"{world.team_url}/calls", **params)
        assert response.status_code == 422, response.content
        assert response.json()["errors"][0]["field"] == "agent"
