"""Moving a call between rollup rows while the analysis pass holds it (counted, not committed yet):
a member joining, or the call being archived, waits for the pass and moves what the pass counted.
Linking the call behind the pass's back would leave it counted as "unlinked" while it belongs to
the member (found on PostgreSQL, fixed in calls/ingest.py `link_agent_calls`)."""

import threading
from unittest import mock

import pytest
from django.db import connection

from callstudio.access.policy import org_access, team_access
from callstudio.analytics.models import TEAM, DayRollup
from callstudio.calls.ingest import store_calls
from callstudio.calls.models import Call
from callstudio.calls.schemas import CallIn
from callstudio.calls.services import call_set_archived
from callstudio.directory.services import (
    org_member_add,
    organization_create,
    team_create,
    team_member_add,
)
from callstudio.pipeline import analysis as pipeline
from tests.calls.conftest import call_body
from tests.conftest import make_account
from tests.helpers import wait_until


def run_while_the_pass_holds_the_call(action) -> list:
    """The analysis pass counts the pending calls and waits, its transaction open; `action` runs
    in another thread and connection meanwhile; then the pass commits. Returns errors raised."""
    counted, go = threading.Event(), threading.Event()
    analyze = pipeline._analyze
    errors = []

    def slow_analyze(calls, scores):
        analyze(calls, scores)
        counted.set()
        assert go.wait(30)

    waiting = []  # statements the action's thread has sent and not got an answer to yet

    def in_flight(execute, sql, params, many, context):
        waiting.append(sql)
        try:
            return execute(sql, params, many, context)
        finally:
            waiting.remove(sql)

    def in_thread(fn):
        def run():
            try:
                with connection.execute_wrapper(in_flight):
                    fn()
            except Exception as exc:
                errors.append(exc)
            finally:
                connection.close()

        return threading.Thread(target=run)

    def analysis():
        with mock.patch.object(pipeline, "_analyze", slow_analyze):
            assert pipeline.analyze_pending() == 1

    first = in_thread(analysis)
    first.start()
    assert counted.wait(30)
    second = in_thread(action)
    second.start()
    wait_until(
        lambda: blocked(waiting),
        what="the action to wait for the pass (the locked call, or the pass's transaction)",
    )
    go.set()
    first.join(60)
    second.join(60)
    return errors


def blocked(waiting: list) -> bool:
    """The action is stuck behind the pass: on PostgreSQL a backend waits for a lock (the call
    row the pass holds); on SQLite the action's `BEGIN IMMEDIATE` waits for the pass's write
    transaction to end."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0] > 0
    return any(sql.startswith("BEGIN") for sql in list(waiting))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ["member_joins", "call_archived"])
def test_a_call_moved_while_the_analysis_pass_holds_it_is_counted_where_it_ends(action):
    admin = make_account("admin@race.test")
    org = organization_create(actor=admin, name="Race")
    team = team_create(access=org_access(admin, org.id), name="Calls")
    late = make_account("late@race.test")
    org_member_add(access=org_access(admin, org.id), account_id=late.account_id)
    with mock.patch("callstudio.pipeline.tasks.nudge"):  # left pending for the pass
        inserted = store_calls(
            team=team,
            calls=[CallIn.model_validate(call_body("c1", agent={"external_id": "EXT-1"}))],
        )
    assert pipeline.pending_count() == 1

    def member_joins():
        team_member_add(
            access=team_access(org_access(admin, org.id), team.id),
            account_id=late.account_id,
            role="agent",
            agent_external_id="EXT-1",
        )

    def call_archived():
        call_set_archived(
            access=team_access(org_access(admin, org.id), team.id),
            call_id=inserted["c1"],
            archived=True,
        )

    errors = run_while_the_pass_holds_the_call(
        {"member_joins": member_joins, "call_archived": call_archived}[action]
    )
    assert not errors, errors
    call = Call.objects.get(id=inserted["c1"])
    assert call.analyzed_at is not None
    rows = {r.agent_key: r.calls for r in DayRollup.objects.filter(team=team) if r.calls}
    if action == "member_joins":
        assert call.agent_id == late.pk
        assert rows == {late.pk: 1, TEAM: 1}, rows
    else:
        assert call.archived
        assert rows == {}, rows
