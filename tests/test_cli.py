"""The `callstudio` command on the embedded default, run as an operator would: a fresh data
directory, SQLite in WAL mode, real processes."""

import os
import socket
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.helpers import expect, wait_until

BIN = Path(sys.executable).with_name("callstudio")


def run(data_dir: Path, *args, env=None, check=True):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY")
    }
    environment.update({"CALLSTUDIO_DATA_DIR": str(data_dir), **(env or {})})
    result = subprocess.run(
        [str(BIN), *args], env=environment, capture_output=True, text=True, timeout=300
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("embedded")
    run(path, "migrate", "--no-input", "-v", "0")
    return path


def test_embedded_default_is_sqlite_in_wal_mode_with_a_generated_secret_key(data_dir):
    db = data_dir / "callstudio.sqlite3"
    assert db.exists()
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    key = data_dir / "secret_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text().strip()) >= 50


def test_demo_is_idempotent_and_prints_the_logins(data_dir):
    first = run(data_dir, "demo").stdout
    second = run(data_dir, "demo").stdout
    assert "Loaded demo organization" in first and "Already loaded" in second
    for text in (first, second):
        for email in [
            "admin@acme.example",
            "manager@acme.example",
            "member@acme.example",
            "supervisor@acme.example",
            "agent@acme.example",
            "qa@acme.example",
        ]:
            assert email in text
        assert "callstudio-demo" in text
    db = sqlite3.connect(data_dir / "callstudio.sqlite3")
    assert db.execute("select count(*) from orgs_organization").fetchone()[0] == 1
    assert db.execute("select count(*) from orgs_team").fetchone()[0] == 3
    assert db.execute("select count(*) from access_role").fetchone()[0] == 1
    roles = {r for (r,) in db.execute("select role from orgs_orgmembership")} | {
        r for (r,) in db.execute("select role from orgs_teammembership")
    }
    assert {"admin", "manager", "member", "supervisor", "agent"} <= roles


def test_django_commands_pass_through(data_dir):
    assert "serve" in run(data_dir, "help").stdout
    assert run(data_dir, "showmigrations", "orgs").stdout.count("[X]") >= 1


def test_production_settings_require_a_secret_key_and_pass_deploy_checks(data_dir):
    env = {
        "DJANGO_SETTINGS_MODULE": "callstudio.settings.production",
        "ALLOWED_HOSTS": "calls.example.com",
    }
    refused = run(data_dir, "check", env=env, check=False)
    assert refused.returncode != 0 and "SECRET_KEY must be set" in refused.stderr
    ok = run(
        data_dir,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={**env, "SECRET_KEY": "k" * 30 + "-Production-Secret-Key-0123456789"},
    )
    assert "no issues" in ok.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: Path, **env_overrides) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY")
    }
    env.update({"CALLSTUDIO_DATA_DIR": str(data_dir), **env_overrides})
    server = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if server.poll() is not None:
            pytest.fail("server exited: " + server.stdout.read())
        try:
            httpx.get(f"{base}/healthz")
            return True
        except httpx.TransportError:
            return False

    try:
        wait_until(answers, seconds=60, what=f"`callstudio serve` to answer on {base}")
    except AssertionError:
        server.kill()
        pytest.fail("server did not start: " + server.stdout.read())
    return server, base


def test_serve_answers_real_http(data_dir):
    run(data_dir, "demo")
    server, base = start_server(data_dir)
    port = base.rsplit(":", 1)[1]
    # Generous timeouts, not waits: the in-process worker is analysing the demo's calls meanwhile
    # (SQLite: one writer at a time), so a write may queue behind an analysis batch.
    try:
        with httpx.Client(base_url=base, timeout=60) as http:
            assert http.get("/healthz").json() == {"status": "ok"}
            credentials = {"email": "admin@acme.example", "password": "callstudio-demo"}
            token = expect(http.post("/api/v1/auth/tokens", json=credentials), 201)["token"]
            me = http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200 and me.json()["orgs"][0]["name"] == "Acme Support"
            home = http.get("/")
            assert home.status_code == 302 and home.headers["location"] == "/accounts/login/"
            assert "Sign In" in http.get("/accounts/login/").text
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert f"http://127.0.0.1:{port}/" in server.stdout.read()


def test_unreachable_database_is_a_503_with_retry_after_not_a_500(data_dir):
    server, base = start_server(data_dir, DATABASE_URL="postgresql://postgres@127.0.0.1:9/nowhere")
    try:
        response = httpx.get(
            f"{base}/api/v1/me", headers={"Authorization": "Bearer cs_pat_" + "x" * 43}, timeout=60
        )
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert int(response.headers["retry-after"]) > 0
    finally:
        server.terminate()
        server.wait(timeout=30)
