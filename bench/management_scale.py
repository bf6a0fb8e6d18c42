"""Does a management read cost the same in a big organization as in a small one?

Target (the issue): the p50 of `GET /api/v1/orgs/{org}/teams/{team}` and of the first page of
`GET /api/v1/orgs/{org}/members`, in an org with 1,000 teams and 10,000 members, divided by the
same in an org with 1 team and 10 members, is at most 1.3.

Method, in one run:
1. A fresh data dir (tempdir) and a fresh database: a new SQLite file, or with --database-url a
   new PostgreSQL database `bench_mgmt` created next to the one named (dropped at the end).
2. `callstudio migrate`, then both orgs built side by side in that one database with the ORM's
   bulk_create (one precomputed password hash). Each org's admin is its first member; every other
   member is in 1-3 teams (the small org has only one), so the list's per-member teams are real.
   PostgreSQL then gets an ANALYZE (what autovacuum does after a bulk load); SQLite gets none,
   as the application never runs one.
3. The real server (`callstudio serve`, uvicorn) on a free port on 127.0.0.1. Each admin gets a
   personal token through `POST /api/v1/auth/tokens`.
4. One keep-alive httpx client sends warm-up requests, then small and big requests interleaved
   (the order flips every round) so that noise hits both sides alike. Latency is client-side
   wall time per request. p50 big / p50 small is compared with the target.

Usage: python bench/management_scale.py [--database-url URL] [--requests N] [--no-fail]
Exits 1 when a ratio is over the target (0 with --no-fail).
"""

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

TARGET = 1.3
PASSWORD = "bench-admin-password-42"
ORGS = {"small": (1, 10), "big": (1000, 10_000)}  # label: (teams, members incl. the admin)
PG_DB = "bench_mgmt"
BIN = Path(sys.executable).parent


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def callstudio(*args: str) -> list[str]:
    exe = BIN / "callstudio"
    return [str(exe), *args] if exe.exists() else [sys.executable, "-m", "callstudio", *args]


