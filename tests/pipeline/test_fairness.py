"""The analysis pass shares each batch out between the organizations with calls waiting
(pipeline/analysis.py `pending_batch`): one organization's backlog never holds back another's
fresh calls, and every call is analysed once however the batches fall."""

import pytest

from callstudio.access.policy import org_access
from callstudio.calls.ingest import store_calls
from callstudio.calls.models import Call
from callstudio.calls.schemas import CallIn
from callstudio.directory.services import organization_create, team_create
from callstudio.pipeline import analysis
from callstudio.pipeline.analysis import analyze_batch, analyze_pending
from tests.calls.conftest import call_body


@pytest.fixture(autouse=True)
def held(monkeypatch):
    """Calls stay pending until the test runs the pass (no hand-over to the worker), and the
    rotation starts afresh."""
    monkeypatch.setattr("callstudio.pipeline.tasks.nudge", lambda: None)
    monkeypatch.setattr(analysis, "_rotation", {"after": None})


def stored(team, prefix: str, n: int) -> list[int]:
    ids = store_calls(
        team=team, calls=[CallIn.model_validate(call_body(f"{prefix}-{i}")) for i in range(n)]
    )
    return sorted(ids.values())


def analysed(ids) -> set[int]:
    return set(
        Call.objects.filter(id__in=ids, analyzed_at__isnull=False).values_list("id", flat=True)
    )


def test_a_fresh_call_of_another_organization_is_served_in_the_next_batch(world):
    backlog = stored(world.team, "backlog", 30)
    fresh = stored(world.foreign_team, "fresh", 2)  # arrived after the whole backlog
    assert analyze_batch(10) == 7  # Acme's share is 5, Globex has 2
    assert analysed(fresh) == set(fresh)
    assert analysed(backlog) == set(backlog[:5])  # oldest first within the organization


def test_short_batches_do_not_end_the_pass_and_each_call_is_analysed_once(world):
    backlog = stored(world.team, "backlog", 23)
    fresh = stored(world.foreign_team, "fresh", 1)
    assert analyze_pending(batch=10) == 24
    assert analysed(backlog + fresh) == set(backlog + fresh)
    assert analyze_pending(batch=10) == 0


def test_organizations_take_turns_when_more_wait_than_a_batch_serves(world, monkeypatch):
    monkeypatch.setattr(analysis, "MAX_ORGS", 2)
    third = organization_create(actor=world["admin"].account, name="Initech")
    third_team = team_create(access=org_access(world["admin"].account, third.id), name="Desk")
    teams = sorted([world.team, world.foreign_team, third_team], key=lambda t: t.organization_id)
    calls = {t.organization_id: stored(t, "c", 4) for t in teams}
    order = [t.organization_id for t in teams]
    assert analyze_batch(4) == 4  # the first two organizations, two calls each
    assert [len(analysed(calls[o])) for o in order] == [2, 2, 0]
    assert analyze_batch(4) == 4  # the third, then the first again
    assert [len(analysed(calls[o])) for o in order] == [4, 2, 2]
    assert analyze_batch(4) == 4
    assert [len(analysed(calls[o])) for o in order] == [4, 4, 4]
    assert analyze_batch(4) == 0


def test_while_ingestion_is_busy_a_full_backlog_waits_a_rest_before_each_batch(world, monkeypatch):
    stored(world.team, "backlog", 12)
    rests = []
    monkeypatch.setattr(analysis, "ingest_busy", lambda: True)
    monkeypatch.setattr(analysis, "_batch_seconds", {"last": 0.25})
    monkeypatch.setattr(analysis.time, "sleep", rests.append)
    assert analyze_pending(batch=5, give_way=True) == 12
    # Before the first batch, and after each of the two full ones; the last (2 calls) is short.
    assert len(rests) == 3 and rests[0] == 0.25 * analysis.GIVE_WAY


def test_a_backlog_smaller_than_a_batch_is_analysed_at_once_even_while_ingestion_is_busy(
    world, monkeypatch
):
    stored(world.team, "few", 3)
    rests = []
    monkeypatch.setattr(analysis, "ingest_busy", lambda: True)
    monkeypatch.setattr(analysis.time, "sleep", rests.append)
    assert analyze_pending(batch=5, give_way=True) == 3
    assert rests == []
