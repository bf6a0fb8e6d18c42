"""Does a team's analytics page cost a few rollup rows, whatever the number of calls?

Targets (the issue), all measured side by side in one run:
- with N calls (default 1,000,000) in a team, the p50 of the analytics endpoint for a whole
  year is at most 0.05 x the p50 of the equivalent raw GROUP BY over calls_call;
- the endpoint's p50 grows at most 1.3 x from N/10 (100,000) to N calls.

Method, all in one run:
1. A fresh data dir and database (a new SQLite file, or a new PostgreSQL database
   `bench_analytics` beside the one --database-url names, dropped at the end);
   `callstudio migrate`; an org with two teams ("big": N calls, "small": N/10), the same 20
   agents and supervisor in both (team roles), built with the ORM in this process.
2. The calls, loaded straight into calls_call as already analysed (sentiment, keywords and
   analyzed_at set), both teams interleaved in arrival order: started_at spread over the same
   year, each agent ~1/20 of them, 1% naming no member (unlinked), 2% archived, 0-2 tags of 8,
   0-2 of 6 tracked keywords, 1% without a transcript (so no sentiment, talk ratio or silence
   share) (PostgreSQL: psycopg `COPY`; SQLite:
   `executemany` in 100,000-row transactions).
3. The rollups built by the real code: `pipeline.rebuild.rebuild([big, small])` in one
   transaction, with progress (then, on PostgreSQL, VACUUM ANALYZE as autovacuum would; SQLite
   gets no ANALYZE, as the application runs none).
4. In-process, like with like on one connection, for the whole year (`from` = first day, `to` =
   last day):
   (a) `analytics.selectors.team_analytics` with the supervisor's real TeamAccess (built once by
       `org_access`/`team_access`, as a request does), for the big and the small team;
   (b) the raw GROUP BY over calls_call, hand-written: the same team, range and calls (unarchived,
       analysed), one statement grouped by UTC day (count, inbound, outbound, sums of duration,
       agent and customer talk, silence seconds and their base, sentiment, rated calls) and one grouped by
       agent (the same sums, then the agents' names joined to the 21 groups), executed by
       `cursor.execute` + `fetchall`. It computes less than the endpoint (no duration
       buckets, sentiment labels, top tags or keywords), which only makes the target harder.
   Both are checked to give the same figures (totals, every day, every agent of the
   leaderboard). A full round runs the four cases (selector big/small, raw big/small) in an
   order rotated every round; between full rounds, `--between` selector-only rounds alternate
   big and small, so the selectors get many more samples than the slow raw side. p50 of each.
   EXPLAIN (SQLite: EXPLAIN QUERY PLAN) of the selector's captured SQL and of the raw SQL.
5. For context: the real server (`callstudio serve`, its in-process worker running) and the p50
   of `GET /api/v1/orgs/{org}/teams/{team}/analytics?from=&to=` for both teams (the
   supervisor's personal token), interleaved with `GET /api/v1/me`.

Usage: python bench/analytics.py [--database-url URL] [--calls N] [--rounds N] [--no-fail]
Exits 1 when a target is missed, unless --no-fail.
"""

import argparse
import heapq
import math
import random
import re
import sys
import time
from datetime import UTC, date, datetime, timedelta

import httpx
import orjson

from _harness import COLUMNS, Bench, build_team, context, log, pct, sqlite_row

RAW_TARGET, GROWTH_TARGET = 0.05, 1.3
CHUNK = 100_000
START = datetime(2025, 11, 28, tzinfo=UTC)
DAYS = 365
TAGS = ["billing", "churn-risk", "upsell", "complaint", "onboarding", "renewal", "vip", "callback"]
KEYWORDS = ["cancel", "refund", "discount", "manager", "contract", "competitor"]

# The raw side. {day} is the vendor's UTC day of started_at.
DAY_EXPR = {
    "postgresql": "(started_at AT TIME ZONE 'UTC')::date",
    "sqlite": "date(started_at)",
}
SUMS_SQL = """COUNT(*), SUM(CASE WHEN direction = 'inbound' THEN 1 ELSE 0 END),
 SUM(CASE WHEN direction = 'outbound' THEN 1 ELSE 0 END), SUM(duration_seconds),
 SUM(agent_talk_seconds), SUM(customer_talk_seconds), SUM(COALESCE(silence_share, 0) * duration_seconds),
 SUM(CASE WHEN silence_share IS NULL THEN 0 ELSE duration_seconds END), SUM(sentiment), COUNT(sentiment)"""
WHERE_SQL = """team_id = %s AND archived = %s AND analyzed_at IS NOT NULL
 AND started_at >= %s AND started_at < %s"""
BY_DAY_SQL = f"""SELECT {{day}} AS day, {SUMS_SQL}
FROM calls_call WHERE {WHERE_SQL} GROUP BY 1 ORDER BY 1"""
BY_AGENT_SQL = f"""SELECT g.*, a.account_id, a.name, a.email FROM (
 SELECT agent_id, {SUMS_SQL} FROM calls_call WHERE {WHERE_SQL} GROUP BY agent_id
) g LEFT JOIN accounts_account a ON a.id = g.agent_id"""


def team_rows(n: int, team: dict, team_id: str, seed: int):
    """n analysed calls of one team in arrival order, as (started_at, row)."""
    rng = random.Random(seed)
    agents = [(a.pk, f"email:{a.email}") for a in team["agents"]]
    transcript = orjson.dumps(
        [
            {"speaker": "agent", "start": 0.0, "end": 8.0, "text": "Thanks for calling."},
            {"speaker": "customer", "start": 9.0, "end": 17.0, "text": "About my invoice."},
            {"speaker": "agent", "start": 18.0, "end": 26.0, "text": "Let me check that."},
        ]
    ).decode()
    step, now = DAYS * 86400 / n, datetime.now(UTC)
    for i in range(n):
        started = START + timedelta(seconds=i * step + rng.random() * step)
        duration = round(rng.uniform(20, 1500), 1)
        agent_pk, ref = rng.choice(agents)
        if rng.random() < 0.01:
            agent_pk, ref = None, f"email:former{rng.randint(1, 5)}@calls.bench.test"
        ratio = round(rng.random(), 4)
        # 1% have no transcript: no sentiment, talk ratio or silence share.
        bare = rng.random() < 0.01
        tags = rng.sample(TAGS, rng.choices((0, 1, 2), (50, 35, 15))[0])
        keywords = rng.sample(KEYWORDS, rng.choices((0, 1, 2), (70, 22, 8))[0])
        sentiment = None if bare else round(max(-1.0, min(1.0, rng.gauss(0.2, 0.35))), 4)
        yield (
            started,
            (
                team["org"],
                team_id,
                f"ext-{i:08d}",
                started,
                started + timedelta(seconds=duration),
                duration,
                rng.choice(("inbound", "outbound")),
                agent_pk,
                ref,
                f'{{"name": "Customer {rng.randint(1, 99999)}"}}',
                "[]" if bare else transcript,
                "",
                orjson.dumps(tags).decode(),
                "{}",
                rng.random() < 0.02,
                0.0 if bare else duration * ratio * 0.8,
                0.0 if bare else duration * (1 - ratio) * 0.8,
                0.0,
                None if bare else ratio,
                None if bare else round(rng.uniform(0.05, 0.3), 4),
                round(rng.uniform(5, 120), 1),
                now,
                sentiment,
                orjson.dumps(keywords).decode(),
                now,
                "[]",
            ),
        )


def load(vendor: str, sizes: dict, team: dict) -> None:
    """Both teams' calls, interleaved by started_at, in chunks of CHUNK rows."""
    from django.db import connection

    connection.ensure_connection()
    raw, total, done, start = connection.connection, sum(sizes.values()), 0, time.perf_counter()
    cols = ", ".join(COLUMNS)
    merged = heapq.merge(
        *(team_rows(n, team, tid, seed=i + 3) for i, (tid, n) in enumerate(sizes.items())),
        key=lambda pair: pair[0],
    )
    chunk = []
    for i, (_, row) in enumerate(merged):
        chunk.append(row)
        if len(chunk) < CHUNK and i < total - 1:
            continue
        if vendor == "postgresql":
            with (
                raw.transaction(),
                raw.cursor() as cur,
                cur.copy(f"COPY calls_call ({cols}) FROM STDIN") as copy,
            ):
                for r in chunk:
                    copy.write_row(r)
        else:
            raw.execute("BEGIN IMMEDIATE")
            raw.executemany(
                f"INSERT INTO calls_call ({cols}) VALUES ({', '.join('?' * len(COLUMNS))})",
                [sqlite_row(r) for r in chunk],
            )
            raw.execute("COMMIT")
        done += len(chunk)
        chunk = []
        log(
            f"  loaded {done:,}/{total:,} calls ({done / (time.perf_counter() - start):,.0f} rows/s)"
        )
    if vendor == "postgresql":
        raw.execute("VACUUM ANALYZE calls_call")
        log("VACUUM ANALYZE calls_call done")


def rebuild(vendor: str, team_ids: list[str], total: int) -> tuple[int, float]:
    from django.db import connection, transaction

    from callstudio.pipeline.rebuild import rebuild as rollups_rebuild

    start = time.perf_counter()

    def progress(n: int) -> None:
        if n % 100_000 == 0 or n == total:
            log(
                f"  rollups: counted {n:,} calls ({n / (time.perf_counter() - start):,.0f} calls/s)"
            )

    with transaction.atomic():
        counted = rollups_rebuild(team_ids, progress=progress)
    elapsed = time.perf_counter() - start
    log(f"rollups rebuilt from {counted:,} calls in {elapsed:.1f} s")
    if vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE analytics_dayrollup")
            cur.execute("VACUUM ANALYZE analytics_termrollup")
    return counted, elapsed


def raw_params(team_id: str, first: date, last: date) -> list:
    from django.db import connection

    def at(d: date):
        return connection.ops.adapt_datetimefield_value(
            datetime(d.year, d.month, d.day, tzinfo=UTC)
        )

    return [team_id, False, at(first), at(last + timedelta(days=1))]


def raw_group_by(vendor: str, params: list) -> tuple[list, list]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(BY_DAY_SQL.format(day=DAY_EXPR[vendor]), params)
        days = cur.fetchall()
        cur.execute(BY_AGENT_SQL, params)
        agents = cur.fetchall()
    return days, agents


def explain(sql: str, params: list, vendor: str) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(("EXPLAIN " if vendor == "postgresql" else "EXPLAIN QUERY PLAN ") + sql, params)
        plan = [str(r[-1]).strip() for r in cur.fetchall()]
    key = re.compile(r"Scan|Aggregate|Sort|^(SEARCH|SCAN) |TEMP B-TREE|Gather")
    return " | ".join([p for p in plan if key.search(p)] or plan)


def _close(a, b, unit: float) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= unit * 1.01 + 1e-9 * max(1.0, abs(a), abs(b))


def _figures(row) -> dict:
    """The endpoint's figures, from one raw row's sums (same rounding as the selector)."""
    calls, inbound, outbound, duration, agent_talk, customer_talk, silence, base, sent, rated = row
    talk = (agent_talk or 0) + (customer_talk or 0)
    return {
        "calls": calls,
        "inbound": inbound,
        "outbound": outbound,
        "duration": round(duration or 0, 3),
        "talk_ratio": round(agent_talk / talk, 4) if talk else None,
        "silence_share": round(silence / base, 4) if base else None,
        "avg_sentiment": round(sent / rated, 4) if rated else None,
    }


