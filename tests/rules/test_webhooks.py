"""Signed webhook deliveries to a real HTTP receiver on 127.0.0.1: the signature
and body, retries with backoff after errors and timeouts, giving up, deduplication by
`delivery_id`, the delivery log. The worker's `deliver_webhook` task calls `attempt()`; here the
tests call it, as the worker would."""

import threading
import time
from datetime import timedelta

import orjson
import pytest
from django.utils import timezone

from callstudio.rules.models import Alert, WebhookDelivery
from callstudio.rules.webhooks import attempt, due_deliveries, retry_delay
from tests.helpers import assert_problem

from .conftest import analyze, create_automation, create_rule, give_team_role, send

KEYWORD = {"type": "keyword", "phrases": ["charged twice"]}
SECRET = "automation-secret-42"


@pytest.fixture
def short_retries(settings):
    settings.CALLSTUDIO_WEBHOOK_RETRY_SECONDS = 10
    settings.CALLSTUDIO_WEBHOOK_MAX_ATTEMPTS = 3
    settings.CALLSTUDIO_WEBHOOK_TIMEOUT_SECONDS = 1
    return settings


def one_delivery() -> WebhookDelivery:
    return WebhookDelivery.objects.get()


def make_due(delivery_id: str) -> None:
    """What waiting for the backoff does: the delivery's time comes."""
    WebhookDelivery.objects.filter(id=delivery_id).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def log(world, who="supervisor") -> list[dict]:
    response = world.api(who).get(f"{world.team_url}/webhook-deliveries")
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_an_alert_webhook_is_signed_and_carries_the_documented_body(world, ingest, receiver):
    rule = create_rule(world, KEYWORD, name="Double charge", webhook_url=receiver.url)
    call_id = send(ingest, "call-7")
    assert not WebhookDelivery.objects.exists()
    analyze()
    delivery = one_delivery()
    # Until the worker sends it, a delivery is only a row.
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert delivery.id in due_deliveries()
    assert receiver.requests == []

    assert attempt(delivery.id).retry_in is None
    [request] = receiver.requests
    assert request.signed_with(rule["webhook_secret"])
    assert not request.signed_with(rule["webhook_secret"] + "x")
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-callstudio-delivery"] == delivery.id
    assert request.body == delivery.body.encode()  # exactly the bytes stored and signed
    alert = Alert.objects.get()
    assert request.json == {
        "event": "alert.raised",
        "delivery_id": delivery.id,
        "team": {"id": world.team.id, "name": "Billing"},
        "call": {
            "id": call_id,
            "external_id": "call-7",
            "started_at": "2026-11-20T10:00:00Z",
            "duration_seconds": 100,
            "agent": {
                "account_id": world["agent"].account_id,
                "name": world["agent"].account.name,
                "email": "agent@acme.test",
            },
            "tags": ["refund"],
        },
        "alert": {
            "id": alert.id,
            "rule": {"id": rule["id"], "name": "Double charge"},
            "status": "open",
            "raised_at": request.json["alert"]["raised_at"],
        },
    }
    assert request.json["alert"]["raised_at"].startswith(alert.raised_at.date().isoformat())

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.delivered_at is not None and delivery.last_error == ""
    assert delivery.id not in due_deliveries()
    # Sending a delivered one again does nothing.
    assert attempt(delivery.id).retry_in is None
    assert len(receiver.requests) == 1
    [entry] = log(world)
    assert entry["delivery_id"] == delivery.id and entry["status"] == "delivered"
    assert entry["attempts"] == 1 and entry["last_status_code"] == 200
    assert entry["last_error"] is None and entry["next_attempt_at"] is None
    assert entry["source"] == "Alert rule: Double charge" and entry["url"] == receiver.url
    assert entry["event"] == "alert.raised" and entry["delivered_at"]


