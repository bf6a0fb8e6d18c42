"""The worker path for real, in subprocesses: calls ingested over HTTP are analysed and their
webhooks delivered, signed, to a receiver on 127.0.0.1, with nobody calling the analysis by hand.
`callstudio serve` with its in-process worker on the embedded default; `callstudio worker` on
Redis (and PostgreSQL when the suite runs on it); work queued while nothing consumes it is done
once a worker runs again."""

import sqlite3
import subprocess
import time

import httpx
import pytest
import redis

from tests.calls.conftest import call_body
from tests.calls.server import BIN, Server
from tests.helpers import wait_until
from tests.redis_db import redis_up

DAY = {"from": "2026-11-20", "to": "2026-11-20"}
MATCH = {"type": "keyword", "phrases": ["charged twice"]}
PLAIN = [{"speaker": "agent", "start": 0, "end": 5, "text": "Hello, how can I help?"}]
# Short backoff for the tests: 1 s, 2 s, 4 s, ...
WEBHOOKS = {
    "CALLSTUDIO_WEBHOOK_RETRY_SECONDS": "1",
    "CALLSTUDIO_WEBHOOK_MAX_ATTEMPTS": "5",
    "CALLSTUDIO_WEBHOOK_TIMEOUT_SECONDS": "3",
    # The receiver is on 127.0.0.1: private addresses are allowed explicitly (tests/security/
    # test_ssrf.py tests the default, which refuses them).
    "CALLSTUDIO_ALLOW_PRIVATE_URLS": "1",
}


