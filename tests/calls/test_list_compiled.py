"""The call list is compiled once per shape and bound per request (core/compiled.py). Whatever
the request, the bound statement must be exactly the fresh compile of the access layer's
queryset, and return the same rows."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callstudio.access.policy import org_access, team_access
from callstudio.calls.selectors import (
    calls_page,
    list_filters,
    list_query,
    list_statement,
    readable_calls,
)
from callstudio.core.errors import DomainError
from callstudio.core.pagination import encode_cursor
from tests.helpers import expect

from .conftest import call_body

PRINCIPALS = ("admin", "manager", "supervisor", "agent", "qa", "member")
when = st.datetimes(
    min_value=datetime(2026, 11, 1), max_value=datetime(2026, 12, 1), timezones=st.just(UTC)
)
text = st.text(alphabet="ab%_\\' é\"", max_size=8)
cursor = st.one_of(
    st.none(),
    st.builds(lambda t, i: encode_cursor([t.isoformat(), i]), when, st.integers(-5, 10**6)),
    st.builds(lambda a, b: encode_cursor([a, b]), st.integers(0, 9), text),
)


@pytest.fixture
def calls(world, ingest):
    for i, agent in enumerate(["agent", "agent", "supervisor", "agent", None]):
        expect(
            ingest.post(
                ingest.url,
                call_body(
                    f"c{i}",
                    agent={"email": f"{agent}@acme.test"} if agent else {"external_id": "X"},
                    started_at=f"2026-11-{10 + i:02d}T10:00:00Z",
                ),
            ),
            201,
        )


def run(sql, params):
    with connection.cursor() as db:
        db.execute(sql, params)
        return db.fetchall()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    who=st.sampled_from(PRINCIPALS),
    agent=st.one_of(st.none(), st.sampled_from(["", "nobody"]), st.just("AGENT")),
    start=st.one_of(st.none(), when),
    end=st.one_of(st.none(), when),
    q=st.one_of(st.none(), text),
    archived=st.booleans(),
    cursor=cursor,
    limit=st.integers(1, 200),
)
def test_bound_statement_is_the_fresh_compile(
    world, calls, who, agent, start, end, q, archived, cursor, limit
):
    if agent == "AGENT":
        agent = world["agent"].account_id
    access = team_access(org_access(world[who].account, world.org.id), world.team.id)
    filters = dict(agent=agent, start=start, end=end, q=q, cursor=cursor)
    try:
        parsed = list_filters(**filters)
        fresh = list_query(access, archived=archived, limit=limit, **parsed)
        expected = fresh.query.sql_with_params()
    except (DomainError, ValueError, TypeError) as error:
        with pytest.raises(type(error)):
            calls_page(access=access, archived=archived, limit=limit, **filters)
        return
    sql, params = list_statement(access, archived=archived, limit=limit, **parsed)
    assert (sql, list(params)) == (expected[0], list(expected[1]))
    assert [row[0] for row in run(sql, params)] == [row["id"] for row in fresh]


def test_standing_in_changes_nothing_but_the_ids(world):
    for who in ("supervisor", "agent"):
        access = team_access(org_access(world[who].account, world.org.id), world.team.id)
        same = access.standing_in(team_id=world.team.id, account_pk=world[who].account.pk)
        assert (
            readable_calls(same).query.sql_with_params()
            == readable_calls(access).query.sql_with_params()
        )


def test_one_shape_serves_every_team_and_actor(world, calls, ingest):
    """The agent's compile is reused for the supervisor's own-calls view in another request,
    and each still sees only their rows."""
    seen = {}
    for who in ("agent", "supervisor"):
        access = team_access(org_access(world[who].account, world.org.id), world.team.id)
        sql, params = list_statement(
            access,
            archived=False,
            limit=50,
            agent=world[who].account_id,
            start=datetime(2026, 11, 1, tzinfo=UTC),
            end=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=60),
        )
        seen[who] = [row[2] for row in run(sql, params)]
    assert seen == {"agent": ["c3", "c1", "c0"], "supervisor": ["c2"]}