def test_an_automation_webhook_on_arrival_has_no_alert_and_its_own_secret(world, ingest, receiver):
    create_automation(
        world,
        name="Forward",
        actions=[{"type": "webhook", "url": receiver.url, "secret": SECRET}],
    )
    send(ingest, "stranger", agent={"external_id": "ext-99"})
    analyze()
    attempt(one_delivery().id)
    [request] = receiver.requests
    assert request.signed_with(SECRET)
    body = request.json
    assert body["event"] == "call.ingested" and body["alert"] is None
    assert set(body) == {"event", "delivery_id", "team", "call", "alert"}
    assert set(body["call"]) == {
        "id",
        "external_id",
        "started_at",
        "duration_seconds",
        "agent",
        "tags",
    }
    assert body["call"]["agent"] != {"account_id": world["agent"].account_id}
    assert "account_id" not in body["call"]["agent"]  # not a member: no account to name


def test_two_events_are_two_deliveries_with_their_own_ids(world, ingest, receiver):
    create_rule(world, KEYWORD, webhook_url=receiver.url)
    send(ingest, "a")
    send(ingest, "b")
    analyze()
    for delivery_id in due_deliveries():
        attempt(delivery_id)
    assert len(receiver.requests) == 2 and len(receiver.unique()) == 2
    assert {r.headers["x-callstudio-delivery"] for r in receiver.requests} == set(receiver.unique())


def test_a_500_is_retried_after_the_backoff_then_delivered_with_the_same_id(
    world, ingest, receiver, short_retries
):
    rule = create_rule(world, KEYWORD, webhook_url=receiver.url)
    send(ingest)
    analyze()
    delivery_id = one_delivery().id
    receiver.script = [500]
    before = timezone.now()
    assert attempt(delivery_id).retry_in == 10
    after = timezone.now()
    delivery = one_delivery()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert (delivery.last_status_code, delivery.last_error) == (500, "HTTP 500")
    assert before + timedelta(seconds=10) <= delivery.next_attempt_at
    assert delivery.next_attempt_at <= after + timedelta(seconds=10)
    assert delivery_id not in due_deliveries()  # not before its time
    assert attempt(delivery_id).retry_in is None and len(receiver.requests) == 1
    [entry] = log(world)
    assert (entry["status"], entry["attempts"], entry["last_error"]) == ("pending", 1, "HTTP 500")
    assert entry["last_status_code"] == 500 and entry["next_attempt_at"]

    make_due(delivery_id)
    assert delivery_id in due_deliveries()
    assert attempt(delivery_id).retry_in is None
    delivery = one_delivery()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)
    assert delivery.last_error == ""
    first, second = receiver.requests
    assert first.body == second.body  # the same delivery, byte for byte
    assert first.headers["x-callstudio-delivery"] == second.headers["x-callstudio-delivery"]
    assert all(r.signed_with(rule["webhook_secret"]) for r in receiver.requests)
    assert list(receiver.unique()) == [delivery_id]  # what the receiver keeps after dedup
    assert log(world)[0]["status"] == "delivered"


def test_the_backoff_doubles_and_the_delivery_fails_after_the_last_attempt(
    world, ingest, receiver, short_retries
):
    create_rule(world, KEYWORD, webhook_url=receiver.url)
    send(ingest)
    analyze()
    delivery_id = one_delivery().id
    receiver.default = 503
    assert [retry_delay(n) for n in (1, 2, 3)] == [10, 20, 40]
    assert attempt(delivery_id).retry_in == 10
    make_due(delivery_id)
    assert attempt(delivery_id).retry_in == 20
    make_due(delivery_id)
    assert attempt(delivery_id).retry_in is None  # third of three: given up
    delivery = one_delivery()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 3, "HTTP 503")
    assert delivery.delivered_at is None
    assert delivery_id not in due_deliveries()
    make_due(delivery_id)
    assert attempt(delivery_id).retry_in is None and delivery_id not in due_deliveries()
    assert len(receiver.requests) == 3 and len(receiver.unique()) == 1
    [entry] = log(world)
    assert (entry["status"], entry["attempts"], entry["last_error"]) == ("failed", 3, "HTTP 503")
    assert entry["next_attempt_at"] is None


def test_a_receiver_that_hangs_is_a_timeout_and_is_retried(world, ingest, receiver, short_retries):
    create_rule(world, KEYWORD, webhook_url=receiver.url)
    send(ingest)
    analyze()
    delivery_id = one_delivery().id
    receiver.script = [("hang", 10)]
    started = time.monotonic()
    assert attempt(delivery_id).retry_in == 10
    assert time.monotonic() - started < 5  # gave up after the 1 s timeout, not the 10 s hang
    delivery = one_delivery()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert "timed out" in delivery.last_error
    assert "timed out" in log(world)[0]["last_error"]
    make_due(delivery_id)
    assert attempt(delivery_id).retry_in is None
    assert one_delivery().status == "delivered"
    assert len(receiver.requests) == 2 and list(receiver.unique()) == [delivery_id]


