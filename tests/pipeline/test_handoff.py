"""Ingestion hands stored calls to the analysis pipeline without importing it: after a batch
commits, calls sends `calls_stored`, and the receiver the pipeline connected in its
AppConfig.ready() enqueues the pass (tests/test_worker.py runs the real consumer)."""

import logging

import pytest

from callstudio.calls.ingest import store_calls
from callstudio.calls.models import Call
from callstudio.calls.schemas import CallIn
from callstudio.calls.signals import calls_stored
from tests.calls.conftest import call_body


def batch(*external_ids):
    return [CallIn.model_validate(call_body(e)) for e in external_ids]


@pytest.fixture
def nudges(monkeypatch):
    """What reached the pipeline's enqueue (the real one runs the pass with fresh connections,
    which a test transaction must not get)."""
    seen = []
    monkeypatch.setattr("callstudio.pipeline.tasks.nudge", lambda: seen.append(1))
    return seen


@pytest.fixture
def signals():
    seen = []

    def record(sender, **kwargs):
        seen.append((sender, kwargs))

    calls_stored.connect(record)
    yield seen
    calls_stored.disconnect(record)


def test_a_committed_batch_is_announced_once_and_the_pipeline_enqueues_it(
    world, nudges, signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        inserted = store_calls(team=world.team, calls=batch("a", "b"))
    assert signals == [] and nudges == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert len(inserted) == 2
    assert signals == [
        (
            Call,
            {"signal": calls_stored, "team_id": world.team.id, "call_ids": list(inserted.values())},
        )
    ]
    assert nudges == [1]


def test_a_batch_of_resends_only_announces_nothing(
    world, nudges, signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        store_calls(team=world.team, calls=batch("a"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert store_calls(team=world.team, calls=batch("a")) == {}
    assert callbacks == []
    assert len(signals) == 1 and nudges == [1]


def test_a_failing_listener_does_not_fail_the_stored_batch(
    world, nudges, django_capture_on_commit_callbacks, caplog
):
    def broken(sender, **kwargs):
        raise RuntimeError("listener down")

    calls_stored.connect(broken)
    try:
        with (
            caplog.at_level(logging.WARNING, logger="django.dispatch"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            inserted = store_calls(team=world.team, calls=batch("a"))
    finally:
        calls_stored.disconnect(broken)
    assert list(inserted) == ["a"] and Call.objects.filter(external_id="a").count() == 1
    assert nudges == [1]  # the pipeline's receiver still ran
    assert [r.exc_info[1].args for r in caplog.records if r.name == "django.dispatch"] == [
        ("listener down",)
    ]
