"""Signed webhook deliveries. A delivery is a row written in the transaction that raised the event
(so it survives any crash), then sent by the worker: `POST` of the stored body with
`X-CallStudio-Signature: sha256=<HMAC-SHA256 of the body, keyed by the secret>`, retried with
exponential backoff until a 2xx or the last attempt. At least once: a receiver may see a delivery
twice (a crash after sending, before recording) and deduplicates by `delivery_id`.

Fair to every organization: an organization has at most CALLSTUDIO_WEBHOOK_ORG_CONCURRENCY
attempts in flight, counted across all workers. A delivery that finds its organization's slots
taken is left for later (still due, untouched); whoever frees a slot hands the organization's
next due delivery on, and the per-minute sweep picks up any left behind. Each attempt waits at
most CALLSTUDIO_WEBHOOK_TIMEOUT_SECONDS for each of connecting, sending and the response's
status line and headers; the response body is never read."""

import functools
import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

import httpx
import orjson
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from callstudio.core import netguard
from callstudio.core.ids import new_delivery_id
from callstudio.orgs.models import Organization

from .models import WebhookDelivery


@functools.cache
def _client() -> httpx.Client:
    """One client per process: building one loads the CA bundle (about 20 ms of CPU)."""
    # No redirects (a redirect could point anywhere) and no proxy from the environment (the
    # connection goes to the address netguard checked).
    return httpx.Client(follow_redirects=False, trust_env=False)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _iso(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def delivery_for(*, event, source, source_id, url, secret, team, call, agent, alert, now):
    delivery_id = new_delivery_id()
    body = {
        "event": event,
        "delivery_id": delivery_id,
        "team": {"id": team.id, "name": team.name},
        "call": {
            "id": call.id,
            "external_id": call.external_id,
            "started_at": _iso(call.started_at),
            "duration_seconds": call.duration_seconds,
            "agent": (
                {"account_id": agent.account_id, "name": agent.name, "email": agent.email}
                if agent
                else {"ref": call.agent_ref or None}
            ),
            "tags": list(call.tags),
        },
        "alert": (
            {
                "id": alert.id,
                "rule": {"id": alert.rule_id, "name": alert.rule_name},
                "status": alert.status,
                "raised_at": _iso(alert.raised_at),
            }
            if alert
            else None
        ),
    }
    return WebhookDelivery(
        id=delivery_id,
        organization_id=call.organization_id,
        team_id=call.team_id,
        source=source[:100],
        source_id=source_id,
        event=event,
        url=url,
        secret=secret,
        body=orjson.dumps(body).decode(),
        next_attempt_at=now,
    )


def _send(url: str, body: bytes, headers: dict) -> httpx.Response:
    """POST to the address netguard checked, not to the name again (no DNS rebinding): the URL
    carries the address; the Host header and TLS (SNI and the certificate check) keep the name."""
    target = netguard.target_for(url)  # raises netguard.Refused
    original = httpx.URL(url)
    pinned = original.copy_with(host=target.address)
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    request = _client().build_request(
        "POST",
        pinned,
        content=body,
        headers={**headers, "Host": original.netloc.decode("ascii")},
        timeout=settings.CALLSTUDIO_WEBHOOK_TIMEOUT_SECONDS,
        extensions=extensions,
    )
    # stream: only the status is wanted; a receiver that answers with an endless body holds
    # nothing.
    response = _client().send(request, stream=True)
    response.close()
    return response


def retry_delay(attempts: int) -> float:
    """Seconds before the next attempt, after `attempts` failed ones."""
    return settings.CALLSTUDIO_WEBHOOK_RETRY_SECONDS * 2 ** (attempts - 1)


@dataclass(frozen=True)
class Outcome:
    retry_in: float | None = None  # failed, to be tried again after this many seconds
    next_id: str | None = None  # the organization's next due delivery, for the freed slot


def attempt(delivery_id: str) -> Outcome:
    """Send one delivery once, if it is still pending and due and its organization has a slot
    free; record what happened."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return Outcome()
    body = delivery.body.encode()
    code, error, permanent = None, "", False
    try:
        response = _send(
            delivery.url,
            body,
            {
                "Content-Type": "application/json",
                "User-Agent": "CallStudio-Webhooks/1",
                "X-CallStudio-Event": delivery.event,
                "X-CallStudio-Delivery": delivery.id,
                "X-CallStudio-Signature": signature(delivery.secret, body),
            },
        )
        code = response.status_code
        if not 200 <= code < 300:
            error = f"HTTP {code}"
    except netguard.Refused as exc:  # nothing was sent: the message names no address
        error, permanent = str(exc), exc.permanent
    except httpx.TimeoutException:
        error = f"timed out after {settings.CALLSTUDIO_WEBHOOK_TIMEOUT_SECONDS} s"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    attempts = delivery.attempts + 1
    now = timezone.now()
    fields = {
        "attempts": attempts,
        "last_status_code": code,
        "last_error": error,
        "claimed_until": None,
    }
    delay = None
    if not error:
        fields.update(status=WebhookDelivery.DELIVERED, delivered_at=now)
    elif permanent or attempts >= settings.CALLSTUDIO_WEBHOOK_MAX_ATTEMPTS:
        fields.update(status=WebhookDelivery.FAILED)
    else:
        delay = retry_delay(attempts)
        fields.update(next_attempt_at=now + timedelta(seconds=delay))
    WebhookDelivery.objects.filter(id=delivery.id).update(**fields)
    return Outcome(retry_in=delay, next_id=_next_due(delivery.organization_id))


def _claim(delivery_id: str) -> WebhookDelivery | None:
    """The delivery, now claimed for one attempt; None when it is not pending and due, or when
    its organization's slots are all taken."""
    with transaction.atomic():
        now = timezone.now()
        # Due only: an attempt in flight has moved its due time (the claim below), so a second
        # worker given the same delivery meanwhile (hand-over and sweep) leaves it alone.
        delivery = WebhookDelivery.objects.filter(
            id=delivery_id, status=WebhookDelivery.PENDING, next_attempt_at__lte=now
        ).first()
        if delivery is None:
            return None
        # The organization's row, locked, makes the count and the claim one step for every
        # worker (PostgreSQL; SQLite's write transactions run one at a time anyway).
        Organization.objects.select_for_update().filter(id=delivery.organization_id).exists()
        in_flight = WebhookDelivery.objects.filter(
            organization_id=delivery.organization_id, claimed_until__gt=now
        ).count()
        if in_flight >= settings.CALLSTUDIO_WEBHOOK_ORG_CONCURRENCY:
            return None
        # A second worker picking the same delivery meanwhile waits a full timeout (the lease)
        # before it may try again; a worker killed mid-attempt leaves it due again after that.
        lease = now + timedelta(seconds=settings.CALLSTUDIO_WEBHOOK_TIMEOUT_SECONDS * 3 + 5)
        claimed = WebhookDelivery.objects.filter(
            id=delivery_id, status=WebhookDelivery.PENDING, next_attempt_at=delivery.next_attempt_at
        ).update(next_attempt_at=lease, claimed_until=lease)
        return delivery if claimed else None


def _next_due(organization_id: str) -> str | None:
    return (
        WebhookDelivery.objects.filter(
            organization_id=organization_id,
            status=WebhookDelivery.PENDING,
            next_attempt_at__lte=timezone.now(),
        )
        .order_by("next_attempt_at")
        .values_list("id", flat=True)
        .first()
    )


def due_deliveries(limit: int = 500) -> list[str]:
    """Pending deliveries whose time has come: the sweep's safety net for lost enqueues."""
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )
