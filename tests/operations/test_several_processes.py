"""Several processes, as on several machines: two `callstudio serve` (each its own data
directory, as two web machines) and two `callstudio worker`, on one PostgreSQL database and one
Redis. Four clients stream calls to both web processes at once; one worker is killed with
SIGKILL while the calls are being analysed, then started again. Every call is stored once,
analysed once and counted once (the team's analytics against the calls themselves), every
webhook delivered at least once under one `delivery_id`; a token and a browser session made on
one web process work on the other, and rate limits are counted across both."""

import signal
import subprocess
import threading

import httpx
import psycopg
import pytest

from tests.calls.server import lines
from tests.helpers import wait_until
from tests.redis_db import redis_up
from tests.rules.conftest import receiver  # noqa: F401  (the webhook receiver fixture)
from tests.rules.test_worker_delivery import Deployment, check_signed

pytestmark = pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379")

CLIENTS, PER_CLIENT = 4, 1000
TOTAL = CLIENTS * PER_CLIENT


def scalar(database_url: str, sql: str, *params):
    with psycopg.connect(database_url) as db:
        return db.execute(sql, params).fetchone()[0]


def stream(web: Deployment, team: dict, start: int, stop: int, results: list) -> None:
    response = httpx.post(
        f"{web.base}/api/v1/workflows/{team['workflow']}/calls/stream",
        content=lines(start, stop),
        headers={"Authorization": f"Bearer {team['key']}", "Content-Type": "application/x-ndjson"},
        timeout=300,
    )
    results.append((response.status_code, response.json()))


def sign_in(web: Deployment, email: str, password: str) -> dict:
    with httpx.Client(base_url=web.base, timeout=30) as browser:
        browser.get("/accounts/login/")
        response = browser.post(
            "/accounts/login/",
            data={
                "login": email,
                "password": password,
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            },
        )
        assert response.status_code == 302, response.text[:500]
        return {"sessionid": browser.cookies["sessionid"]}


def test_two_web_and_two_worker_processes_share_the_work_exactly_once(
    tmp_path,
    database_url,
    redis_url,
    receiver,  # noqa: F811  (the fixture imported above)
):
    if not database_url:
        pytest.skip("runs in the suite's PostgreSQL run: several processes on one database")
    # One SECRET_KEY for every machine, as docs/operations.md asks (sessions are signed with it).
    shared = {"REDIS_URL": redis_url, "SECRET_KEY": "drill-" + "k" * 50}
    webs = [Deployment(tmp_path / name, database_url, **shared) for name in ("a", "b")]
    workers: list[subprocess.Popen] = []
    try:
        for web in webs:
            web.start()  # with Redis, serve runs no worker of its own
        team = webs[0].setup_team()
        rule = webs[0].create_rule(team, receiver.url)  # every drill call says "charged twice"
        workers = [webs[0]._spawn("worker", "--threads", "2") for _ in range(2)]

        results: list = []
        clients = [
            threading.Thread(
                target=stream,
                args=(webs[n % 2], team, n * PER_CLIENT, (n + 1) * PER_CLIENT, results),
            )
            for n in range(CLIENTS)
        ]
        for client in clients:
            client.start()
        pending = "SELECT COUNT(*) FROM calls_call WHERE analyzed_at IS NULL"
        analysed = "SELECT COUNT(*) FROM calls_call WHERE analyzed_at IS NOT NULL"
        # Mid-analysis: some calls analysed, some still waiting.
        wait_until(
            lambda: scalar(database_url, analysed) > 0 and scalar(database_url, pending) > 0,
            seconds=120,
            what="the analysis to be under way",
        )
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(timeout=30)
        killed_with = scalar(database_url, pending)
        workers[0] = webs[0]._spawn("worker", "--threads", "2")
        for client in clients:
            client.join(timeout=300)
        assert [code for code, _ in results] == [200] * CLIENTS, results
        assert sum(body["accepted"] for _, body in results) == TOTAL
        assert killed_with > 0

        # Stored once, analysed once, counted once.
        wait_until(lambda: scalar(database_url, pending) == 0, seconds=180, what="analysis")
        assert scalar(database_url, "SELECT COUNT(DISTINCT external_id) FROM calls_call") == TOTAL
        assert scalar(database_url, "SELECT COUNT(*) FROM calls_call") == TOTAL
        for web in webs:
            assert web.analytics(team)["calls"] == TOTAL
        # The rollups hold each call twice: in the team's row (agent_key -1) and its agent's.
        rollups = (
            "SELECT SUM(calls), ROUND(SUM(duration_sum)::numeric, 3) FROM analytics_dayrollup "
            "WHERE (agent_key = -1) = %s"
        )
        calls = "SELECT COUNT(*), ROUND(SUM(duration_seconds)::numeric, 3) FROM calls_call"
        with psycopg.connect(database_url) as db:
            truth = db.execute(calls).fetchone()
            assert db.execute(rollups, (True,)).fetchone() == truth
            assert db.execute(rollups, (False,)).fetchone() == truth
        # One alert per call, one delivery per alert, each delivered under its own id.
        assert scalar(database_url, "SELECT COUNT(*) FROM rules_alert") == TOTAL
        wait_until(
            lambda: (
                scalar(
                    database_url,
                    "SELECT COUNT(*) FROM rules_webhookdelivery WHERE status = 'delivered'",
                )
                == TOTAL
            ),
            seconds=180,
            what="every webhook delivered",
        )
        assert scalar(database_url, "SELECT COUNT(*) FROM rules_webhookdelivery") == TOTAL
        assert len(receiver.unique()) == TOTAL
        with psycopg.connect(database_url) as db:
            ids = {r[0] for r in db.execute("SELECT id FROM rules_webhookdelivery")}
        assert set(receiver.unique()) == ids
        check_signed(receiver, rule, {f"drill-{i:05d}" for i in range(TOTAL)})

        # A token and a session made on one web process work on the other.
        for web in webs:
            me = httpx.get(f"{web.base}/api/v1/me", headers=team["auth"], timeout=30)
            assert me.status_code == 200
        email = me.json()["email"]
        cookies = sign_in(webs[0], email, "drill-password-long-42")
        for web in webs:
            home = httpx.get(f"{web.base}/", cookies=cookies, timeout=30, follow_redirects=True)
            assert home.status_code == 200 and "/accounts/login/" not in str(home.url), web.base
            assert "Drill" in home.text
        # Failed token requests are counted across both: the sixth is refused wherever it goes.
        wrong = {"email": email, "password": "not-the-password-at-all"}
        codes = [
            httpx.post(f"{webs[n % 2].base}/api/v1/auth/tokens", json=wrong, timeout=30).status_code
            for n in range(6)
        ]
        assert codes == [401] * 5 + [429]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
        for web in webs:
            web.close()
