"""Is the first page of a big team's call list cheap over HTTP?

Target (issue 10): with N calls (default 1,000,000) in one team, the p50 of the first page (50) of
`GET /api/v1/orgs/{org}/teams/{team}/calls`, for an agent (own calls) and for a supervisor (all
calls), is at most 2.5 x the p50 of `GET /api/v1/me` on the same server, measured interleaved.

Method, all in one run:
1. A fresh data dir and database (a new SQLite file, or a new PostgreSQL database `bench_listing`
   beside the one --database-url names, dropped at the end); `callstudio migrate`; an org with one
   team, a supervisor and 20 agents (team roles), built with the ORM in this process.
2. N calls loaded straight into calls_call in time order, as they would arrive: started_at spread
   over a year, each agent ~1/20 of them, 2% archived, a short transcript (PostgreSQL: psycopg
   `COPY`, then VACUUM ANALYZE as autovacuum would; SQLite: `executemany` in 100,000-row
   transactions, no ANALYZE, as the application runs none).
3. EXPLAIN (SQLite: EXPLAIN QUERY PLAN) of the SQL `calls_page` runs for each principal (captured
   in this process), to show the index it uses.
4. The real server (`callstudio serve`, the shipped code). Each round sends the three requests
   (agent's page, supervisor's page, `GET /me`) in an order that rotates every round, over a
   keep-alive connection, with personal tokens; warm-up rounds first. p50 and p90 of each; the
   target ratio is page p50 / `/me` p50.
5. For context, the server's own CPU time per request: the process's user + system time
   (/proc/<pid>/stat, which keeps the time of threads that have ended) read just before and
   after each request, averaged per kind of request (the counter moves in 10 ms ticks, so one
   request's figure means nothing, their mean does; it also carries the idle worker threads'
   polling, evenly). It hardly grows when other processes share the cores, so its ratio tells
   the code's cost apart from the machine's load, which inflates the wall-clock ratio of the
   longer request.

Usage: python bench/listing.py [--database-url URL] [--calls N] [--requests N] [--no-fail]
Exits 1 when a ratio is over the target, unless --no-fail.
"""

import argparse
import os
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson

from _harness import COLUMNS, Bench, build_team, context, log, pct, sqlite_row

TARGET = 2.5
CHUNK = 100_000
PRINCIPALS = ("agent", "supervisor")


def rows(n: int, team: dict):
    """N calls in arrival order, in chunks of CHUNK rows."""
    rng = random.Random(3)
    agents = [(a.pk, f"email:{a.email}") for a in team["agents"]]
    lines = [
        "Thanks for calling, how can I help?",
        "I have a question about my invoice.",
        "Let me check that for you.",
        "Can you confirm your address?",
        "Great, that is all.",
    ]
    transcripts = [
        orjson.dumps(
            [
                {"speaker": s, "start": i * 9.0, "end": i * 9.0 + 8, "text": rng.choice(lines)}
                for i, s in enumerate(["agent", "customer", "agent"])
            ]
        ).decode()
        for _ in range(200)
    ]
    start, step, now = datetime(2025, 11, 28, tzinfo=UTC), 365 * 86400 / n, datetime.now(UTC)
    chunk = []
    for i in range(n):
        started = start + timedelta(seconds=i * step + rng.random() * step)
        duration = round(rng.uniform(30, 900), 1)
        agent_pk, ref = rng.choice(agents)
        ratio = round(rng.random(), 4)
        chunk.append(
            (
                team["org"],
                team["teams"][0],
                f"ext-{i:08d}",
                started,
                started + timedelta(seconds=duration),
                duration,
                rng.choice(("inbound", "outbound")),
                agent_pk,
                ref,
                f'{{"name": "Customer {rng.randint(1, 99999)}"}}',
                rng.choice(transcripts),
                "",
                '["billing"]' if i % 7 == 0 else "[]",
                "{}",
                rng.random() < 0.02,
                duration * ratio / 2,
                duration * (1 - ratio) / 2,
                0.0,
                ratio,
                0.5,
                20.0,
                now,
                # Analysed already: the server's worker must not start on a million calls.
                0.3,
                "[]",
                now,
                "[]",
            )
        )
        if len(chunk) == CHUNK or i == n - 1:
            yield chunk
            chunk = []


def load(vendor: str, n: int, team: dict) -> None:
    from django.db import connection

    connection.ensure_connection()
    raw, done, start = connection.connection, 0, time.perf_counter()
    cols = ", ".join(COLUMNS)
    for chunk in rows(n, team):
        if vendor == "postgresql":
            with (
                raw.transaction(),
                raw.cursor() as cur,
                cur.copy(f"COPY calls_call ({cols}) FROM STDIN") as copy,
            ):
                for row in chunk:
                    copy.write_row(row)
        else:
            raw.execute("BEGIN IMMEDIATE")
            raw.executemany(
                f"INSERT INTO calls_call ({cols}) VALUES ({', '.join('?' * len(COLUMNS))})",
                [sqlite_row(r) for r in chunk],
            )
            raw.execute("COMMIT")
        done += len(chunk)
        log(f"  loaded {done:,}/{n:,} calls ({done / (time.perf_counter() - start):,.0f} rows/s)")
    if vendor == "postgresql":
        raw.execute("VACUUM ANALYZE calls_call")
        log("VACUUM ANALYZE done")


