"""A real `callstudio serve` process for drills: its own database, set up over HTTP."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import orjson
import psycopg

from tests.helpers import expect, wait_until

from .conftest import call_body

BIN = Path(sys.executable).with_name("callstudio")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, data_dir: Path, database_url: str = "", *, serve_args=(), env=None):
        self.env = {
            k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY")
        }
        self.env.update({"CALLSTUDIO_DATA_DIR": str(data_dir), "DATABASE_URL": database_url})
        self.env.update(env or {})
        self.serve_args = list(serve_args)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None
        subprocess.run([str(BIN), "migrate", "-v", "0"], env=self.env, check=True, timeout=300)

    def start(self):
        self.process = subprocess.Popen(
            [str(BIN), "serve", "--port", str(self.port), *self.serve_args],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until(self._answers, seconds=60, what=f"`callstudio serve` on {self.base}")
        except BaseException:
            self.process.kill()  # a server that never answered is not left behind
            self.process.wait(timeout=30)
            raise
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"server exited with {self.process.returncode} before answering")
        try:
            httpx.get(f"{self.base}/healthz", timeout=5)
            return True
        except httpx.TransportError:
            return False

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def setup_team(self) -> dict:
        """Sign up, token, organization, team and ingest key, all over HTTP."""
        email, password = f"drill-{uuid.uuid4().hex[:8]}@drill.test", "drill-password-long-42"
        with httpx.Client(base_url=f"{self.base}/api/v1", timeout=30) as c:
            account = {"email": email, "password": password, "name": "Drill"}
            expect(c.post("/accounts", json=account), 201)
            credentials = {"email": email, "password": password}
            token = expect(c.post("/auth/tokens", json=credentials), 201)["token"]
            auth = {"Authorization": f"Bearer {token}"}
            org = expect(c.post("/orgs", json={"name": "Drill"}, headers=auth), 201)
            team = expect(
                c.post(f"/orgs/{org['id']}/teams", json={"name": "Drill team"}, headers=auth), 201
            )
            key = expect(
                c.post(f"/orgs/{org['id']}/api-keys", json={"name": "drill"}, headers=auth), 201
            )["key"]
        return {
            "org": org["id"],
            "team": team["id"],
            "workflow": team["workflow_id"],
            "key": key,
            "auth": auth,
        }


def count_calls(server: Server, database_url: str, tmp_path) -> tuple[int, int]:
    sql = "SELECT COUNT(*), COUNT(DISTINCT external_id) FROM calls_call"
    if database_url:
        with psycopg.connect(database_url) as conn:
            return conn.execute(sql).fetchone()
    return sqlite3.connect(tmp_path / "callstudio.sqlite3").execute(sql).fetchone()


def lines(start: int, stop: int):
    for i in range(start, stop):
        yield orjson.dumps(call_body(f"drill-{i:05d}", agent=None)) + b"\n"
