"""Faults while serving, on real processes: PostgreSQL or Redis unreachable (a TCP proxy in
front of each is cut, the machine's own servers are never touched), and a worker killed in the
middle of a webhook delivery. docs/operations.md, "What to alert on" and "Background work"."""

import signal
import time

import httpx
import pytest
from django.conf import settings

from tests.calls.conftest import call_body
from tests.calls.server import Server, lines
from tests.helpers import wait_until
from tests.proxy import Proxy
from tests.redis_db import redis_up
from tests.rules.conftest import receiver  # noqa: F401  (the webhook receiver fixture)
from tests.rules.test_worker_delivery import Deployment, check_signed

PG = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def readyz(base: str) -> tuple[int, dict, float]:
    started = time.monotonic()
    response = httpx.get(f"{base}/readyz", timeout=10)
    return response.status_code, response.json(), time.monotonic() - started


@pytest.mark.skipif(
    not PG, reason="needs PostgreSQL (DATABASE_URL): the drill cuts the network path to it"
)
def test_readyz_says_503_within_2_s_while_postgresql_is_unreachable_and_200_again_after(
    tmp_path, database_url
):
    db = settings.DATABASES["default"]
    proxy = Proxy(int(db["PORT"] or 5432)).start()
    name = database_url.rsplit("/", 1)[1]
    server = Server(tmp_path, f"postgresql://{db['USER']}@127.0.0.1:{proxy.port}/{name}").start()
    try:
        assert readyz(server.base)[:2] == (
            200,
            {"status": "ready", "checks": {"database": "ok", "queue": "ok"}},
        )
        proxy.cut()
        for _ in range(3):  # every probe while it lasts, not only the first
            status, body, took = readyz(server.base)
            assert status == 503 and body["checks"]["database"].startswith("unreachable"), body
            assert took < 2.0, took
        proxy.start(proxy.port)
        wait_until(lambda: readyz(server.base)[0] == 200, poll=0.5, what="ready again")
    finally:
        server.stop()
        proxy.cut()


@pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_with_redis_unreachable_ingestion_answers_and_only_what_needs_redis_is_503(
    tmp_path, database_url, redis_url
):
    host, number = redis_url.rsplit("/", 1)
    proxy = Proxy(int(host.rsplit(":", 1)[1])).start()
    web = Deployment(tmp_path, database_url, REDIS_URL=f"redis://127.0.0.1:{proxy.port}/{number}")
    worker = None
    try:
        web.start()  # with Redis, serve leaves the work to `callstudio worker`
        team = web.setup_team()
        worker = web._spawn("worker", "--threads", "2")
        single = f"{web.base}/api/v1/workflows/{team['workflow']}/calls"
        key = {"Authorization": f"Bearer {team['key']}"}
        assert (
            httpx.post(single, json=call_body("before"), headers=key, timeout=30).status_code == 201
        )
        assert readyz(web.base)[0] == 200

        proxy.cut()
        # Ingestion needs only the database: answered, stored.
        response = httpx.post(single, json=call_body("during"), headers=key, timeout=30)
        assert response.status_code == 201, response.text
        streamed = httpx.post(
            f"{single}/stream",
            content=lines(0, 50),
            headers={**key, "Content-Type": "application/x-ndjson"},
            timeout=60,
        )
        assert streamed.json() == {"accepted": 50, "duplicates": 0, "rejected": []}
        assert (
            httpx.get(f"{web.base}/api/v1/me", headers=team["auth"], timeout=30).status_code == 200
        )
        # A password tried for a token is counted in Redis (failures are limited across every
        # web process): without Redis it cannot be counted, so it is not tried, right or wrong:
        # a retryable 503, never a 500, never a try uncounted, and nothing made.
        tokens = f"{web.base}/api/v1/auth/tokens"
        email = httpx.get(f"{web.base}/api/v1/me", headers=team["auth"]).json()["email"]
        held = len(httpx.get(tokens, headers=team["auth"]).json()["items"])
        wrong = {"email": email, "password": "not-the-password-at-all"}
        right = {"email": email, "password": "drill-password-long-42", "name": "outage"}
        for attempt in (wrong, right):
            refused = httpx.post(tokens, json=attempt, timeout=30)
            assert refused.status_code == 503, refused.text
            assert refused.headers["content-type"] == "application/problem+json"
            assert int(refused.headers["retry-after"]) > 0
        assert len(httpx.get(tokens, headers=team["auth"]).json()["items"]) == held
        with httpx.Client(base_url=web.base, timeout=30) as browser:  # the sign-in page too
            browser.get("/accounts/login/")
            csrf = browser.cookies["csrftoken"]
            form = {"login": email, "password": right["password"], "csrfmiddlewaretoken": csrf}
            page = browser.post("/accounts/login/", data=form)
            assert page.status_code == 503 and "Try again in a moment" in page.text
            assert int(page.headers["retry-after"]) > 0
            assert "sessionid" not in browser.cookies  # not signed in
        status, body, took = readyz(web.base)
        assert status == 503 and body["checks"]["queue"].startswith("unreachable"), body
        assert body["checks"]["database"] == "ok" and took < 2.0, (body, took)

        proxy.start(proxy.port)
        wait_until(lambda: readyz(web.base)[0] == 200, poll=0.5, what="ready again")
        assert (
            httpx.get(
                f"{web.base}/api/v1/me", headers={"Authorization": "Bearer cs_pat_nope"}
            ).status_code
            == 401
        )
        # What was stored meanwhile is analysed once the queue is back: the next hand-over's
        # pass takes every pending call.
        assert (
            httpx.post(single, json=call_body("after"), headers=key, timeout=30).status_code == 201
        )
        wait_until(
            lambda: web.analytics(team)["calls"] == 53, seconds=60, what="every call analysed"
        )
    finally:
        if worker is not None:
            Deployment._stop(worker)
        web.close()
        proxy.cut()


@pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_a_worker_killed_mid_delivery_leaves_it_to_be_sent_again(
    tmp_path,
    database_url,
    redis_url,
    receiver,  # noqa: F811  (the fixture imported above)
):
    # Timeout 1 s: the attempt's claim (its lease) ends 1 x 3 + 5 = 8 s after it started.
    web = Deployment(
        tmp_path, database_url, REDIS_URL=redis_url, CALLSTUDIO_WEBHOOK_TIMEOUT_SECONDS="1"
    )
    worker = None
    try:
        web.start()
        team = web.setup_team()
        rule = web.create_rule(team, receiver.url)
        receiver.script = [("hang", 60)]  # the first attempt is still waiting when the kill comes
        worker = web._spawn("worker", "--threads", "1", "--delivery-threads", "1")
        web.ingest(team, "killed-mid-delivery")
        wait_until(lambda: len(receiver.requests) == 1, seconds=60, what="the first attempt")
        claimed_at = time.monotonic()
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        receiver.release.set()
        (first,) = web.deliveries(team)
        assert first["status"] == "pending" and first["attempts"] in (0, 1), first

        # Claimed until its lease ends; a worker started after that sends it at start, as it
        # does whatever a dead worker left due (the sweep runs at start, then every minute).
        time.sleep(max(0.0, 8.5 - (time.monotonic() - claimed_at)))
        worker = web._spawn("worker", "--threads", "1", "--delivery-threads", "1")
        wait_until(lambda: web.delivered(team, 1), seconds=60, what="the delivery sent again")
        assert len(receiver.requests) == 2
        assert len(receiver.unique()) == 1  # the same delivery id both times
        check_signed(receiver, rule, {"killed-mid-delivery"})
    finally:
        if worker is not None:
            Deployment._stop(worker)
        web.close()