def plans(team: dict, vendor: str) -> dict:
    """The plan of the statement `calls_page` runs for each principal."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from callstudio.access.policy import org_access, team_access
    from callstudio.calls.selectors import calls_page

    out = {}
    for label, account in (("agent", team["agents"][0]), ("supervisor", team["supervisor"])):
        access = team_access(org_access(account, team["org"]), team["teams"][0])
        with CaptureQueriesContext(connection) as queries:
            page = calls_page(access=access)
        assert len(page.items) == 50 and len(queries) == 1, (label, len(queries))
        prefix = "EXPLAIN " if vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        with connection.cursor() as cur:
            cur.execute(prefix + queries[0]["sql"])
            plan = [str(r[-1]).strip() for r in cur.fetchall()]
        key = re.compile(r"Scan.* on calls_call|Sort|^(SEARCH|SCAN) calls_call |TEMP B-TREE")
        out[label] = " | ".join([p for p in plan if key.search(p)] or plan)
    return out


def schedule(warmup: int, n: int, budget: float):
    """(round, measured?): warm-up ends early after a fifth of the budget, and measuring after
    the whole budget (at least 5 measured rounds), so a slow query cannot take the run hostage."""
    start, i, measured = time.monotonic(), 0, 0
    while measured < n:
        spent = time.monotonic() - start
        warm = i < warmup and spent < budget / 5
        if not warm:
            if measured >= 5 and spent > budget:
                log(f"  time budget spent after {measured} measured rounds")
                return
            measured += 1
        yield i, not warm
        i += 1


TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def cpu_ms(pid: int) -> float:
    """User + system CPU time of the whole process so far, in ms."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * TICK_MS


def over_http(
    base: str, pid: int, team: dict, requests: int, warmup: int, budget: float
) -> tuple[dict, dict]:
    """Wall-clock and server-CPU ms per request: {case: [ms, ...]}, the cases interleaved."""
    path = f"/api/v1/orgs/{team['org']}/teams/{team['teams'][0]}/calls"
    urls = {"agent": path, "supervisor": path, "me": "/api/v1/me"}
    token = {"agent": "agent", "supervisor": "supervisor", "me": "agent"}
    auth = {k: {"Authorization": f"Bearer {team['tokens'][token[k]]}"} for k in urls}
    cases = list(urls)
    times, cpu = {c: [] for c in cases}, {c: [] for c in cases}
    with httpx.Client(base_url=base, timeout=60) as client:
        for i, measured in schedule(warmup, requests, budget):
            for case in cases[i % len(cases) :] + cases[: i % len(cases)]:
                c0 = cpu_ms(pid)
                t0 = time.perf_counter()
                r = client.get(urls[case], headers=auth[case])
                elapsed = (time.perf_counter() - t0) * 1000
                used = cpu_ms(pid) - c0
                if r.status_code != 200 or (case != "me" and len(r.json()["items"]) != 50):
                    raise RuntimeError(f"{case}: HTTP {r.status_code} {r.text[:300]}")
                if measured:
                    times[case].append(elapsed)
                    cpu[case].append(used)
    return times, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: a new SQLite file)")
    parser.add_argument("--calls", type=int, default=1_000_000, help="calls in the team")
    parser.add_argument("--requests", type=int, default=500, help="measured rounds")
    parser.add_argument("--warmup", type=int, default=50, help="warm-up rounds")
    parser.add_argument("--budget", type=float, default=120, help="seconds at most for the rounds")
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even over the target")
    args = parser.parse_args()
    with Bench(args.database_url, "bench_listing") as bench:
        team = build_team(20)
        log(f"org built; loading {args.calls:,} calls into calls_call")
        t0 = time.perf_counter()
        load(bench.vendor, args.calls, team)
        log(f"loaded in {time.perf_counter() - t0:.0f} s")
        plan = plans(team, bench.vendor)
        base = bench.serve()
        log("HTTP rounds")
        times, cpu = over_http(base, bench.pid, team, args.requests, args.warmup, args.budget)
    rounds = len(times["me"])
    print(
        f"\n== listing: {bench.vendor}, {args.calls:,} calls in one team, 20 agents, "
        f"first page (50) over HTTP, {rounds} interleaved rounds ==\n   {context()}"
    )
    for label, p in plan.items():
        print(f"plan, {label:<10}: {p}")
    print(f"p50 (p90) in ms; target: page p50 / GET /me p50 <= {TARGET}")
    me = pct(times["me"], 50)
    print(f"GET /me {me:.2f} ({pct(times['me'], 90):.2f})")
    ok = True
    for label in PRINCIPALS:
        t = times[label]
        ratio = pct(t, 50) / me
        ok = ok and ratio <= TARGET
        print(
            f"{label:<10} page {pct(t, 50):.2f} ({pct(t, 90):.2f})   "
            f"page / me {ratio:5.2f}   {'PASS' if ratio <= TARGET else 'FAIL'}"
        )
    cpu_me = statistics.fmean(cpu["me"])
    pages = ", ".join(
        f"{label} {statistics.fmean(cpu[label]):.2f} "
        f"(/ me {statistics.fmean(cpu[label]) / cpu_me:.2f})"
        for label in PRINCIPALS
    )
    print(f"context, server CPU per request, mean in ms (no target): GET /me {cpu_me:.2f}; {pages}")
    print(f"RESULT: {'PASS' if ok else 'FAIL'}")
    return 0 if ok or args.no_fail else 1


if __name__ == "__main__":
    sys.exit(main())