def pg_recreate(url: str, *, drop_only: bool = False) -> str:
    """Drop (and create) the bench database next to the one `url` names; return its URL."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(PG_DB)))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(PG_DB)))
    return urlsplit(url)._replace(path="/" + PG_DB).geturl()


def build() -> dict:
    """Both orgs, with the ORM in this process (settings come from os.environ)."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection, connections, transaction

    from callstudio.accounts.models import Account
    from callstudio.orgs.models import Organization, OrgMembership, Team, TeamMembership

    rng = random.Random(42)
    password = make_password(PASSWORD)
    out = {}
    for label, (n_teams, n_members) in ORGS.items():
        start = time.perf_counter()
        with transaction.atomic():
            org = Organization.objects.create(name=f"Bench {label}")
            accounts = Account.objects.bulk_create(
                [
                    Account(email=f"m{i}@{label}.bench.test", name=f"Member {i}", password=password)
                    for i in range(n_members)
                ],
                batch_size=2000,
            )
            log(f"{label}: {len(accounts)} accounts")
            roles = ["admin"] + [
                "manager" if rng.random() < 0.05 else "member" for _ in accounts[1:]
            ]
            OrgMembership.objects.bulk_create(
                [
                    OrgMembership(organization=org, account=a, role=r)
                    for a, r in zip(accounts, roles, strict=True)
                ],
                batch_size=2000,
            )
            log(f"{label}: {len(accounts)} org memberships")
            teams = Team.objects.bulk_create(
                [Team(organization=org, name=f"Team {i:04d}") for i in range(n_teams)],
                batch_size=2000,
            )
            rows = [
                TeamMembership(
                    organization=org,
                    team=team,
                    account=account,
                    role="supervisor" if rng.random() < 0.1 else "agent",
                )
                for account in accounts[1:]  # the admin is in no team, in both orgs
                for team in rng.sample(teams, min(n_teams, rng.randint(1, 3)))
            ]
            TeamMembership.objects.bulk_create(rows, batch_size=2000)
            log(f"{label}: {len(teams)} teams, {len(rows)} team memberships")
        log(f"{label}: built in {time.perf_counter() - start:.1f} s")
        team = teams[n_teams // 2]  # an ordinary team from the middle
        out[label] = {"org": org.id, "team": team.id, "email": accounts[0].email}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        log("postgresql: ANALYZE done")
    connections.close_all()
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not answer /healthz in time")


def measure(base: str, data: dict, requests: int, warmup: int) -> dict:
    tokens = {}
    for label, d in data.items():
        r = httpx.post(
            base + "/api/v1/auth/tokens",
            json={"email": d["email"], "password": PASSWORD, "name": "bench"},
            timeout=30,
        )
        r.raise_for_status()
        tokens[label] = r.json()["token"]
    cases = {
        "team": lambda d: f"/api/v1/orgs/{d['org']}/teams/{d['team']}",
        "members": lambda d: f"/api/v1/orgs/{d['org']}/members",
    }
    times = {(case, label): [] for case in cases for label in data}
    with httpx.Client(base_url=base, timeout=30) as client:

        def get(case: str, label: str) -> httpx.Response:
            headers = {"Authorization": f"Bearer {tokens[label]}"}
            t0 = time.perf_counter()
            r = client.get(cases[case](data[label]), headers=headers)
            elapsed = time.perf_counter() - t0
            if r.status_code != 200:
                raise RuntimeError(f"{case}/{label}: HTTP {r.status_code} {r.text[:300]}")
            times[case, label].append(elapsed * 1000)
            return r

        for label in data:  # the responses are what they should be
            page = get("members", label).json()
            assert len(page["items"]) == min(50, ORGS[label][1]), label
            assert all(m["teams"] for m in page["items"][1:]), label
            assert get("team", label).json()["id"] == data[label]["team"]
        log(f"warm-up: {warmup} rounds; then {requests} measured rounds")
        for i in range(warmup + requests):
            if i == warmup:
                times = {key: [] for key in times}
            order = ("small", "big") if i % 2 == 0 else ("big", "small")
            for case in cases:
                for label in order:
                    get(case, label)
            if i >= warmup and (i - warmup + 1) % 100 == 0:
                log(f"  {i - warmup + 1}/{requests} rounds")
    return times


def pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def report(times: dict, database: str, requests: int) -> bool:
    names = {"team": "GET /orgs/{org}/teams/{team}", "members": "GET /orgs/{org}/members (page 1)"}
    print(f"\n== management_scale: {database}, {requests} requests per case, {os.cpu_count()} CPUs ==")
    print(f"{'endpoint':<36}{'org':<7}{'p50 ms':>9}{'p90 ms':>9}")
    for (case, label), values in times.items():
        print(f"{names[case]:<36}{label:<7}{pct(values, 50):>9.2f}{pct(values, 90):>9.2f}")
    ok = True
    for case in names:
        ratio = pct(times[case, "big"], 50) / pct(times[case, "small"], 50)
        verdict = "PASS" if ratio <= TARGET else "FAIL"
        ok = ok and ratio <= TARGET
        print(f"ratio big/small p50, {case:<8} {ratio:5.2f}  (target <= {TARGET})  {verdict}")
    print(f"RESULT: {'PASS' if ok else 'FAIL'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL; default: a new SQLite file")
    parser.add_argument("--requests", type=int, default=500, help="measured requests per case")
    parser.add_argument("--warmup", type=int, default=50, help="warm-up requests per case")
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even over the target")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="callstudio-bench-")
    os.environ.update(CALLSTUDIO_DATA_DIR=data_dir, LOG_LEVEL="WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "callstudio.settings.default"
    os.environ.pop("DATABASE_URL", None)
    if args.database_url:
        os.environ["DATABASE_URL"] = pg_recreate(args.database_url)
        log(f"database: postgresql, fresh database {PG_DB!r}")
    else:
        log(f"database: sqlite, fresh file in {data_dir}")
    server = None
    server_log = Path(data_dir, "server.log")
    try:
        subprocess.run(callstudio("migrate", "--no-input", "-v", "0"), check=True)
        log("migrated; building the two organizations")
        data = build()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with server_log.open("w") as fh:
            server = subprocess.Popen(
                callstudio("serve", "--host", "127.0.0.1", "--port", str(port)),
                stdout=fh,
                stderr=subprocess.STDOUT,
            )
        wait_healthy(base, server)
        log(f"server up on {base} (pid {server.pid})")
        times = measure(base, data, args.requests, args.warmup)
        ok = report(times, "postgresql" if args.database_url else "sqlite", args.requests)
    except Exception:
        if server_log.exists():
            print("--- server log (tail) ---\n" + server_log.read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if args.database_url:
            pg_recreate(args.database_url, drop_only=True)
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0 if ok or args.no_fail else 1


if __name__ == "__main__":
    sys.exit(main())