def compare(result: dict, days: list, agents: list) -> list[str]:
    """Where the endpoint's figures differ from the raw GROUP BY's (empty: they agree)."""
    problems = []

    def check(where: str, got, want, unit: float = 0) -> None:
        ok = got == want if unit == 0 else _close(got, want, unit)
        if not ok:
            problems.append(f"{where}: endpoint {got!r}, raw {want!r}")

    raw_days = {str(d[0]): _figures(d[1:]) for d in days}
    for day in result["by_day"]:
        want = raw_days.pop(day["day"], None) or _figures((0, 0, 0, 0, 0, 0, 0, 0, None, 0))
        for key, got_key, unit in (
            ("calls", "calls", 0),
            ("inbound", "inbound", 0),
            ("outbound", "outbound", 0),
            ("duration", "duration_seconds", 0.001),
            ("avg_sentiment", "avg_sentiment", 0.0001),
        ):
            check(f"{day['day']} {key}", day[got_key], want[key], unit)
    problems += [f"raw day {d} is outside the endpoint's range" for d in raw_days]
    sums = [sum(d[i] or 0 for d in days) for i in range(1, 11)]
    total = _figures(sums)
    for key, got, unit in (
        ("calls", result["calls"], 0),
        ("inbound", result["inbound"], 0),
        ("outbound", result["outbound"], 0),
        ("duration", result["total_duration_seconds"], 0.001),
        ("talk_ratio", result["talk_ratio"], 0.0001),
        ("silence_share", result["silence_share"], 0.0001),
        ("avg_sentiment", result["sentiment"]["average"], 0.0001),
    ):
        check(f"total {key}", got, total[key], unit)
    board = {
        (a["agent"] or {}).get("account_id"): a for a in (result["agents"] or []) if a["calls"]
    }
    if len(board) != len(agents):
        problems.append(f"leaderboard: endpoint {len(board)} agents, raw {len(agents)}")
    for row in agents:
        account_id, want = row[11], _figures(row[1:11])
        got = board.get(account_id)
        if got is None:
            problems.append(f"agent {account_id}: missing from the endpoint's leaderboard")
            continue
        for key, got_key, unit in (
            ("calls", "calls", 0),
            ("duration", "total_duration_seconds", 0.001),
            ("talk_ratio", "talk_ratio", 0.0001),
            ("silence_share", "silence_share", 0.0001),
            ("avg_sentiment", "avg_sentiment", 0.0001),
        ):
            check(f"agent {account_id} {key}", got[got_key], want[key], unit)
    return problems


def in_process(team: dict, vendor: str, args, first: date, last: date) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from callstudio.access.policy import org_access, team_access
    from callstudio.analytics.selectors import team_analytics

    org = org_access(team["supervisor"], team["org"])
    out = {"plans": {}, "checks": {}, "queries": {}}
    cases = {}
    for label, team_id in zip(("big", "small"), team["teams"], strict=True):
        access = team_access(org, team_id)
        params = raw_params(team_id, first, last)
        with CaptureQueriesContext(connection) as queries:
            result = team_analytics(access=access, start=first.isoformat(), end=last.isoformat())
        days, agents = raw_group_by(vendor, params)
        out["checks"][label] = (result["calls"], compare(result, days, agents))
        out["queries"][label] = len(queries)
        if label == "big":
            out["plans"] = {
                **{
                    f"selector #{i + 1}": explain(q["sql"], [], vendor)
                    for i, q in enumerate(queries)
                    if "rollup" in q["sql"]
                },
                "raw by day": explain(BY_DAY_SQL.format(day=DAY_EXPR[vendor]), params, vendor),
                "raw by agent": explain(BY_AGENT_SQL, params, vendor),
            }
        cases[f"selector {label}"] = lambda access=access: team_analytics(
            access=access, start=first.isoformat(), end=last.isoformat()
        )
        cases[f"raw {label}"] = lambda params=params: raw_group_by(vendor, params)
    full, selectors = list(cases), [k for k in cases if k.startswith("selector")]
    times = {k: [] for k in cases}
    start, rounds = time.monotonic(), args.warmup + args.rounds
    for i in range(rounds):
        measured = i >= args.warmup
        for case in full[i % 4 :] + full[: i % 4]:
            t0 = time.perf_counter()
            cases[case]()
            if measured:
                times[case].append((time.perf_counter() - t0) * 1000)
        for j in range(args.between):
            for case in selectors if (i + j) % 2 == 0 else selectors[::-1]:
                t0 = time.perf_counter()
                cases[case]()
                if measured:
                    times[case].append((time.perf_counter() - t0) * 1000)
        spent = time.monotonic() - start
        if measured and (i + 1 - args.warmup) % 5 == 0:
            log(
                f"  round {i + 1 - args.warmup}/{args.rounds}: "
                + ", ".join(f"{k} {pct(v, 50):.2f} ms" for k, v in times.items() if len(v) > 1)
            )
        if measured and i + 1 - args.warmup >= 5 and spent > args.budget:
            log(f"  time budget spent after {i + 1 - args.warmup} measured full rounds")
            break
    out["times"] = times
    out["breakdown"] = breakdown(cases, args.breakdown)
    return out


