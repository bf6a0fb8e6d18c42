"""`callstudio serve` as it runs in production (granian, the WSGI application of
callstudio/wsgi.py), over real HTTP: bodies sent without a length, the body cap, and web
processes that end with the process that started them."""

from pathlib import Path

import httpx

from tests.helpers import wait_until

from .server import Server, count_calls, lines


def chunked(body: bytes, size: int = 65536):
    """A body httpx sends with `Transfer-Encoding: chunked` and no Content-Length."""
    for at in range(0, len(body), size):
        yield body[at : at + size]


def web_processes(pid: int) -> set[int]:
    """The children of `pid` that granian spawned to serve (not multiprocessing's tracker)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(fields[1]) == pid and b"spawn_main" in command:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_stream_sent_without_a_length_is_read_to_its_end(tmp_path, database_url):
    server = Server(tmp_path, database_url).start()
    try:
        t = server.setup_team()
        url = f"{server.base}/api/v1/workflows/{t['workflow']}/calls/stream"
        headers = {"Authorization": f"Bearer {t['key']}", "Content-Type": "application/x-ndjson"}
        request = httpx.Request("POST", url, content=chunked(b"".join(lines(0, 1200))))
        assert "content-length" not in request.headers
        assert request.headers["transfer-encoding"] == "chunked"
        request.headers.update(headers)
        with httpx.Client(timeout=120) as client:
            response = client.send(request)
        assert response.status_code == 200, response.text
        assert response.json() == {"accepted": 1200, "duplicates": 0, "rejected": []}
        assert count_calls(server, database_url, tmp_path) == (1200, 1200)
    finally:
        server.stop()


def test_a_json_body_without_a_length_is_read_and_held_to_the_cap(tmp_path, database_url):
    server = Server(tmp_path, database_url).start()
    try:
        t = server.setup_team()
        with httpx.Client(base_url=f"{server.base}/api/v1", headers=t["auth"], timeout=60) as c:
            created = c.post("/orgs", content=chunked(b'{"name": "Chunked Inc"}', 5))
            assert created.status_code == 201, created.text
            assert created.json()["name"] == "Chunked Inc"
            # Over the 5 MB a request body may have: refused, and nothing created.
            huge = b'{"name": "' + b"x" * (5 * 1024 * 1024) + b'"}'
            refused = c.post("/orgs", content=chunked(huge))
            assert refused.status_code == 413, refused.text
            assert refused.headers["content-type"] == "application/problem+json"
            names = sorted(o["name"] for o in c.get("/orgs").json()["items"])
            assert names == ["Chunked Inc", "Drill"]
    finally:
        server.stop()


def test_web_processes_end_with_the_process_that_started_them(tmp_path, database_url):
    server = Server(tmp_path, database_url).start()
    try:
        web = web_processes(server.process.pid)
        assert web, "granian runs its web processes as children of `callstudio serve`"
        assert all(alive(pid) for pid in web)
        server.kill9()
        wait_until(lambda: not any(alive(pid) for pid in web), what="the web processes to end")
        try:
            httpx.get(f"{server.base}/healthz", timeout=5)
            raise AssertionError("something still answers on the server's port")
        except httpx.TransportError:
            pass
    finally:
        server.stop()


def test_metrics_add_up_every_web_process(tmp_path, database_url):
    token = "metrics-token-serving-0123456789"
    env = {"CALLSTUDIO_METRICS_TOKEN": token}
    server = Server(tmp_path, database_url, serve_args=["--workers", "2"], env=env).start()
    try:
        assert len(web_processes(server.process.pid)) == 2
        # Fresh connections, so both processes take some of them.
        answered_by = set()
        for _ in range(40):
            response = httpx.get(f"{server.base}/healthz", headers={"Connection": "close"})
            assert response.status_code == 200
            answered_by.add(response.headers["x-request-id"])
        assert len(answered_by) == 40

        def healthz_count(text: str) -> float:
            for line in text.splitlines():
                series = line.startswith("callstudio_http_requests_total{")
                if series and 'route="/healthz"' in line and 'status="200"' in line:
                    return float(line.rsplit(" ", 1)[1])
            return 0.0

        auth = {"Authorization": f"Bearer {token}", "Connection": "close"}
        counts = set()
        for _ in range(6):  # whichever process answers the scrape, the sum is the same
            scrape = httpx.get(f"{server.base}/metrics", headers=auth)
            assert scrape.status_code == 200
            counts.add(healthz_count(scrape.text))
        # 40 here, and the ones `Server.start` sent while waiting for the server to answer.
        (count,) = counts
        assert count >= 40
        pids = {p.name for p in (tmp_path / "metrics").iterdir()}
        assert pids == {str(server.process.pid)}
        files = list((tmp_path / "metrics" / str(server.process.pid)).iterdir())
        assert len({f.name.rsplit("_", 1)[1] for f in files}) == 2, files  # two writers
    finally:
        server.stop()
    assert not (tmp_path / "metrics" / str(server.process.pid)).exists()
