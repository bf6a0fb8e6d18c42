"""Failure drills on a real server process: kill -9 in the middle of a stream, then resend; the
database unreachable, then back."""

import contextlib
import signal
import socket
import threading

import httpx
import pytest
from django.conf import settings

from tests.helpers import wait_until

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


class Proxy:
    """A TCP proxy to PostgreSQL that can be cut and restored, to make the database unreachable
    for the server without touching the machine's PostgreSQL."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = None
        self.sockets: list[socket.socket] = []
        self.listener = None

    def start(self, port: int | None = None):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port or 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()
        return self

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self):
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() blocked in its thread
        self.listener.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.sockets.clear()


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