def breakdown(cases: dict, rounds: int) -> dict:
    """Where the selector's time goes, big vs small: each of its queries (captured with their
    parameters, then replayed by execute + fetchall) and the whole call, p50 ms over `rounds`
    rounds alternating big and small."""
    from django.db import connection

    labels = [k for k in cases if k.startswith("selector")]
    captured = {}
    for case in labels:
        seen = []

        def spy(execute, sql, params, many, context, seen=seen):
            seen.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(spy):
            cases[case]()
        captured[case] = seen
    per = {k: {} for k in labels}
    for i in range(rounds):
        for case in labels if i % 2 == 0 else labels[::-1]:
            for j, (sql, params) in enumerate(captured[case]):
                t0 = time.perf_counter()
                with connection.cursor() as cur:
                    cur.execute(sql, params)
                    cur.fetchall()
                what = re.search(r"FROM \"?(\w+)\"?", sql).group(1).replace("analytics_", "")
                per[case].setdefault(f"#{j + 1} {what}", []).append(
                    (time.perf_counter() - t0) * 1000
                )
            t0 = time.perf_counter()
            cases[case]()
            per[case].setdefault("whole call", []).append((time.perf_counter() - t0) * 1000)
    return {k: {q: pct(v, 50) for q, v in qs.items()} for k, qs in per.items()}


def over_http(base: str, team: dict, args, first: date, last: date) -> tuple[dict, dict]:
    query = {"from": first.isoformat(), "to": last.isoformat()}
    path = f"/api/v1/orgs/{team['org']}/teams/{{}}/analytics"
    cases = {
        "big": path.format(team["teams"][0]),
        "small": path.format(team["teams"][1]),
        "me": "/api/v1/me",
    }
    auth = {"Authorization": f"Bearer {team['tokens']['supervisor']}"}
    times, calls, order = {k: [] for k in cases}, {}, list(cases)
    with httpx.Client(base_url=base, timeout=60, headers=auth) as client:
        for i in range(args.warmup + args.requests):
            for case in order[i % 3 :] + order[: i % 3]:
                t0 = time.perf_counter()
                r = client.get(cases[case], params=None if case == "me" else query)
                elapsed = (time.perf_counter() - t0) * 1000
                if r.status_code != 200:
                    raise RuntimeError(f"{case}: HTTP {r.status_code} {r.text[:300]}")
                if i >= args.warmup:
                    times[case].append(elapsed)
                if case != "me":
                    calls[case] = (r.json()["calls"], len(r.content))
    return times, calls


