"""Failure drills on a real server process: kill -9 in the middle of a stream, then resend; the
database unreachable, then back."""

import signal
import threading

import httpx
import pytest
from django.conf import settings

from tests.helpers import wait_until
from tests.proxy import Proxy

from .conftest import call_body
from .server import Server, count_calls, lines

PG = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_kill_9_mid_stream_then_resend_stores_each_call_once(tmp_path, database_url):
    server = Server(tmp_path, database_url).start()
    try:
        t = server.setup_team()
        url = f"{server.base}/api/v1/workflows/{t['workflow']}/calls/stream"
        headers = {"Authorization": f"Bearer {t['key']}", "Content-Type": "application/x-ndjson"}
        first = httpx.post(
            url, content=b"".join(lines(0, 1000)), headers=headers, timeout=120
        ).json()
        assert first == {"accepted": 1000, "duplicates": 0, "rejected": []}

        def slow_stream():
            for n, line in enumerate(lines(0, 3000)):
                if n == 2000:
                    server.kill9()  # returns once the process is gone, its sockets closed
                yield line

        with pytest.raises(httpx.TransportError):
            httpx.post(url, content=slow_stream(), headers=headers, timeout=120)
        server.start()
        again = httpx.post(
            url, content=b"".join(lines(0, 3000)), headers=headers, timeout=300
        ).json()
        assert again["rejected"] == [] and again["accepted"] + again["duplicates"] == 3000
        assert again["duplicates"] >= 1000
        assert count_calls(server, database_url, tmp_path) == (3000, 3000)
    finally:
        server.stop()


@pytest.mark.skipif(
    not PG, reason="needs PostgreSQL (DATABASE_URL): the drill cuts the network path to it"
)
def test_database_down_is_503_with_retry_after_and_recovers_without_restart(tmp_path, database_url):
    db = settings.DATABASES["default"]
    proxy = Proxy(int(db["PORT"] or 5432)).start()
    name = database_url.rsplit("/", 1)[1]
    server = Server(tmp_path, f"postgresql://{db['USER']}@127.0.0.1:{proxy.port}/{name}").start()
    try:
        t = server.setup_team()
        url = f"{server.base}/api/v1/workflows/{t['workflow']}/calls"
        headers = {"Authorization": f"Bearer {t['key']}"}
        assert httpx.post(url, json=call_body("up-1"), headers=headers).status_code == 201
        proxy.cut()
        for path in (url, f"{server.base}/api/v1/me"):
            response = (
                httpx.post(url, json=call_body("down"), headers=headers)
                if path == url
                else httpx.get(path, headers=t["auth"])
            )
            assert response.status_code == 503, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert int(response.headers["retry-after"]) > 0
        proxy.start(proxy.port)
        wait_until(
            lambda: httpx.post(url, json=call_body("up-2"), headers=headers).status_code == 201,
            poll=0.5,
            what="the server to store a call again once the database is reachable",
        )
        assert httpx.get(f"{server.base}/api/v1/me", headers=t["auth"]).status_code == 200
    finally:
        server.stop()
        proxy.cut()


def test_sigterm_lets_in_flight_requests_finish(tmp_path, database_url):
    server = Server(tmp_path, database_url).start()
    try:
        t = server.setup_team()
        url = f"{server.base}/api/v1/workflows/{t['workflow']}/calls/stream"
        headers = {"Authorization": f"Bearer {t['key']}", "Content-Type": "application/x-ndjson"}
        result = {}

        def send():
            result["response"] = httpx.post(
                url, content=b"".join(lines(0, 6000)), headers=headers, timeout=120
            )

        sender = threading.Thread(target=send)
        sender.start()
        # The stream is being stored: its first batches are committed.
        wait_until(
            lambda: count_calls(server, database_url, tmp_path)[0] >= 500,
            what="the stream's first batch to be committed",
        )
        in_flight = sender.is_alive()
        server.process.terminate()
        sender.join(timeout=120)
        assert in_flight, "the request finished before SIGTERM: the drill tested nothing"
        assert result["response"].status_code == 200
        assert result["response"].json() == {"accepted": 6000, "duplicates": 0, "rejected": []}
        # uvicorn finishes the request, then exits by re-raising SIGTERM (or with 0).
        assert server.process.wait(timeout=60) in (0, -signal.SIGTERM)
        assert count_calls(server, database_url, tmp_path) == (6000, 6000)
    finally:
        server.stop()
