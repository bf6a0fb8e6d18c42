"""Signed webhook deliveries. A delivery is a row written in the transaction that raised the event
(so it survives any crash), then sent by the worker: `POST` of the stored body with
`X-CallStudio-Signature: sha256=<HMAC-SHA256 of the body, keyed by the secret>`, retried with
exponential backoff until a 2xx or the last attempt. At least once: a receiver may see a delivery
twice (a crash after sending, before recording) and deduplicates by `delivery_id`."""

import functools
import hashlib
import hmac
from datetime import timedelta

import httpx
import orjson
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from callstudio.core import netguard
from callstudio.core.ids import new_delivery_id

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
    return _client().post(
        pinned,
        content=body,
        headers={**headers, "Host": original.netloc.decode("ascii")},
        timeout=settings.CALLSTUDIO_WEBHOOK_TIMEOUT_SECONDS,
        extensions=extensions,
    )


def retry_delay(attempts: int) -> float:
    """Seconds before the next attempt, after `attempts` failed ones."""
    return settings.CALLSTUDIO_WEBHOOK_RETRY_SECONDS * 2 ** (attempts - 1)


def attempt(delivery_id: str) -> float | None:
    """Send one delivery once, if it is still pending and due. Returns the delay before the next
    attempt when it failed and may be retried, else None."""
    with transaction.atomic():
        # Due only: an attempt in flight has moved its due time (the claim below), so a second
        # worker given the same delivery meanwhile (hand-over and sweep) leaves it alone.
        delivery = WebhookDelivery.objects.filter(
            id=delivery_id, status=WebhookDelivery.PENDING, next_attempt_at__lte=timezone.now()
        ).first()
        if delivery is None:
            return None
        # Claim the attempt first: a second worker picking the same delivery meanwhile waits a
        # full timeout before it may try again.
        claim_until = timezone.now() + timedelta(
            seconds=settings.CALLSTUDIO_WEBHOOK_TIMEOUT_SECONDS + 5
        )
        claimed = WebhookDelivery.objects.filter(
            id=delivery_id, status=WebhookDelivery.PENDING, next_attempt_at=delivery.next_attempt_at
        ).update(next_attempt_at=claim_until)
        if not claimed:
            return None
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
    fields = {"attempts": attempts, "last_status_code": code, "last_error": error}
    delay = None
    if not error:
        fields.update(status=WebhookDelivery.DELIVERED, delivered_at=now)
    elif permanent or attempts >= settings.CALLSTUDIO_WEBHOOK_MAX_ATTEMPTS:
        fields.update(status=WebhookDelivery.FAILED)
    else:
        delay = retry_delay(attempts)
        fields.update(next_attempt_at=now + timedelta(seconds=delay))
    WebhookDelivery.objects.filter(id=delivery.id).update(**fields)
    return delay


def due_deliveries(limit: int = 500) -> list[str]:
    """Pending deliveries whose time has come: the sweep's safety net for lost enqueues."""
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )
