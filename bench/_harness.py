"""Shared plumbing of the benchmarks: a fresh data dir and database, the real server
(`callstudio serve`) on a free port, the process that listens on it, and one organization with
a team of agents and a supervisor, built with the ORM in this process."""

import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

PASSWORD = "bench-password-42"
COLUMNS = (
    "organization_id",
    "team_id",
    "external_id",
    "started_at",
    "ended_at",
    "duration_seconds",
    "direction",
    "agent_id",
    "agent_ref",
    "customer",
    "transcript",
    "recording_url",
    "tags",
    "metadata",
    "archived",
    "agent_talk_seconds",
    "customer_talk_seconds",
    "other_talk_seconds",
    "talk_ratio",
    "silence_share",
    "longest_monologue_seconds",
    "created_at",
    # Set by the analysis pass (NULL, [] and NULL as ingestion stores a call).
    "sentiment",
    "keywords",
    "analyzed_at",
    # The team's trackers found in the call (rules.Tracker), [] until the analysis pass.
    "trackers",
)


def sqlite_row(row: tuple) -> tuple:
    """A row as Django stores it in SQLite: datetimes as naive UTC text."""
    return tuple(
        str(v.astimezone(UTC).replace(tzinfo=None)) if isinstance(v, datetime) else v for v in row
    )


def context() -> str:
    """The machine and the code measured, for the report's header."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        code = f"commit {head}" + (" + uncommitted changes in src/" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        code = "code version unknown"
    return f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}, {code}"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def callstudio(*args: str) -> list[str]:
    exe = Path(sys.executable).parent / "callstudio"
    return [str(exe), *args] if exe.exists() else [sys.executable, "-m", "callstudio", *args]


def pg_recreate(url: str, name: str, *, create: bool = True) -> str:
    """Drop (and create) database `name` beside the one `url` names; return its URL."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlsplit(url)._replace(path="/" + name).geturl()


class Bench:
    """with Bench(database_url, "bench_x") as b: a tempdir, a migrated database, b.serve()."""

    def __init__(self, database_url: str | None, pg_name: str):
        self.database_url, self.pg_name = database_url, pg_name
        self.server = self.base = self.pid = None

    def __enter__(self):
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` cleans up
        self.data_dir = tempfile.mkdtemp(prefix="callstudio-bench-")
        os.environ.update(
            CALLSTUDIO_DATA_DIR=self.data_dir,
            LOG_LEVEL="WARNING",
            DJANGO_SETTINGS_MODULE="callstudio.settings.default",
        )
        os.environ.pop("DATABASE_URL", None)
        if self.database_url:
            os.environ["DATABASE_URL"] = pg_recreate(self.database_url, self.pg_name)
        self.vendor = "postgresql" if self.database_url else "sqlite"
        log(
            f"data dir {self.data_dir}; database {os.environ.get('DATABASE_URL', 'sqlite (new file)')}"
        )
        subprocess.run(callstudio("migrate", "--no-input", "-v", "0"), check=True)
        import django

        django.setup()
        return self

    def serve(self) -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = Path(self.data_dir, "server.log")
        with self.log_path.open("w") as fh:
            self.server = subprocess.Popen(
                callstudio("serve", "--host", "127.0.0.1", "--port", str(port)),
                stdout=fh,
                stderr=subprocess.STDOUT,
            )
        wait_healthy(self.base, self.server)
        self.pid = listener_pid(port)
        log(f"server up on {self.base} (started pid {self.server.pid}, listening pid {self.pid})")
        return self.base

    def memory_kb(self, field: str = "VmHWM") -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise RuntimeError(f"no {field} for pid {self.pid}")

    def __exit__(self, exc_type, exc, tb):
        from django.db import connections

        connections.close_all()
        if exc_type is not None and self.server is not None and self.log_path.exists():
            print("--- server log, tail ---\n" + self.log_path.read_text()[-3000:], file=sys.stderr)
        if self.server is not None:
            self.server.terminate()
            try:
                self.server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        if self.database_url:
            pg_recreate(self.database_url, self.pg_name, create=False)
        shutil.rmtree(self.data_dir, ignore_errors=True)
        return False


def wait_healthy(base: str, server: subprocess.Popen, name: str = "the server") -> None:
    """Until `base` answers /healthz with 200 (60 s at most, and not past the process's end)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"{name} exited with code {server.returncode}")
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer /healthz in time")


def listener_pid(port: int) -> int:
    """The process serving on `port`: the one holding its listening socket, and of several
    (`callstudio serve` opens it and hands it to the granian web process it starts), the one
    whose parent holds it too."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    holders = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in inodes for fd in (proc / "fd").iterdir()):
                stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                holders[int(proc.name)] = int(stat[1])
        except OSError:
            continue
    if not holders:
        raise RuntimeError(f"no process of ours listens on port {port}")
    children = [pid for pid, parent in holders.items() if parent in holders]
    return min(children) if children else min(holders)


def build_team(n_agents: int, teams: int = 1) -> dict:
    """An org, `teams` teams, an admin (org role), one supervisor and `n_agents` agents (team
    roles in every team), personal tokens for admin, supervisor and the first agent, and an
    ingest key for every team."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from callstudio.access.policy import org_access
    from callstudio.accounts.models import Account
    from callstudio.accounts.services import token_create
    from callstudio.calls.services import ingest_key_create
    from callstudio.orgs.models import Organization, OrgMembership, Team, TeamMembership

    first = ["Ann", "Bo", "Chen", "Dara", "Eli", "Femi", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea"]
    rng, password = random.Random(7), make_password(PASSWORD)
    with transaction.atomic():
        org = Organization.objects.create(name="Bench Calls Inc")
        people = [("admin", "Ada Admin"), ("supervisor", "Sam Supervisor")] + [
            (f"agent{i:02d}", f"{rng.choice(first)} Agent{i:02d}") for i in range(n_agents)
        ]
        accounts = Account.objects.bulk_create(
            Account(email=f"{handle}@calls.bench.test", name=name, password=password)
            for handle, name in people
        )
        OrgMembership.objects.bulk_create(
            OrgMembership(organization=org, account=a, role="admin" if i == 0 else "member")
            for i, a in enumerate(accounts)
        )
        team_rows = Team.objects.bulk_create(
            Team(organization=org, name=f"Calls {i}") for i in range(teams)
        )
        TeamMembership.objects.bulk_create(
            TeamMembership(
                organization=org, team=t, account=a, role="supervisor" if i == 1 else "agent"
            )
            for t in team_rows
            for i, a in enumerate(accounts)
            if i > 0
        )
        admin, supervisor, agents = accounts[0], accounts[1], accounts[2:]
        _, key = ingest_key_create(access=org_access(admin, org.id), name="bench key")
    return {
        "org": org.id,
        "teams": [t.id for t in team_rows],
        "workflows": [t.workflow_id for t in team_rows],
        "admin": admin,
        "supervisor": supervisor,
        "agents": agents,
        "ingest_key": key,
        "tokens": {
            name: token_create(account=a, name="bench")[1]
            for name, a in (("admin", admin), ("supervisor", supervisor), ("agent", agents[0]))
        },
    }
