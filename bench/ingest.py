"""How fast do calls go in, next to the fastest way the database itself takes the same rows?

Targets (the issue), all measured side by side in one run:
- streaming N calls (default 50,000) to `POST /api/v1/workflows/{wf}/calls/stream`: calls/s at
  least 0.25 of the floor on PostgreSQL, 0.20 on SQLite;
- single-call `POST /api/v1/workflows/{wf}/calls` p50 at most 2.0 x the p50 of an authenticated
  trivial read (`GET /api/v1/me`, personal token) on the same server, interleaved;
- the server's peak memory (VmHWM of the process listening on the port) at most 300 MB after
  the stream.

Method:
1. A fresh data dir and database (a new SQLite file, or a new PostgreSQL database `bench_ingest`
   beside the one --database-url names, dropped at the end); `callstudio migrate`; an org with
   two teams, an admin, a supervisor and 20 agents, an ingest key (the service behind
   `POST /orgs/{org}/api-keys`) and a personal token, built with the ORM in this process.
2. N realistic calls (10-14 transcript segments, agent named by the email of a team member,
   customer, tags, metadata; 1 in 3 gives ended_at instead of duration_seconds) generated once,
   as NDJSON lines, and as the very rows the server stores (derived figures from
   callstudio.calls.derive) for the floor.
3. The floor: those rows into `bench_floor_calls`, a table with calls_call's columns and indexes
   (PostgreSQL: `CREATE TABLE ... (LIKE calls_call INCLUDING ALL)`, rows by psycopg `COPY`;
   SQLite: calls_call's own CREATE TABLE/INDEX statements renamed, rows by one `executemany`
   INSERT in one transaction, in the same database file). Measured before and after the stream
   (emptied in between); the faster one is the floor, which only makes the target harder.
4. The real server (`callstudio serve`); the stream goes out as a generator of ~256 KB chunks
   (httpx `content=`, chunked transfer encoding) from lines prepared in advance; its time runs
   from the request to the response. Then the count of the team's rows, then the same stream
   again (all duplicates), timed.
5. Single calls (new external_ids, into the second team) and `GET /me`, one after the other,
   the order flipping every round, after a warm-up. Client and server share this machine.

Usage: python bench/ingest.py [--database-url URL] [--calls N] [--requests N] [--no-fail]
Exits 1 when a target is missed, unless --no-fail.
"""

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import orjson

from _harness import COLUMNS, Bench, build_team, context, log, pct, sqlite_row

FLOOR_TARGET = {"postgresql": 0.25, "sqlite": 0.20}
LATENCY_TARGET, MEMORY_TARGET_MB = 2.0, 300
WORDS = [
    "account",
    "billing",
    "cancel",
    "contract",
    "delivery",
    "discount",
    "email",
    "invoice",
    "issue",
    "monday",
    "order",
    "payment",
    "plan",
    "price",
    "refund",
    "renewal",
    "schedule",
    "service",
    "support",
    "thanks",
    "ticket",
    "trial",
    "upgrade",
    "warranty",
    "yes",
    "no",
    "could",
    "you",
    "please",
    "check",
    "my",
    "the",
    "a",
    "we",
    "can",
    "see",
    "that",
    "it",
    "is",
    "was",
    "will",
    "be",
    "for",
    "on",
    "in",
    "with",
    "about",
    "today",
    "tomorrow",
    "next",
    "week",
    "number",
    "address",
    "update",
    "confirm",
    "sorry",
    "great",
    "perfect",
    "understand",
]
TAGS = ["billing", "churn-risk", "upsell", "complaint", "onboarding", "renewal", "vip", "callback"]


class Segment(dict):
    """A transcript segment for callstudio.calls.derive, read by attribute or by key."""

    __getattr__ = dict.__getitem__