def rollup_rows(team_ids: list[str]) -> dict:
    from django.db.models import Count

    from callstudio.analytics.models import DayRollup, TermRollup

    out = {}
    for model in (DayRollup, TermRollup):
        counts = dict(
            model.objects.filter(team_id__in=team_ids)
            .values_list("team_id")
            .annotate(n=Count("id"))
            .values_list("team_id", "n")
        )
        out[model.__name__] = [counts.get(t, 0) for t in team_ids]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: a new SQLite file)")
    parser.add_argument("--calls", type=int, default=1_000_000, help="calls in the big team")
    parser.add_argument("--rounds", type=int, default=30, help="measured full rounds")
    parser.add_argument(
        "--between", type=int, default=10, help="selector-only rounds after each full round"
    )
    parser.add_argument("--requests", type=int, default=200, help="measured HTTP rounds")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up rounds (HTTP: x5)")
    parser.add_argument(
        "--budget", type=float, default=300, help="seconds at most for the in-process rounds"
    )
    parser.add_argument(
        "--breakdown", type=int, default=20, help="rounds timing each of the selector's queries"
    )
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even over a target")
    args = parser.parse_args()
    n_big, n_small = args.calls, args.calls // 10
    first, last = START.date(), START.date() + timedelta(days=DAYS - 1)
    with Bench(args.database_url, "bench_analytics") as bench:
        team = build_team(20, teams=2)
        sizes = dict(zip(team["teams"], (n_big, n_small), strict=True))
        log(f"org built; loading {n_big:,} + {n_small:,} analysed calls into calls_call")
        t0 = time.perf_counter()
        load(bench.vendor, sizes, team)
        log(f"loaded in {time.perf_counter() - t0:.0f} s; rebuilding the rollups")
        counted, t_rebuild = rebuild(bench.vendor, team["teams"], n_big + n_small)
        rows = rollup_rows(team["teams"])
        log("in-process rounds")
        local = in_process(team, bench.vendor, args, first, last)
        log("HTTP rounds")
        http_args = argparse.Namespace(**{**vars(args), "warmup": args.warmup * 5})
        http, http_calls = over_http(bench.serve(), team, http_args, first, last)
    print(
        f"\n== analytics: {bench.vendor}, {n_big:,} and {n_small:,} calls in two teams, 20 agents, "
        f"{first} to {last} ({DAYS} days) ==\n   {context()}"
    )
    print(
        f"rollups rebuilt from {counted:,} calls (the analysed unarchived ones) in {t_rebuild:.1f} s "
        f"({counted / t_rebuild:,.0f} calls/s); rows big / small: "
        + ", ".join(f"{k} {v[0]:,} / {v[1]:,}" for k, v in rows.items())
    )
    for case, plan in local["plans"].items():
        print(f"  plan, {case:<13}: {plan}")
    checks = []
    for label, (calls, problems) in local["checks"].items():
        for p in problems[:10]:
            print(f"  MISMATCH {label}: {p}")
        checks.append(
            (
                f"{label}: endpoint = raw GROUP BY ({calls:,} calls, {local['queries'][label]} queries)",
                None,
                "same figures",
                not problems,
            )
        )
    t = local["times"]
    p50 = {k: pct(v, 50) for k, v in t.items()}
    for k, v in t.items():
        print(f"{k:<14} p50 {p50[k]:9.2f} ms   p90 {pct(v, 90):9.2f} ms   ({len(v)} samples)")
    ratio = p50["selector big"] / p50["raw big"]
    growth = p50["selector big"] / p50["selector small"]
    checks.append(
        (
            f"endpoint / raw GROUP BY p50, {n_big:,} calls",
            ratio,
            f"<= {RAW_TARGET}",
            ratio <= RAW_TARGET,
        )
    )
    checks.append(
        (
            f"endpoint p50 {n_big:,} / {n_small:,} calls",
            growth,
            f"<= {GROWTH_TARGET}",
            growth <= GROWTH_TARGET,
        )
    )
    print(
        f"raw GROUP BY {n_big:,} / {n_small:,} calls p50: {p50['raw big'] / p50['raw small']:.2f} "
        "(context)"
    )
    for label, queries in local["breakdown"].items():
        print(
            f"{label}, p50 ms per query (replayed) over {args.breakdown} rounds: "
            + ", ".join(f"{q} {v:.2f}" for q, v in queries.items())
        )
    hp = {k: pct(v, 50) for k, v in http.items()}
    print(
        f"HTTP GET .../analytics (whole year), {args.requests} each, context: "
        + ", ".join(
            f"{k} p50 {hp[k]:.2f} ms p90 {pct(http[k], 90):.2f} ms "
            f"({http_calls[k][0]:,} calls, {http_calls[k][1] / 1000:.0f} KB)"
            for k in ("big", "small")
        )
        + f"; GET /me p50 {hp['me']:.2f} ms; big / small {hp['big'] / hp['small']:.2f}, "
        f"big / raw GROUP BY {hp['big'] / p50['raw big']:.4f}"
    )
    calls_ok = (
        http_calls["big"][0] == local["checks"]["big"][0]
        and http_calls["small"][0] == (local["checks"]["small"][0])
    )
    checks.append(("HTTP calls = in-process calls, both teams", None, "equal", calls_ok))
    for name, value, target, ok in checks:
        shown = f"{value:8.4f}" if value is not None and not math.isnan(value) else " " * 8
        print(f"{name:<60}{shown}   target {target:<12} {'PASS' if ok else 'FAIL'}")
    ok = all(c[3] for c in checks)
    print(f"RESULT: {'PASS' if ok else 'FAIL'}")
    return 0 if ok or args.no_fail else 1


if __name__ == "__main__":
    sys.exit(main())