def test_an_unreachable_receiver_is_recorded_and_retried(world, ingest, receiver, short_retries):
    url = receiver.url
    receiver.close()  # nothing listens there any more
    create_rule(world, KEYWORD, webhook_url=url)
    send(ingest)
    analyze()
    delivery_id = one_delivery().id
    assert attempt(delivery_id).retry_in == 10
    delivery = one_delivery()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_status_code is None and "Connect" in delivery.last_error


def test_a_redirect_is_not_followed(world, ingest, receiver, short_retries):
    create_rule(world, KEYWORD, webhook_url=receiver.url)
    send(ingest)
    analyze()
    receiver.script = [307]
    assert attempt(one_delivery().id).retry_in == 10
    assert one_delivery().last_error == "HTTP 307" and len(receiver.requests) == 1


def test_an_attempt_in_flight_is_not_sent_again_by_a_second_worker(
    transactional_db, world, ingest, receiver, short_retries, monkeypatch
):
    """The claim: while one worker waits on the receiver, another picking the same delivery (the
    sweep and the hand-over both enqueued it) does not send it a second time."""
    # Committed for real (threads share the database), with no hand-over to a worker on commit.
    monkeypatch.setattr("callstudio.pipeline.tasks.nudge", lambda: None)
    monkeypatch.setattr("callstudio.pipeline.analysis._hand_over", lambda ids: None)
    short_retries.CALLSTUDIO_WEBHOOK_TIMEOUT_SECONDS = 5
    create_rule(world, KEYWORD, webhook_url=receiver.url)
    send(ingest)
    analyze()
    delivery_id = one_delivery().id
    receiver.script = [("hang", 2)]
    results = {}
    first = threading.Thread(target=lambda: results.setdefault("first", attempt(delivery_id)))
    first.start()
    assert receiver.wait_for(1, seconds=5)  # the first worker's request is in flight
    assert attempt(delivery_id).retry_in is None  # a second worker meanwhile
    first.join(timeout=10)
    assert results["first"].retry_in is None
    assert len(receiver.requests) == 1
    assert one_delivery().status == "delivered" and one_delivery().attempts == 1


def test_ingestion_only_stores_and_the_delivery_waits_for_the_worker(world, ingest, receiver):
    """A hanging receiver cannot slow ingestion: nothing is sent in the request, nor in the
    analysis pass; the delivery is a row until the worker attempts it."""
    create_rule(world, KEYWORD, webhook_url=receiver.url)
    receiver.default = ("hang", 30)
    started = time.monotonic()
    for n in range(5):
        send(ingest, f"c{n}")
    analyze()
    assert time.monotonic() - started < 5
    assert receiver.requests == []
    assert WebhookDelivery.objects.filter(status="pending", attempts=0).count() == 5


def test_the_delivery_log_is_for_those_who_see_automations_or_manage_alerts(
    world, ingest, receiver
):
    create_rule(world, KEYWORD, webhook_url=receiver.url)
    send(ingest)
    analyze()
    for who in ("supervisor", "manager", "admin"):
        assert len(log(world, who)) == 1
    url = f"{world.team_url}/webhook-deliveries"
    for who in ("agent", "member", "qa"):
        assert_problem(world.api(who).get(url), 403)
    assert_problem(world.api("foreign_admin").get(url), 404)
    give_team_role(world, "qa", ["team.read", "alerts.read"], name="Alert reader")
    assert_problem(world.api("qa").get(url), 403)
    give_team_role(world, "member", ["team.read", "automations.read"], name="Automation reader")
    [entry] = log(world, "member")
    # Neither the secret nor the body is in the log.
    raw = world.api("member").get(url).content
    assert b"whsec_" not in raw and b"charged" not in raw and entry["status"] == "pending"
    assert orjson.loads(raw)["next_cursor"] is None
