"""Is the first page of a big team's call list as cheap as the SQL behind it?

Target (the issue): with N calls (default 1,000,000) in one team, the first page (50) of an
agent's own calls and of a supervisor's all-calls list, through the selector the API uses, costs
at most 1.5 x the equivalent hand-written SQL using the same index.

Method, all in one run:
1. A fresh data dir and database (a new SQLite file, or a new PostgreSQL database `bench_listing`
   beside the one --database-url names, dropped at the end); `callstudio migrate`; an org with one
   team, a supervisor and 20 agents (team roles), built with the ORM in this process.
2. N calls loaded straight into calls_call in time order, as they would arrive: started_at spread
   over a year, each agent ~1/20 of them, 2% archived, a short transcript (PostgreSQL: psycopg
   `COPY`, then VACUUM ANALYZE as autovacuum would; SQLite: `executemany` in 100,000-row
   transactions, no ANALYZE, as the application runs none).
3. In-process, like with like on one connection: (a) `callstudio.calls.selectors.calls_page`
   with the principal's real TeamAccess (built once by `org_access`/`team_access`, as a request
   does once): the access layer's queryset, compiled once per shape and bound per call
   (core/compiled.py), its rows read as light objects with decoded JSON fields; (b) the
   hand-written SQL returning the same columns and rows (`LEFT JOIN accounts_account`, `WHERE
   team_id = %s [AND agent_id = %s] AND archived = false ORDER BY started_at DESC, id DESC LIMIT
   51`), executed by `cursor.execute` + `fetchall` on the same Django connection. Both return the
   same ids (checked). Rounds alternate the order of (a) and (b); p50 of each; ratio a/b. EXPLAIN
   (SQLite: EXPLAIN QUERY PLAN) of the selector's captured SQL and of the hand-written SQL shows
   the index each uses.
4. For context: the real server (`callstudio serve`) and the p50 of
   `GET /api/v1/orgs/{org}/teams/{team}/calls` for the agent and the supervisor (personal tokens),
   interleaved with `GET /api/v1/me`.

Usage: python bench/listing.py [--database-url URL] [--calls N] [--rounds N] [--no-fail]
Exits 1 when a ratio is over the target, unless --no-fail.
"""

import argparse
import json
import random
import re
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import orjson

from _harness import COLUMNS, Bench, build_team, context, log, pct, sqlite_row

TARGET = 1.5
CHUNK = 100_000
SQL = """SELECT c.id, c.team_id, c.external_id, c.started_at, c.ended_at, c.duration_seconds, c.direction,
 c.agent_id, c.agent_ref, c.customer, c.tags, c.archived, c.talk_ratio, c.silence_share,
 a.id, a.account_id, a.email, a.name
FROM calls_call c LEFT JOIN accounts_account a ON a.id = c.agent_id
WHERE c.team_id = %s{agent} AND c.archived = %s ORDER BY c.started_at DESC, c.id DESC LIMIT 51"""


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


def explain(sql: str, params: list, vendor: str) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(("EXPLAIN " if vendor == "postgresql" else "EXPLAIN QUERY PLAN ") + sql, params)
        plan = [str(r[-1]) for r in cur.fetchall()]
    key = re.compile(r"Scan.* on calls_call|Sort|^(SEARCH|SCAN) (calls_call|c) |TEMP B-TREE")
    keys = [p.strip() for p in plan if key.search(p.strip())]
    return " | ".join(keys or plan)


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


def decode(rows: list, vendor: str) -> list:
    """The hand-written side's rows as the same Python values the ORM gives: aware datetimes
    (SQLite's driver gives naive UTC ones) and decoded JSON (customer, tags)."""
    parse = (lambda v: v) if vendor == "postgresql" else (lambda v: v.replace(tzinfo=UTC))
    return [
        (*r[:3], parse(r[3]), parse(r[4]), *r[5:9], json.loads(r[9]), json.loads(r[10]), *r[11:])
        for r in rows
    ]


