"""Deliveries are fair between organizations (rules/webhooks.py): an organization has at most
CALLSTUDIO_WEBHOOK_ORG_CONCURRENCY attempts in flight; a delivery that finds its organization's
slots taken is left due and untouched, and the attempt that frees a slot names the
organization's next due delivery. Another organization's deliveries are not held up meanwhile.
The real worker, with a slow receiver, is in tests/operations/test_fair_work.py."""

import threading

import pytest
from django.utils import timezone

from callstudio.rules.models import WebhookDelivery
from callstudio.rules.webhooks import attempt


@pytest.fixture
def one_slot(settings):
    settings.CALLSTUDIO_WEBHOOK_ORG_CONCURRENCY = 1
    settings.CALLSTUDIO_WEBHOOK_TIMEOUT_SECONDS = 5


def delivery(team, url: str, n: int) -> str:
    return WebhookDelivery.objects.create(
        organization_id=team.organization_id,
        team=team,
        source="Automation: test",
        source_id="auto_test",
        event="call.ingested",
        url=url,
        secret="test-secret-123",
        body=f'{{"delivery_id": "d{n}"}}',
        next_attempt_at=timezone.now(),
    ).id


def test_an_organization_beyond_its_slots_waits_and_another_does_not(
    transactional_db, world, receiver, one_slot
):
    first, second = delivery(world.team, receiver.url, 1), delivery(world.team, receiver.url, 2)
    other = delivery(world.foreign_team, receiver.url, 3)
    receiver.script = [("hang", 3)]
    results = {}
    slow = threading.Thread(target=lambda: results.setdefault("first", attempt(first)))
    slow.start()
    assert receiver.wait_for(1, seconds=5)  # Acme's one slot is taken, its receiver slow
    # Acme's second delivery is not sent, not counted as an attempt, and stays due.
    assert attempt(second).retry_in is None and len(receiver.requests) == 1
    waiting = WebhookDelivery.objects.get(id=second)
    assert (waiting.status, waiting.attempts, waiting.claimed_until) == ("pending", 0, None)
    assert waiting.next_attempt_at <= timezone.now()
    # Globex has slots of its own: sent at once, while Acme's attempt still hangs.
    assert attempt(other).retry_in is None
    assert WebhookDelivery.objects.get(id=other).status == "delivered"
    assert slow.is_alive()
    slow.join(timeout=10)
    # The slot freed names Acme's next due delivery, which the worker then sends.
    assert results["first"].next_id == second
    assert WebhookDelivery.objects.get(id=first).claimed_until is None
    assert attempt(second).next_id is None
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert sorted(r.json["delivery_id"] for r in receiver.requests) == ["d1", "d2", "d3"]


def test_a_lease_left_by_a_killed_worker_frees_the_slot_when_it_expires(world, receiver, one_slot):
    stuck, waiting = delivery(world.team, receiver.url, 1), delivery(world.team, receiver.url, 2)
    past = timezone.now() - timezone.timedelta(seconds=1)
    # A worker claimed `stuck` and died: its lease is still running, the slot taken...
    lease = timezone.now() + timezone.timedelta(seconds=60)
    WebhookDelivery.objects.filter(id=stuck).update(claimed_until=lease, next_attempt_at=lease)
    assert attempt(waiting).retry_in is None and receiver.requests == []
    # ... until the lease runs out: then both are due and sent.
    WebhookDelivery.objects.filter(id=stuck).update(claimed_until=past, next_attempt_at=past)
    attempt(waiting)
    attempt(stuck)
    assert len(receiver.requests) == 2
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
