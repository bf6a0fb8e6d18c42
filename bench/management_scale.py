"""Does a management read cost the same in a big organization as in a small one?

Target (the issue): the p50 of `GET /api/v1/orgs/{org}/teams/{team}` and of the first page of
`GET /api/v1/orgs/{org}/members`, in an org with 1,000 teams and 10,000 members, divided by the
same in an org with 1 team and 10 members, is at most 1.3.

Method, all in one run:
1. A fresh data dir (tempdir) and a fresh database: a new SQLite file, or with --database-url a
   new PostgreSQL database `bench_mgmt` created beside the one named (dropped at the end).
2. `callstudio migrate`, then both orgs built side by side in that database with bulk_create and
   one precomputed password hash. Each org's admin is its first member and is in no team; every
   other member is in 1-3 teams (the small org has one), so each listed member carries real
   teams. PostgreSQL then gets an ANALYZE, as autovacuum would give it after such a load; SQLite
   gets none, as the application never runs one.
3. The real server (`callstudio serve`, uvicorn) on a free port of 127.0.0.1; each admin gets a
   personal token from `POST /api/v1/auth/tokens`.
4. One keep-alive httpx client: warm-up rounds, then measured rounds that send each request to
   the small and the big org back to back, the order flipping every round, so that noise hits
   both sides alike. A latency is the client's wall time for one request and its response.

Usage: python bench/management_scale.py [--database-url URL] [--requests N] [--no-fail]
Exits 1 when a ratio is over the target, unless --no-fail.
"""

import argparse
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
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from _harness import wait_healthy

TARGET = 1.3
PASSWORD = "bench-admin-password-42"
ORGS = {"small": (1, 10), "big": (1000, 10_000)}  # label: (teams, members with the admin)
PG_DB = "bench_mgmt"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def callstudio(*args: str) -> list[str]:
    exe = Path(sys.executable).parent / "callstudio"
    return [str(exe), *args] if exe.exists() else [sys.executable, "-m", "callstudio", *args]


def pg_recreate(url: str, *, create: bool = True) -> str:
    """Drop (and create) the bench database beside the one `url` names; return its URL."""
    import psycopg
    from psycopg import sql

    name = sql.Identifier(PG_DB)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    return urlsplit(url)._replace(path="/" + PG_DB).geturl()