def make_calls(
    n: int, team: dict, team_id: str, prefix: str, seed: int
) -> tuple[list[bytes], list[tuple]]:
    """n calls as NDJSON lines, and as the rows the server stores for them."""
    from callstudio.calls.derive import talk_figures

    rng = random.Random(seed)
    sentences = [
        " ".join(rng.choices(WORDS, k=rng.randint(6, 24))).capitalize() + "." for _ in range(3000)
    ]
    agents = [(a.email, a.pk) for a in team["agents"]]
    t0, now = datetime(2026, 9, 1, 8, tzinfo=UTC), datetime.now(UTC)
    lines, rows = [], []
    for i in range(n):
        started = t0 + timedelta(seconds=i * 90 + rng.randint(0, 80))
        transcript, t, speaker = [], 0.0, "agent"
        for _ in range(rng.randint(10, 14)):
            start = round(t + rng.uniform(0, 2.5), 2)
            end = round(start + rng.uniform(2, 30), 2)
            text = " ".join(rng.sample(sentences, rng.randint(1, 2)))
            transcript.append({"speaker": speaker, "start": start, "end": end, "text": text})
            t = end
            speaker = (
                speaker if rng.random() < 0.15 else ("customer" if speaker == "agent" else "agent")
            )
        duration = round(t + rng.uniform(1, 20), 2)
        email, agent_pk = rng.choice(agents)
        call = {
            "external_id": f"{prefix}-{i:07d}",
            "started_at": started.isoformat().replace("+00:00", "Z"),
            "direction": rng.choice(["inbound", "outbound"]),
            "agent": {"email": email},
            "customer": {
                "name": f"Customer {rng.randint(1, 99999)}",
                "phone": f"+4420{rng.randint(10**7, 10**8 - 1)}",
            },
            "transcript": transcript,
            "recording_url": f"https://recordings.example.com/{prefix}/{i}.mp3",
            "tags": rng.sample(TAGS, rng.randint(0, 3)),
            "metadata": {
                "queue": rng.choice(["sales", "support", "retention"]),
                "crm_id": f"CRM-{rng.randint(1, 10**6)}",
                "campaign": f"q{rng.randint(1, 4)}-2026",
                "ivr_path": [1, rng.randint(1, 9)],
            },
        }
        if i % 3 == 0:
            ended = started + timedelta(seconds=duration)
            call["ended_at"] = ended.isoformat().replace("+00:00", "Z")
        else:
            call["duration_seconds"] = duration
        lines.append(orjson.dumps(call) + b"\n")
        figures = talk_figures([Segment(s) for s in transcript], duration)
        rows.append(
            (
                team["org"],
                team_id,
                call["external_id"],
                started,
                started + timedelta(seconds=duration),
                duration,
                call["direction"],
                agent_pk,
                f"email:{email}",
                orjson.dumps(call["customer"]).decode(),
                orjson.dumps(transcript).decode(),
                call["recording_url"],
                orjson.dumps(call["tags"]).decode(),
                orjson.dumps(call["metadata"]).decode(),
                False,
                *figures.values(),
                now,
            )
        )
        if (i + 1) % 10_000 == 0:
            log(f"  generated {i + 1:,}/{n:,} calls")
    return lines, rows