def wait_for(condition, seconds=30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


class Deployment(Server):
    """A data directory (and database) with `callstudio serve` and, if asked, `callstudio worker`
    processes on it; the processes' output goes to a log file in the data directory."""

    def __init__(self, data_dir, database_url="", **env):
        super().__init__(data_dir, database_url)  # migrates
        self.env.update({"REDIS_URL": "", **WEBHOOKS, **env})
        self.worker = None
        self.log_path = data_dir / "processes.log"
        self.log = open(self.log_path, "a")  # noqa: SIM115  (closed in close())

    def _spawn(self, *args) -> subprocess.Popen:
        return subprocess.Popen(
            [str(BIN), *args], env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def start(self, *, worker: bool = True):
        self.process = self._spawn(
            "serve", "--port", str(self.port), *([] if worker else ["--no-worker"])
        )
        try:
            wait_until(self._answers, seconds=60, what=f"`callstudio serve` on {self.base}")
        except (AssertionError, RuntimeError) as exc:
            raise RuntimeError(f"{exc}: " + self.log_path.read_text()) from None
        return self

    def start_worker(self):
        self.worker = self._spawn("worker", "--threads", "2")

    @staticmethod
    def _stop(process):
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def stop(self):
        self._stop(self.process)

    def close(self):
        self._stop(self.process)
        self._stop(self.worker)
        self.log.close()

    # Over HTTP, as a client would.

    def client(self, team) -> httpx.Client:
        return httpx.Client(base_url=f"{self.base}/api/v1", headers=team["auth"], timeout=30)

    def create_rule(self, team, webhook_url) -> dict:
        with self.client(team) as c:
            response = c.post(
                f"/orgs/{team['org']}/teams/{team['team']}/alert-rules",
                json={"name": "Double charge", "condition": MATCH, "webhook_url": webhook_url},
            )
        assert response.status_code == 201, response.text
        return response.json()

    def ingest(self, team, external_id, **over) -> float:
        """Send one call; returns how long the request took."""
        started = time.monotonic()
        response = httpx.post(
            f"{self.base}/api/v1/workflows/{team['workflow']}/calls",
            json=call_body(external_id, agent=None, **over),
            headers={"Authorization": f"Bearer {team['key']}"},
            timeout=30,
        )
        assert response.status_code == 201, response.text
        return time.monotonic() - started

    def analytics(self, team) -> dict:
        with self.client(team) as c:
            response = c.get(f"/orgs/{team['org']}/teams/{team['team']}/analytics", params=DAY)
        assert response.status_code == 200, response.text
        return response.json()

    def deliveries(self, team) -> list[dict]:
        with self.client(team) as c:
            response = c.get(f"/orgs/{team['org']}/teams/{team['team']}/webhook-deliveries")
        assert response.status_code == 200, response.text
        return response.json()["items"]

    def delivered(self, team, count: int) -> bool:
        items = self.deliveries(team)
        return len(items) == count and all(d["status"] == "delivered" for d in items)


def pending_in_sqlite(data_dir) -> tuple[int, int]:
    """(calls not yet analysed, webhook deliveries) in the embedded database."""
    db = sqlite3.connect(data_dir / "callstudio.sqlite3")
    try:
        pending = db.execute("SELECT COUNT(*) FROM calls_call WHERE analyzed_at IS NULL")
        deliveries = db.execute("SELECT COUNT(*) FROM rules_webhookdelivery")
        return pending.fetchone()[0], deliveries.fetchone()[0]
    finally:
        db.close()


def check_signed(receiver, rule, external_ids: set[str]) -> None:
    assert all(r.signed_with(rule["webhook_secret"]) for r in receiver.requests)
    assert all(
        r.headers["x-callstudio-delivery"] == r.json["delivery_id"] for r in receiver.requests
    )
    bodies = [r.json for r in receiver.unique().values()]
    assert {b["call"]["external_id"] for b in bodies} == external_ids
    assert {b["event"] for b in bodies} == {"alert.raised"}
    assert all(b["alert"]["rule"]["id"] == rule["id"] for b in bodies)


def test_serve_analyses_and_delivers_in_process_and_a_hanging_receiver_never_blocks_ingest(
    tmp_path, receiver
):
    deployment = Deployment(tmp_path)
    try:
        deployment.start()
        team = deployment.setup_team()
        rule = deployment.create_rule(team, receiver.url)
        receiver.script = [("hang", 60)]  # the first delivery hangs past the 3 s timeout
        deployment.ingest(team, "first")
        assert receiver.wait_for(1, seconds=30), deployment.log_path.read_text()
        # While the worker waits on the receiver, ingestion answers at once.
        took = [deployment.ingest(team, "second")]
        took.append(deployment.ingest(team, "quiet", transcript=PLAIN))
        took.append(deployment.ingest(team, "third"))
        assert max(took) < 2, took

        assert wait_for(lambda: deployment.delivered(team, 3), seconds=40), deployment.deliveries(
            team
        )
        check_signed(receiver, rule, {"first", "second", "third"})
        # The first one timed out, then was sent again with the same delivery_id.
        assert len(receiver.requests) == 4 and len(receiver.unique()) == 3
        log = {d["delivery_id"]: d for d in deployment.deliveries(team)}
        first = receiver.requests[0].json["delivery_id"]
        assert log[first]["attempts"] == 2 and log[first]["last_error"] is None
        assert sorted(d["attempts"] for d in log.values()) == [1, 1, 2]
        assert wait_for(lambda: deployment.analytics(team)["calls"] == 4, seconds=20)
    finally:
        deployment.close()
    assert "background worker: in this process" in deployment.log_path.read_text()


def test_one_organizations_slow_receiver_holds_up_neither_another_organizations_webhooks_nor_its_figures(
    tmp_path, receiver, slow_receiver
):
    """Deliveries have threads of their own (8 in `serve`), and an organization has at most 4
    attempts in flight: 24 deliveries to a receiver answering in 2 s take 12 s or more, and
    meanwhile another organization's call is analysed and its webhook delivered at once."""
    deployment = Deployment(tmp_path, CALLSTUDIO_WEBHOOK_ORG_CONCURRENCY="4")
    try:
        deployment.start()
        busy, other = deployment.setup_team(), deployment.setup_team()
        deployment.create_rule(busy, slow_receiver.url)
        rule = deployment.create_rule(other, receiver.url)
        slow_receiver.default = ("hang", 2)
        for n in range(24):
            deployment.ingest(busy, f"busy-{n}")
        assert slow_receiver.wait_for(4, seconds=30), deployment.log_path.read_text()
        started = time.monotonic()
        deployment.ingest(other, "fresh")
        assert receiver.wait_for(1, seconds=10), deployment.log_path.read_text()
        assert time.monotonic() - started < 5
        assert deployment.analytics(other)["calls"] == 1
        check_signed(receiver, rule, {"fresh"})
        assert len(slow_receiver.requests) < 24  # the busy organization is still being served
        assert wait_for(lambda: deployment.delivered(busy, 24), seconds=60)
        assert slow_receiver.most_in_flight == 4  # its cap, never more, though threads were free
        assert len(slow_receiver.unique()) == 24
    finally:
        deployment.close()


@pytest.mark.skipif(not redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_a_worker_on_redis_does_the_work_queued_while_it_was_not_running(
    tmp_path, receiver, redis_url, database_url
):
    deployment = Deployment(tmp_path, database_url, REDIS_URL=redis_url)
    try:
        deployment.start()  # with Redis, serve leaves the work to `callstudio worker`
        team = deployment.setup_team()
        rule = deployment.create_rule(team, receiver.url)
        receiver.script = [500]  # the first attempt fails: retried after 1 s
        for external_id in ("one", "two"):
            deployment.ingest(team, external_id)
        deployment.ingest(team, "quiet", transcript=PLAIN)
        # serve runs no consumer on Redis (it says so before it listens) and no worker runs yet:
        # nothing analysed, nothing sent; the work waits in Redis.
        assert "background worker: separate" in deployment.log_path.read_text()
        assert deployment.analytics(team)["calls"] == 0
        assert deployment.deliveries(team) == [] and receiver.requests == []
        assert redis.Redis.from_url(redis_url).dbsize() > 1

        deployment.start_worker()
        assert wait_for(lambda: deployment.delivered(team, 2), seconds=40), (
            deployment.deliveries(team),
            deployment.log_path.read_text(),
        )
        check_signed(receiver, rule, {"one", "two"})
        assert len(receiver.requests) == 3 and len(receiver.unique()) == 2
        attempts = sorted(d["attempts"] for d in deployment.deliveries(team))
        assert attempts == [1, 2]
        assert wait_for(lambda: deployment.analytics(team)["calls"] == 3, seconds=20)
    finally:
        deployment.close()
    output = deployment.log_path.read_text()
    assert "background worker: separate" in output and "RedisStorage" in output


def test_work_queued_while_the_server_was_stopped_is_done_when_it_comes_back(tmp_path, receiver):
    """The embedded queue is a file in the data directory: a restart keeps it."""
    deployment = Deployment(tmp_path)
    try:
        deployment.start(worker=False)
        team = deployment.setup_team()
        rule = deployment.create_rule(team, receiver.url)
        deployment.ingest(team, "one")
        deployment.ingest(team, "quiet", transcript=PLAIN)
        deployment.stop()
        assert pending_in_sqlite(tmp_path) == (2, 0)
        assert receiver.requests == []

        deployment.start()  # with its worker this time
        assert wait_for(lambda: deployment.delivered(team, 1), seconds=40), (
            deployment.log_path.read_text()
        )
        check_signed(receiver, rule, {"one"})
        assert len(receiver.requests) == 1
        assert wait_for(lambda: deployment.analytics(team)["calls"] == 2, seconds=20)
        assert pending_in_sqlite(tmp_path) == (0, 1)
    finally:
        deployment.close()


def test_a_retry_due_after_a_restart_is_sent_after_it(tmp_path, receiver):
    deployment = Deployment(tmp_path, CALLSTUDIO_WEBHOOK_RETRY_SECONDS="6")
    try:
        deployment.start()
        team = deployment.setup_team()
        rule = deployment.create_rule(team, receiver.url)
        receiver.script = [500]
        deployment.ingest(team, "one")
        assert wait_for(
            lambda: [d["attempts"] for d in deployment.deliveries(team)] == [1], seconds=30
        )
        deployment.stop()  # before the retry, 6 s after the failed attempt, is due
        assert len(receiver.requests) == 1
        db = sqlite3.connect(tmp_path / "callstudio.sqlite3")
        status = db.execute("SELECT status, attempts FROM rules_webhookdelivery").fetchall()
        db.close()
        assert status == [("pending", 1)]

        deployment.start()
        assert wait_for(lambda: deployment.delivered(team, 1), seconds=40), (
            deployment.log_path.read_text()
        )
        first, second = receiver.requests
        assert first.body == second.body and len(receiver.unique()) == 1
        check_signed(receiver, rule, {"one"})
    finally:
        deployment.close()