def build() -> dict:
    """Both orgs, with the ORM in this process (the settings come from os.environ)."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection, connections, transaction

    from callstudio.accounts.models import Account
    from callstudio.orgs.models import Organization, OrgMembership, Team, TeamMembership

    rng, password, out = random.Random(42), make_password(PASSWORD), {}
    for label, (n_teams, n_members) in ORGS.items():
        start = time.perf_counter()
        with transaction.atomic():
            org = Organization.objects.create(name=f"Bench {label}")
            accounts = Account.objects.bulk_create(
                Account(email=f"m{i}@{label}.bench.test", name=f"Member {i}", password=password)
                for i in range(n_members)
            )
            roles = ["admin"] + [
                "manager" if rng.random() < 0.05 else "member" for _ in accounts[1:]
            ]
            OrgMembership.objects.bulk_create(
                OrgMembership(organization=org, account=a, role=r)
                for a, r in zip(accounts, roles, strict=True)
            )
            log(f"{label}: {n_members} accounts and org memberships")
            teams = Team.objects.bulk_create(
                Team(organization=org, name=f"Team {i:04d}") for i in range(n_teams)
            )
            rows = TeamMembership.objects.bulk_create(
                TeamMembership(
                    organization=org,
                    team=team,
                    account=account,
                    role="supervisor" if rng.random() < 0.1 else "agent",
                )
                for account in accounts[1:]
                for team in rng.sample(teams, min(n_teams, rng.randint(1, 3)))
            )
            log(f"{label}: {n_teams} teams, {len(rows)} team memberships")
        log(f"{label}: built in {time.perf_counter() - start:.1f} s")
        out[label] = {"org": org.id, "team": teams[n_teams // 2].id, "email": accounts[0].email}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    connections.close_all()
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(base: str, data: dict, args) -> dict:
    limit = f"?limit={args.limit}" if args.limit else ""
    paths = {
        "team": lambda d: f"/api/v1/orgs/{d['org']}/teams/{d['team']}",
        "members": lambda d: f"/api/v1/orgs/{d['org']}/members{limit}",
    }
    times = {(case, label): [] for case in paths for label in data}
    with httpx.Client(base_url=base, timeout=30) as client:
        auth = {}
        for label, d in data.items():
            body = {"email": d["email"], "password": PASSWORD, "name": "bench"}
            r = client.post("/api/v1/auth/tokens", json=body)
            r.raise_for_status()
            auth[label] = {"Authorization": f"Bearer {r.json()['token']}"}

        def get(case: str, label: str) -> dict:
            t0 = time.perf_counter()
            r = client.get(paths[case](data[label]), headers=auth[label])
            times[case, label].append((time.perf_counter() - t0) * 1000)
            if r.status_code != 200:
                raise RuntimeError(f"{case} in {label}: HTTP {r.status_code} {r.text[:300]}")
            return r.json()

        for label in data:  # the responses are the ones meant
            items = get("members", label)["items"]
            assert len(items) == min(args.limit or 50, ORGS[label][1]), label
            assert all(m["teams"] for m in items[1:]), label
            assert get("team", label)["id"] == data[label]["team"], label
        log(f"warm-up: {args.warmup} rounds; then {args.requests} measured rounds")
        for i in range(args.warmup + args.requests):
            if i == args.warmup:
                times = {key: [] for key in times}
            for case in paths:
                for label in ("small", "big") if i % 2 == 0 else ("big", "small"):
                    get(case, label)
            if i >= args.warmup and (i - args.warmup + 1) % 250 == 0:
                log(f"  {i - args.warmup + 1}/{args.requests} rounds")
    return times


def pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def report(times: dict, args) -> bool:
    database = "postgresql" if args.database_url else "sqlite"
    page = f"limit={args.limit}" if args.limit else "page 1"
    names = {
        "team": "GET /orgs/{org}/teams/{team}",
        "members": f"GET /orgs/{{org}}/members ({page})",
    }
    print(f"\n== management_scale: {database}, {args.requests} requests per case and org,")
    print(f"   {os.cpu_count()} CPUs, client and server on this machine ==")
    print(f"{'endpoint':<40}{'org':<7}{'p50 ms':>8}{'p90 ms':>8}")
    for (case, label), values in times.items():
        print(f"{names[case]:<40}{label:<7}{pct(values, 50):>8.2f}{pct(values, 90):>8.2f}")
    ok = True
    for case in names:
        ratio = pct(times[case, "big"], 50) / pct(times[case, "small"], 50)
        ok = ok and ratio <= TARGET
        verdict = "PASS" if ratio <= TARGET else "FAIL"
        print(f"p50 big/small, {case:<8} {ratio:5.2f}   target <= {TARGET}   {verdict}")
    print(f"RESULT: {'PASS' if ok else 'FAIL'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: a new SQLite file)")
    parser.add_argument("--requests", type=int, default=1000, help="measured requests per case")
    parser.add_argument("--warmup", type=int, default=100, help="warm-up requests per case")
    parser.add_argument("--limit", type=int, help="members page size (default: the API's)")
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even over the target")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` cleans up

    data_dir = tempfile.mkdtemp(prefix="callstudio-bench-")
    os.environ.update(CALLSTUDIO_DATA_DIR=data_dir, LOG_LEVEL="WARNING")
    os.environ.update(DJANGO_SETTINGS_MODULE="callstudio.settings.default")
    os.environ.pop("DATABASE_URL", None)
    if args.database_url:
        os.environ["DATABASE_URL"] = pg_recreate(args.database_url)
    log(f"data dir {data_dir}; database {os.environ.get('DATABASE_URL', 'sqlite (new file)')}")
    server, server_log = None, Path(data_dir, "server.log")
    try:
        subprocess.run(callstudio("migrate", "--no-input", "-v", "0"), check=True)
        log("migrated; building the two organizations")
        data = build()
        base = f"http://127.0.0.1:{free_port()}"
        with server_log.open("w") as fh:
            cmd = callstudio("serve", "--host", "127.0.0.1", "--port", base.rsplit(":", 1)[1])
            server = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT)
        wait_healthy(base, server)
        log(f"server up on {base} (pid {server.pid})")
        ok = report(measure(base, data, args), args)
    except Exception:
        if server_log.exists():
            print("--- server log, tail ---\n" + server_log.read_text()[-3000:], file=sys.stderr)
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
            pg_recreate(args.database_url, create=False)
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0 if ok or args.no_fail else 1


if __name__ == "__main__":
    sys.exit(main())