def floor_setup(vendor: str) -> None:
    """bench_floor_calls: calls_call's columns and indexes, empty."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_floor_calls")
        if vendor == "postgresql":
            cur.execute("CREATE TABLE bench_floor_calls (LIKE calls_call INCLUDING ALL)")
            return
        cur.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'calls_call' AND sql IS NOT NULL"
        )
        for kind, name, sql in cur.fetchall():
            sql = sql.replace('"calls_call"', '"bench_floor_calls"')
            if kind == "index":
                sql = sql.replace(f'"{name}"', f'"bench_floor_{name}"')
            cur.execute(sql)


def floor_run(vendor: str, rows: list[tuple]) -> float:
    """Seconds to put `rows` into the empty bench_floor_calls in one transaction."""
    from django.db import connection

    floor_setup(vendor)
    cols = ", ".join(COLUMNS)
    connection.ensure_connection()
    raw = connection.connection
    if vendor == "postgresql":
        start = time.perf_counter()
        with (
            raw.transaction(),
            raw.cursor() as cur,
            cur.copy(f"COPY bench_floor_calls ({cols}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return time.perf_counter() - start
    rows = [sqlite_row(row) for row in rows]
    sql = f"INSERT INTO bench_floor_calls ({cols}) VALUES ({', '.join('?' * len(COLUMNS))})"
    start = time.perf_counter()
    raw.execute("BEGIN IMMEDIATE")
    raw.executemany(sql, rows)
    raw.execute("COMMIT")
    return time.perf_counter() - start


def stream(
    client: httpx.Client, url: str, lines: list[bytes], headers: dict
) -> tuple[float, float, dict]:
    """(seconds to the response, seconds to the last byte sent, the response body)."""
    done = {}

    def body(size=256 * 1024):
        buf, held = [], 0
        for line in lines:
            buf.append(line)
            held += len(line)
            if held >= size:
                yield b"".join(buf)
                buf, held = [], 0
        if buf:
            yield b"".join(buf)
        done["sent"] = time.perf_counter()

    start = time.perf_counter()
    r = client.post(
        url, content=body(), headers={**headers, "Content-Type": "application/x-ndjson"}
    )
    elapsed = time.perf_counter() - start
    if r.status_code != 200:
        raise RuntimeError(f"stream: HTTP {r.status_code} {r.text[:300]}")
    return elapsed, done["sent"] - start, r.json()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: a new SQLite file)")
    parser.add_argument("--calls", type=int, default=50_000, help="calls in the stream")
    parser.add_argument("--requests", type=int, default=500, help="measured single-call rounds")
    parser.add_argument("--warmup", type=int, default=50, help="warm-up single-call rounds")
    parser.add_argument(
        "--no-fail", action="store_true", help="exit 0 even when a target is missed"
    )
    args = parser.parse_args()
    n, checks = args.calls, []
    with Bench(args.database_url, "bench_ingest") as bench:
        from callstudio.calls.models import Call

        team = build_team(20, teams=2)
        log(f"org built; generating {n:,} calls")
        lines, rows = make_calls(n, team, team["teams"][0], "stream", seed=1)
        singles, _ = make_calls(
            args.warmup + args.requests, team, team["teams"][1], "single", seed=2
        )
        size = sum(map(len, lines))
        floors = [floor_run(bench.vendor, rows)]
        log(f"floor, pass 1: {floors[0]:.2f} s")
        base = bench.serve()
        key = {"Authorization": f"Bearer {team['ingest_key']}"}
        me = {"Authorization": f"Bearer {team['tokens']['admin']}"}
        url = f"/api/v1/workflows/{team['workflows'][0]}/calls/stream"
        with httpx.Client(base_url=base, timeout=httpx.Timeout(600)) as client:
            client.get("/api/v1/me", headers=me).raise_for_status()
            rss_before = bench.memory_kb("VmRSS")
            log(f"streaming {n:,} calls ({size / 1e6:.0f} MB)")
            t_stream, t_sent, result = stream(client, url, lines, key)
            hwm = bench.memory_kb("VmHWM")
            log(
                f"stream: {t_stream:.2f} s, {result['accepted']} accepted, {len(result['rejected'])} rejected"
            )
            stored = Call.objects.filter(team_id=team["teams"][0]).count()
            log("resending the same stream")
            t_resend, _, again = stream(client, url, lines, key)
            floors.append(floor_run(bench.vendor, rows))
            log(f"floor, pass 2: {floors[1]:.2f} s; now single calls and GET /me, interleaved")
            single_url = f"/api/v1/workflows/{team['workflows'][1]}/calls"
            times = {"post": [], "me": []}
            for i, line in enumerate(singles):
                for case in ("post", "me") if i % 2 == 0 else ("me", "post"):
                    t0 = time.perf_counter()
                    if case == "post":
                        r = client.post(
                            single_url,
                            content=line,
                            headers={**key, "Content-Type": "application/json"},
                        )
                    else:
                        r = client.get("/api/v1/me", headers=me)
                    times[case].append((time.perf_counter() - t0) * 1000)
                    if r.status_code != (201 if case == "post" else 200):
                        raise RuntimeError(f"{case}: HTTP {r.status_code} {r.text[:300]}")
                if i + 1 == args.warmup:
                    times = {"post": [], "me": []}
        hwm_end = bench.memory_kb("VmHWM")
        floor = min(floors)
        segments = sum(len(orjson.loads(r[10])) for r in rows[:1000]) / min(n, 1000)
        print(
            f"\n== ingest: {bench.vendor}, {n:,} calls ({segments:.1f} segments and {size / n / 1000:.1f} KB "
            f"per call, {size / 1e6:.0f} MB) ==\n   {context()}; client, server and database on this machine"
        )
        floor_how = "COPY" if bench.vendor == "postgresql" else "executemany, 1 transaction"
        print(
            f"floor ({floor_how}) into bench_floor_calls: {floors[0]:.2f} s and {floors[1]:.2f} s "
            f"-> {n / floor:,.0f} calls/s"
        )
        print(
            f"stream POST .../calls/stream: {t_stream:.2f} s -> {n / t_stream:,.0f} calls/s "
            f"(last byte sent after {t_sent:.2f} s)"
        )
        ratio = (n / t_stream) / (n / floor)
        checks.append(
            (
                "stream calls/s / floor calls/s",
                ratio,
                f">= {FLOOR_TARGET[bench.vendor]}",
                ratio >= FLOOR_TARGET[bench.vendor],
            )
        )
        checks.append(
            (
                f"stream result accepted={result['accepted']:,} rejected={len(result['rejected'])}",
                None,
                f"== {n:,}",
                result["accepted"] == n and not result["rejected"],
            )
        )
        checks.append((f"rows stored for the team: {stored:,}", None, f"== {n:,}", stored == n))
        print(f"resend of the same stream: {t_resend:.2f} s ({n / t_resend:,.0f} calls/s)")
        checks.append(
            (
                f"resend accepted={again['accepted']:,} duplicates={again['duplicates']:,}",
                None,
                f"0 and {n:,}",
                again["accepted"] == 0 and again["duplicates"] == n,
            )
        )
        post, get = pct(times["post"], 50), pct(times["me"], 50)
        print(
            f"single POST .../calls p50 {post:.2f} ms p90 {pct(times['post'], 90):.2f} ms; "
            f"GET /me p50 {get:.2f} ms p90 {pct(times['me'], 90):.2f} ms ({args.requests} each)"
        )
        checks.append(
            (
                "single-call POST p50 / GET /me p50",
                post / get,
                f"<= {LATENCY_TARGET}",
                post / get <= LATENCY_TARGET,
            )
        )
        print(
            f"server (pid {bench.pid}): VmRSS {rss_before / 1024:.0f} MB before the stream, VmHWM "
            f"{hwm / 1024:.0f} MB after it, {hwm_end / 1024:.0f} MB at the end"
        )
        checks.append(
            (
                "server peak memory after the stream, MB",
                hwm / 1024,
                f"<= {MEMORY_TARGET_MB}",
                hwm / 1024 <= MEMORY_TARGET_MB,
            )
        )
    for name, value, target, ok in checks:
        shown = f"{value:8.2f}" if value is not None else " " * 8
        print(f"{name:<52}{shown}   target {target:<10} {'PASS' if ok else 'FAIL'}")
    ok = all(c[3] for c in checks)
    print(f"RESULT: {'PASS' if ok else 'FAIL'}")
    return 0 if ok or args.no_fail else 1


if __name__ == "__main__":
    sys.exit(main())