def in_process(team: dict, vendor: str, rounds: int, warmup: int, budget: float) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from callstudio.access.policy import org_access, team_access
    from callstudio.calls.selectors import calls_page

    out = {}
    for label, account in (("agent", team["agents"][0]), ("supervisor", team["supervisor"])):
        access = team_access(org_access(account, team["org"]), team["teams"][0])
        own = label == "agent"
        sql = SQL.format(agent=" AND c.agent_id = %s" if own else "")
        params = [team["teams"][0], *([account.pk] if own else []), False]

        def hand(convert: bool, sql=sql, params=params) -> list:
            with connection.cursor() as cur:
                cur.execute(sql, params)
                rows = cur.fetchall()
            return decode(rows, vendor) if convert else rows

        with CaptureQueriesContext(connection) as queries:
            page = calls_page(access=access)
        expected = hand(True)
        assert [c.id for c in page.items] == [r[0] for r in expected[:50]] and len(
            page.items
        ) == 50, label
        assert [c.customer for c in page.items] == [r[9] for r in expected[:50]], label
        assert len(queries) == 1, [q["sql"] for q in queries]
        plans = {
            "selector": explain(queries[0]["sql"], [], vendor),
            "SQL": explain(sql, params, vendor),
        }
        cases = {
            "selector": lambda access=access: calls_page(access=access),
            "SQL+decode": lambda: hand(True),
            "SQL fetch": lambda: hand(False),
        }
        times, order = {k: [] for k in cases}, list(cases)
        for i, measured in schedule(warmup, rounds, budget):
            for case in order[i % 3 :] + order[: i % 3]:
                t0 = time.perf_counter()
                cases[case]()
                if measured:
                    times[case].append((time.perf_counter() - t0) * 1000)
        out[label] = {"times": times, "plans": plans}
    return out


def over_http(base: str, team: dict, requests: int, warmup: int, budget: float) -> dict:
    path = f"/api/v1/orgs/{team['org']}/teams/{team['teams'][0]}/calls"
    cases = {"agent": path, "supervisor": path, "me": "/api/v1/me"}
    auth = {
        k: {"Authorization": f"Bearer {team['tokens'][k if k != 'me' else 'agent']}"} for k in cases
    }
    times = {k: [] for k in cases}
    with httpx.Client(base_url=base, timeout=60) as client:
        for i, measured in schedule(warmup, requests, budget):
            for case in list(cases) if i % 2 == 0 else list(reversed(cases)):
                t0 = time.perf_counter()
                r = client.get(cases[case], headers=auth[case])
                if measured:
                    times[case].append((time.perf_counter() - t0) * 1000)
                if r.status_code != 200 or (case != "me" and len(r.json()["items"]) != 50):
                    raise RuntimeError(f"{case}: HTTP {r.status_code} {r.text[:300]}")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: a new SQLite file)")
    parser.add_argument("--calls", type=int, default=1_000_000, help="calls in the team")
    parser.add_argument("--rounds", type=int, default=1000, help="measured in-process rounds")
    parser.add_argument("--requests", type=int, default=300, help="measured HTTP rounds")
    parser.add_argument("--warmup", type=int, default=50, help="warm-up rounds, each kind")
    parser.add_argument(
        "--budget", type=float, default=90, help="seconds at most per principal and phase"
    )
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even over the target")
    args = parser.parse_args()
    with Bench(args.database_url, "bench_listing") as bench:
        team = build_team(20)
        log(f"org built; loading {args.calls:,} calls into calls_call")
        t0 = time.perf_counter()
        load(bench.vendor, args.calls, team)
        log(f"loaded in {time.perf_counter() - t0:.0f} s; in-process rounds")
        local = in_process(team, bench.vendor, args.rounds, args.warmup, args.budget)
        log("HTTP rounds")
        http = over_http(bench.serve(), team, args.requests, args.warmup, args.budget)
    print(
        f"\n== listing: {bench.vendor}, {args.calls:,} calls in one team, 20 agents, first page (50) ==\n"
        f"   {context()}"
    )
    ok = True
    for label, res in local.items():
        t = res["times"]
        sel, raw, fetch = (pct(t[k], 50) for k in ("selector", "SQL+decode", "SQL fetch"))
        print(
            f"{label}: p50 (p90) over {len(t['selector'])} rounds: selector {sel:.3f} ms "
            f"({pct(t['selector'], 90):.3f}), hand-written SQL+decode {raw:.3f} ms ({pct(t['SQL+decode'], 90):.3f}), "
            f"SQL fetch only {fetch:.3f} ms ({pct(t['SQL fetch'], 90):.3f})"
        )
        for case, plan in res["plans"].items():
            print(f"  plan, {case:<8}: {plan}")
        ok = ok and sel / raw <= TARGET
        print(
            f"  selector / SQL+decode p50 {sel / raw:6.2f}   target <= {TARGET}   "
            f"{'PASS' if sel / raw <= TARGET else 'FAIL'}   (selector / SQL fetch only: {sel / fetch:.2f})"
        )
    print(
        f"HTTP GET /orgs/{{org}}/teams/{{team}}/calls p50 (p90), {args.requests} each, context only: "
        + ", ".join(
            f"{k} {pct(v, 50):.2f} ms ({pct(v, 90):.2f})" for k, v in http.items() if k != "me"
        )
        + f"; GET /me {pct(http['me'], 50):.2f} ms ({pct(http['me'], 90):.2f})"
    )
    print(f"RESULT: {'PASS' if ok else 'FAIL'}")
    return 0 if ok or args.no_fail else 1


if __name__ == "__main__":
    sys.exit(main())
