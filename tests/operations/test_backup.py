"""`callstudio backup FILE` / `callstudio restore FILE` for real, in subprocesses, on the suite's
database (SQLite, or PostgreSQL with Debian's pg_dump): a backup taken while the server runs,
then more changes, then a restore gives back every row of every table as it was. Bad files and
a backup of the other database are refused and change nothing."""

import sqlite3
import subprocess

import httpx
import psycopg
import pytest

from tests.calls.server import BIN, Server, lines
from tests.helpers import wait_until


def callstudio(server: Server, *args, input=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN), *args], env=server.env, capture_output=True, text=True, input=input, timeout=300
    )


def snapshot(server: Server, data_dir) -> dict[str, list]:
    """Every row of every table, sorted, by table name."""
    url = server.env["DATABASE_URL"]
    if url:
        with psycopg.connect(url) as db:
            names = [
                r[0]
                for r in db.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
                )
            ]
            return {n: sorted(map(repr, db.execute(f'SELECT * FROM "{n}"'))) for n in names}
    db = sqlite3.connect(data_dir / "callstudio.sqlite3")
    try:
        names = [
            r[0]
            for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")
            if not r[0].startswith("sqlite_")
        ]
        return {n: sorted(map(repr, db.execute(f'SELECT * FROM "{n}"'))) for n in names}
    finally:
        db.close()


def stream(server: Server, team: dict, start: int, stop: int) -> None:
    response = httpx.post(
        f"{server.base}/api/v1/workflows/{team['workflow']}/calls/stream",
        content=lines(start, stop),
        headers={"Authorization": f"Bearer {team['key']}", "Content-Type": "application/x-ndjson"},
        timeout=120,
    )
    assert response.status_code == 200 and response.json()["accepted"] == stop - start


def analysed(server: Server, team: dict, count: int) -> bool:
    response = httpx.get(
        f"{server.base}/api/v1/orgs/{team['org']}/teams/{team['team']}/analytics",
        params={"from": "2026-11-20", "to": "2026-11-20"},
        headers=team["auth"],
    )
    return response.status_code == 200 and response.json()["calls"] == count


@pytest.fixture
def served(tmp_path, database_url):
    server = Server(tmp_path, database_url).start()
    team = server.setup_team()
    stream(server, team, 0, 300)
    wait_until(lambda: analysed(server, team, 300), seconds=60, what="300 calls analysed")
    yield server, team
    server.stop()


def test_a_backup_taken_while_serving_restores_every_table(tmp_path, served):
    server, team = served
    before = snapshot(server, tmp_path)
    assert len(before["calls_call"]) == 300
    done = callstudio(server, "backup", str(tmp_path / "backup.db"))
    assert done.returncode == 0, done.stderr
    assert "Backup written to" in done.stdout
    assert not list(tmp_path.glob(".backup.db.*"))  # no partial file left
    # Life goes on: more calls, another organization; then the restore.
    stream(server, team, 300, 400)
    server.setup_team()
    assert snapshot(server, tmp_path) != before
    server.stop()
    done = callstudio(server, "restore", "--no-input", str(tmp_path / "backup.db"))
    assert done.returncode == 0, done.stderr
    assert snapshot(server, tmp_path) == before
    # And it serves from the restored data.
    server.start()
    assert analysed(server, team, 300)


def test_bad_backups_are_refused_and_change_nothing(tmp_path, served):
    server, _ = served
    before = snapshot(server, tmp_path)
    server.stop()
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"this is not a backup\n" * 10)
    done = callstudio(server, "restore", "--no-input", str(junk))
    assert done.returncode == 1 and "is not a CallStudio backup" in done.stderr
    # A backup of the other database.
    other = tmp_path / "other.backup"
    if server.env["DATABASE_URL"]:
        sqlite3.connect(other).execute("CREATE TABLE django_migrations (id)").connection.commit()
        expected = "is a SQLite backup; this CallStudio runs on PostgreSQL"
    else:
        other.write_bytes(b"PGDMP" + b"\0" * 100)
        expected = "is a PostgreSQL backup; this CallStudio runs on SQLite"
    done = callstudio(server, "restore", "--no-input", str(other))
    assert done.returncode == 1 and expected in done.stderr
    # Cut short: a backup truncated to half its size.
    good = tmp_path / "good.backup"
    assert callstudio(server, "backup", str(good)).returncode == 0
    cut = tmp_path / "cut.backup"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    done = callstudio(server, "restore", "--no-input", str(cut))
    assert (
        done.returncode == 1
        and "nothing was restored" in done.stderr.lower()
        or ("not a sound CallStudio database" in done.stderr)
    ), done.stderr
    # Not confirmed.
    done = callstudio(server, "restore", str(good), input="no\n")
    assert done.returncode == 1 and "Nothing was restored." in done.stderr
    # Nowhere to write.
    done = callstudio(server, "backup", str(tmp_path / "missing" / "x.backup"))
    assert done.returncode == 1 and "does not exist" in done.stderr
    assert snapshot(server, tmp_path) == before
