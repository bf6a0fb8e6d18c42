"""How fast do calls go in, next to the fastest way the database itself takes the same rows?

Targets (the issue), all measured side by side in one run:
- streaming N calls (default 50,000; issue 14 measures 20,000) to
  `POST /api/v1/workflows/{wf}/calls/stream`: calls/s at least 0.35 of the floor, both databases;
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
3. The floor: the same rows as the server writes, in one transaction: those rows into
   `bench_floor_calls`, a table with calls_call's columns and indexes, and their search index
   entries (built in advance as the server builds them) into `bench_floor_search`, the index's
   table (PostgreSQL: `CREATE TABLE ... (LIKE calls_call / search_document INCLUDING ALL)`, rows
   by psycopg `COPY`; SQLite: calls_call's own CREATE TABLE/INDEX statements renamed and the FTS5
   table as search/index.py creates it, rows by one `executemany` INSERT each, in the same
   database file). Measured before and after the stream (emptied in between); the faster one is
   the floor, which only makes the target harder. The floor of the calls alone is measured and
   printed too, not judged; --without-search-index runs the server with
   CALLSTUDIO_SEARCH_INDEX=0 and judges against it.
4. The real server (`callstudio serve`); the stream goes out as a generator of ~256 KB chunks
   (httpx `content=`, chunked transfer encoding) from lines prepared in advance; its time runs
   from the request to the response. Then the count of the team's rows, then the same stream
   again (all duplicates), timed.
5. Single calls (new external_ids, into the second team) and `GET /me`, one after the other,
   the order flipping every round, after a warm-up. Client and server share this machine.

The in-process worker of `callstudio serve` analyses the streamed calls meanwhile (issue #5); the
report says how many were still waiting for it when the stream ended and at the end of the run.

--rules (issue #5): does a team's alert rules and automations slow its ingestion? Target:
streaming into a team with five alert rules and three automations keeps at least 0.8 x the
calls/s of streaming into a team with none, side by side in one run.
1. A fresh data dir and database (PostgreSQL: `bench_ingest_rules`, dropped at the end); one
   org, two teams ('rules' and 'none', the same 20 agents); in 'rules', as its supervisor,
   through the services behind the API: alert rules on a keyword (five phrases), sentiment
   below, duration above, an agent who is no member, a metadata value; automations on arrival
   that add a tag (keyword) and archive a call (short, sales queue), and one on a raised alert
   (low sentiment) that posts a signed webhook to a receiver in this process, answering 200.
   The calls (as above, plus 2% naming an agent who is no member and a customer tier in the
   metadata) make each rule fire on a few percent of them (the keyword rule on ~10%).
2. The real server with its in-process worker, as in production. --rounds rounds (default 4) of
   two streams of --calls calls each (default 20,000; the same calls, into each team), the order
   flipping every round. Before each stream nothing is pending (calls or deliveries), so each
   stream competes only with its own analysis. A thread counts pending calls every 50 ms:
   calls/s of the stream (request to response), when the first analysis batch committed (from
   the stream's start, and the first after the stream's end), and analysis throughput: calls
   analysed per second from the stream's start until none is pending. p50 of each side; ratio
   rules / none.
3. Checks: every call accepted; the alerts per rule, archived and tagged calls equal what
   `rules.conditions.holds` says of the stored calls; every webhook delivery delivered, received
   once, correctly signed; no alert in 'none'.

--search-index (issue 15): what does writing the search index in the ingestion transaction cost
the stream? Target: streaming with the index (CALLSTUDIO_SEARCH_INDEX=1, the default) keeps at
least 0.8 x the calls/s of the same stream without it (=0), side by side in one run.
1. A fresh data dir and database (PostgreSQL: `bench_ingest_search`, dropped at the end); one
   org, two teams ('index' and 'none', the same 20 agents).
2. --rounds rounds (default 4) of two streams of --calls calls each (default 20,000; the same
   calls, as above, into each team), the order flipping every round. Each stream goes to a
   server started for it (`callstudio serve`, its in-process worker running as in production)
   with CALLSTUDIO_SEARCH_INDEX=1 for 'index' and =0 for 'none'; before it starts, the previous
   stream's analysis has drained, so each stream competes only with its own. calls/s from the
   request to the response; p50 of each side; ratio index / none.
3. Checks: every call accepted; the index holds exactly the calls of 'index' (SQLite: the rows of
   the FTS5 table; PostgreSQL: search_document's rows by team). The index's size is reported as
   a share of the indexed calls' transcript text (segments' UTF-8 bytes).

Usage: python bench/ingest.py [--database-url URL] [--calls N] [--requests N] [--no-fail]
       python bench/ingest.py --rules [--database-url URL] [--calls N] [--rounds N] [--no-fail]
       python bench/ingest.py --search-index [--database-url URL] [--calls N] [--rounds N]
Exits 1 when a target is missed, unless --no-fail.
"""

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import orjson

from _harness import COLUMNS, Bench, build_team, context, log, pct, sqlite_row

FLOOR_TARGET = {"postgresql": 0.35, "sqlite": 0.35}
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
    n: int, team: dict, team_id: str, prefix: str, seed: int, variety: bool = False
) -> tuple[list[bytes], list[tuple]]:
    """n calls as NDJSON lines, and as the rows the server stores for them. `variety` (--rules)
    adds what some rules look for: 2% of calls name an agent who is no member, and metadata
    carries a customer tier ("vip" in 5%)."""
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
        if variety and rng.random() < 0.02:
            email, agent_pk = f"temp{rng.randint(1, 9)}@agency.example.com", None
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
        if variety:
            call["metadata"]["tier"] = "vip" if rng.random() < 0.05 else "standard"
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
                None,
                "[]",
                None,
                "[]",
            )
        )
        if (i + 1) % 10_000 == 0:
            log(f"  generated {i + 1:,}/{n:,} calls")
    return lines, rows


def floor_setup(vendor: str) -> None:
    """bench_floor_calls: calls_call's columns and indexes, empty; and bench_floor_search, the
    search index's table as the server writes it (search/index.py), empty."""
    from django.db import connection

    from callstudio.search.index import FTS_TABLE, PG_TABLE, create_sql

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_floor_calls")
        cur.execute("DROP TABLE IF EXISTS bench_floor_search")
        if vendor == "postgresql":
            cur.execute("CREATE TABLE bench_floor_calls (LIKE calls_call INCLUDING ALL)")
            cur.execute(f"CREATE TABLE bench_floor_search (LIKE {PG_TABLE} INCLUDING ALL)")
            cur.execute("ALTER TABLE bench_floor_search ALTER COLUMN doc SET STATISTICS 1000")
            return
        cur.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'calls_call' AND sql IS NOT NULL"
        )
        for kind, name, sql in cur.fetchall():
            sql = sql.replace('"calls_call"', '"bench_floor_calls"')
            if kind == "index":
                sql = sql.replace(f'"{name}"', f'"bench_floor_{name}"')
            cur.execute(sql)
        for sql in create_sql(vendor):
            cur.execute(sql.replace(FTS_TABLE, "bench_floor_search"))


def index_rows(vendor: str, rows: list[tuple]) -> list[tuple]:
    """The search index entries of `rows` (call ids 1, 2, ...), as the server writes them."""
    from callstudio.search.engines import fts_columns, sort_key, tsvector
    from callstudio.search.text import texts

    out = []
    for call_id, row in enumerate(rows, 1):
        runs = texts(
            transcript=orjson.loads(row[10]), customer=orjson.loads(row[9]), external_id=row[2]
        )
        key = sort_key(row[3], call_id)
        if vendor == "postgresql":
            out.append((call_id, row[0], row[1], key, tsvector(runs)))
        else:
            out.append((key, *fts_columns(runs)))
    return out


def floor_run(vendor: str, rows: list[tuple], entries: list[tuple] | None) -> float:
    """Seconds to put `rows` into the empty bench_floor_calls, and their search index entries
    (unless None) into bench_floor_search, in one transaction."""
    from django.db import connection

    from callstudio.search.index import FTS_COLUMNS, PG_COLUMNS

    floor_setup(vendor)
    cols = ", ".join(COLUMNS)
    connection.ensure_connection()
    raw = connection.connection
    if vendor == "postgresql":
        start = time.perf_counter()
        with raw.transaction(), raw.cursor() as cur:
            with cur.copy(f"COPY bench_floor_calls ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            if entries is not None:
                index_cols = ", ".join(PG_COLUMNS)
                with cur.copy(f"COPY bench_floor_search ({index_cols}) FROM STDIN") as copy:
                    for entry in entries:
                        copy.write_row(entry)
        return time.perf_counter() - start
    rows = [sqlite_row(row) for row in rows]
    sql = f"INSERT INTO bench_floor_calls ({cols}) VALUES ({', '.join('?' * len(COLUMNS))})"
    index_sql = (
        f"INSERT INTO bench_floor_search (rowid, {', '.join(FTS_COLUMNS)}) "
        f"VALUES ({', '.join('?' * (1 + len(FTS_COLUMNS)))})"
    )
    start = time.perf_counter()
    raw.execute("BEGIN IMMEDIATE")
    raw.executemany(sql, rows)
    if entries is not None:
        raw.executemany(index_sql, entries)
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


SECRET = "bench-webhook-secret"
RULES_TARGET = 0.8
# Five alert rules and three automations, as a supervisor would set them up. The generated
# transcripts are word salad that VADER scores between about 0.2 and 0.75, so the thresholds sit
# in that range: each rule fires on a few percent of calls, "Churn language" on about 10%.
ALERT_RULES = [
    (
        "Churn language",
        {
            "type": "keyword",
            "phrases": [
                "cancel my",
                "my refund",
                "cancel the contract",
                "close my account",
                "speak to a manager",
            ],
        },
    ),
    ("Unhappy customer", {"type": "sentiment_below", "value": 0.3}),
    ("Long call", {"type": "duration_above", "seconds": 280}),
    ("Agent not in the team", {"type": "agent_unknown"}),
    ("VIP customer", {"type": "metadata_equals", "key": "tier", "value": "vip"}),
]


def automations(receiver: str) -> list[tuple]:
    return [
        (
            "Tag refund requests",
            "call.ingested",
            [{"type": "keyword", "phrases": ["refund please", "my refund"]}],
            [{"type": "add_tag", "tag": "refund-request"}],
        ),
        (
            "Archive short sales calls",
            "call.ingested",
            [
                {"type": "duration_below", "seconds": 150},
                {"type": "metadata_equals", "key": "queue", "value": "sales"},
            ],
            [{"type": "archive_call"}],
        ),
        (
            "Escalate unhappy customers",
            "alert.raised",
            [{"type": "sentiment_below", "value": 0.3}],
            [{"type": "webhook", "url": receiver, "secret": SECRET}],
        ),
    ]


class Receiver:
    """A webhook receiver in this process, on a free port: answers 200, counts deliveries and
    checks their signatures."""

    def __init__(self):
        import hashlib
        import hmac
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        receiver = self
        self.received, self.bad, self.ids = 0, 0, set()
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                sig = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                with receiver.lock:
                    receiver.received += 1
                    receiver.ids.add(self.headers.get("X-CallStudio-Delivery"))
                    receiver.bad += not hmac.compare_digest(
                        sig, self.headers.get("X-CallStudio-Signature", "")
                    )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/callstudio"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def set_up_rules(team: dict, team_id: str, receiver: str) -> None:
    """The rules and automations, through the services behind the API, as the supervisor."""
    from callstudio.access.policy import org_access, team_access
    from callstudio.rules.services import alert_rule_create, automation_create

    access = team_access(org_access(team["supervisor"], team["org"]), team_id)
    for name, condition in ALERT_RULES:
        alert_rule_create(access=access, name=name, condition=condition)
    for name, trigger, conditions, actions in automations(receiver):
        automation_create(
            access=access, name=name, trigger=trigger, conditions=conditions, actions=actions
        )


def wait_until(done, what: str, timeout: float = 1800) -> float:
    """Poll `done()` every 50 ms; the perf_counter time it first held."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError(f"still waiting for {what} after {timeout:.0f} s")
        time.sleep(0.05)
    return time.perf_counter()


class Poller:
    """Counts pending calls every 50 ms in a thread of its own (its own connection), from before
    a stream starts until none is pending after it ended: when analysis started (the first
    batch committed) and when it was done."""

    def __init__(self, n: int):
        import threading

        self.n, self.series, self.stream_done = n, [], threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.start = time.perf_counter()
        self.thread.start()

    def run(self):
        from django.db import connection

        try:
            while True:
                left = pending_calls()
                self.series.append((time.perf_counter() - self.start, left))
                if left == 0 and self.stream_done.is_set():
                    return
                time.sleep(0.05)
        finally:
            connection.close()

    def done(self, timeout: float = 1800) -> dict:
        """After the stream: wait until none is pending; the analysis's timeline."""
        ended = time.perf_counter() - self.start
        self.stream_done.set()
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise RuntimeError(f"calls still pending after {timeout:.0f} s")
        # Pending only falls when an analysis batch commits.
        falls = [
            now[0]
            for before, now in zip(self.series, self.series[1:], strict=False)
            if now[1] < before[1]
        ]
        after = next((t for t in falls if t > ended), ended)
        return {"first_batch": falls[0], "resumed": after - ended, "analysed": self.series[-1][0]}


def pending_calls() -> int:
    from callstudio.calls.models import Call

    return Call.objects.filter(analyzed_at__isnull=True).count()


def pending_deliveries() -> int:
    from callstudio.rules.models import WebhookDelivery

    return WebhookDelivery.objects.filter(status=WebhookDelivery.PENDING).count()


def expected_effects(team_id: str, receiver: str) -> dict:
    """What the rules should have done to the team's stored calls, from the calls' stored
    sentiment, transcript, duration, agent and metadata (rules.conditions.holds)."""
    from callstudio.calls.models import Call
    from callstudio.rules.conditions import facts, holds

    autos = automations(receiver)
    out = {"alerts": dict.fromkeys((name for name, _ in ALERT_RULES), 0)}
    out.update(archived=0, tagged=0, deliveries=0, stored_archived=0, stored_tagged=0)
    calls = Call.objects.filter(team_id=team_id).values_list(
        "transcript", "sentiment", "duration_seconds", "agent_id", "metadata", "tags", "archived"
    )
    for transcript, sentiment, duration, agent_id, metadata, tags, archived in calls.iterator(
        chunk_size=2000
    ):
        seen = facts(
            transcript=transcript,
            sentiment=sentiment,
            duration=duration,
            agent_id=agent_id,
            metadata=metadata,
        )
        raised = [name for name, condition in ALERT_RULES if holds(condition, seen)]
        for name in raised:
            out["alerts"][name] += 1
        out["tagged"] += all(holds(c, seen) for c in autos[0][2])
        out["archived"] += all(holds(c, seen) for c in autos[1][2])
        out["deliveries"] += len(raised) * all(holds(c, seen) for c in autos[2][2])
        out["stored_archived"] += archived
        out["stored_tagged"] += "refund-request" in tags
    return out


def rules_main(args) -> int:
    """--rules: ingest into a team with rules next to a team without, streams alternated."""
    n, checks = args.calls, []
    receiver = Receiver()
    with Bench(args.database_url, "bench_ingest_rules") as bench:
        from django.db.models import Count

        from callstudio.rules.models import Alert, WebhookDelivery

        team = build_team(20, teams=2)
        teams = {"rules": team["teams"][0], "none": team["teams"][1]}
        workflows = dict(zip(teams, team["workflows"], strict=True))
        set_up_rules(team, teams["rules"], receiver.url)
        log(f"org built; {len(ALERT_RULES)} alert rules and 3 automations in team 'rules'")
        base = bench.serve()
        key = {"Authorization": f"Bearer {team['ingest_key']}"}
        runs = {label: [] for label in teams}
        with httpx.Client(base_url=base, timeout=httpx.Timeout(900)) as client:
            for r in range(args.rounds):
                lines, _ = make_calls(n, team, "", f"round{r}", seed=10 + r, variety=True)
                order = ["rules", "none"] if r % 2 == 0 else ["none", "rules"]
                for label in order:
                    wait_until(lambda: not pending_calls() and not pending_deliveries(), "idle")
                    url = f"/api/v1/workflows/{workflows[label]}/calls/stream"
                    poller = Poller(n)
                    t_stream, _, result = stream(client, url, lines, key)
                    backlog = pending_calls()
                    timeline = poller.done()
                    delivered = wait_until(lambda: not pending_deliveries(), "deliveries")
                    runs[label].append(
                        {
                            "stream": t_stream,
                            "accepted": result["accepted"],
                            "backlog": backlog,
                            **timeline,
                            "delivered": delivered - poller.start,
                        }
                    )
                    t = runs[label][-1]
                    log(
                        f"round {r + 1}/{args.rounds} {label:<5}: stream {t_stream:.2f} s "
                        f"({n / t_stream:,.0f} calls/s, {result['accepted']:,} accepted); "
                        f"{backlog:,} pending at its end; first batch analysed after "
                        f"{t['first_batch']:.1f} s, all after {t['analysed']:.1f} s "
                        f"({n / t['analysed']:,.0f} calls/s), deliveries done after "
                        f"{t['delivered']:.1f} s"
                    )
        hwm = bench.memory_kb("VmHWM")
        log("checking the rules' effects against the stored calls")
        expected = expected_effects(teams["rules"], receiver.url)
        alerts = dict(
            Alert.objects.filter(team_id=teams["rules"])
            .values_list("rule_name")
            .annotate(n=Count("id"))
            .values_list("rule_name", "n")
        )
        other_alerts = Alert.objects.filter(team_id=teams["none"]).count()
        deliveries = dict(
            WebhookDelivery.objects.values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
    receiver.close()
    total = n * args.rounds
    print(
        f"\n== ingest --rules: {bench.vendor}, {args.rounds} rounds of two {n:,}-call streams, "
        f"team 'rules' ({len(ALERT_RULES)} alert rules, 3 automations) and team 'none', "
        f"alternated ==\n   {context()}; client, server (its in-process worker) and database "
        "on this machine"
    )
    rate = {}
    for label, rs in runs.items():
        streams = [n / x["stream"] for x in rs]
        analysis = [n / x["analysed"] for x in rs]
        rate[label] = (pct(streams, 50), pct(analysis, 50))
        print(
            f"{label:<5} stream calls/s: "
            + ", ".join(f"{v:,.0f}" for v in streams)
            + f" -> p50 {rate[label][0]:,.0f}\n      analysed calls/s, stream start to none "
            "pending: "
            + ", ".join(f"{v:,.0f}" for v in analysis)
            + f" -> p50 {rate[label][1]:,.0f}\n      pending at the stream's end: "
            + ", ".join(f"{x['backlog']:,}" for x in rs)
            + "; first batch analysed after (s): "
            + ", ".join(f"{x['first_batch']:.1f}" for x in rs)
            + "; first batch committed after the stream's end, after (s): "
            + ", ".join(f"{x['resumed']:.1f}" for x in rs)
            + "; deliveries done after (s): "
            + ", ".join(f"{x['delivered']:.1f}" for x in rs)
        )
    print(
        f"analysis with / without rules, p50 calls/s: {rate['rules'][1] / rate['none'][1]:.2f} "
        f"(context); server VmHWM {hwm / 1024:.0f} MB"
    )
    print(
        "alerts raised (expected from the stored calls): "
        + ", ".join(f"{k} {alerts.get(k, 0):,} ({v:,})" for k, v in expected["alerts"].items())
        + f"; calls archived {expected['stored_archived']:,} ({expected['archived']:,}), "
        f"tagged {expected['stored_tagged']:,} ({expected['tagged']:,}); deliveries "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(deliveries.items()))
        + f" ({expected['deliveries']:,}); the receiver got {receiver.received:,} "
        f"({len(receiver.ids):,} distinct, {receiver.bad} badly signed)"
    )
    ratio = rate["rules"][0] / rate["none"][0]
    checks.append(
        (
            "stream calls/s with rules / without, p50",
            ratio,
            f">= {RULES_TARGET}",
            ratio >= RULES_TARGET,
        )
    )
    accepted = all(x["accepted"] == n for rs in runs.values() for x in rs)
    checks.append((f"every stream accepted {n:,}", None, "all", accepted))
    effects = (
        expected["alerts"] == {k: alerts.get(k, 0) for k in expected["alerts"]}
        and all(expected["alerts"].values())
        and other_alerts == 0
        and expected["archived"] == expected["stored_archived"] > 0
        and expected["tagged"] == expected["stored_tagged"] > 0
    )
    checks.append((f"alerts, archives, tags as the rules say ({total:,} calls)", None, "", effects))
    sent = deliveries.get("delivered", 0)
    checks.append(
        (
            f"deliveries: {sent:,} delivered, receiver got them, signed",
            None,
            "all",
            sent == expected["deliveries"] == sum(deliveries.values()) == len(receiver.ids)
            and receiver.bad == 0,
        )
    )
    for name, value, target, ok in checks:
        shown = f"{value:8.2f}" if value is not None else " " * 8
        print(f"{name:<56}{shown}   target {target:<10} {'PASS' if ok else 'FAIL'}")
    ok = all(c[3] for c in checks)
    print(f"RESULT: {'PASS' if ok else 'FAIL'}")
    return 0 if ok or args.no_fail else 1


SEARCH_TARGET = 0.8


def search_index_size(vendor: str) -> int:
    """Bytes of the search index: SQLite, the FTS5 table's shadow tables (dbstat); PostgreSQL,
    pg_total_relation_size of search_document (its GIN and B-tree included)."""
    from django.db import connection

    from callstudio.search.index import FTS_TABLE, PG_TABLE

    with connection.cursor() as cur:
        if vendor == "postgresql":
            cur.execute("SELECT pg_total_relation_size(%s)", [PG_TABLE])
        else:
            cur.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE %s", [FTS_TABLE + "%"])
        return cur.fetchone()[0]


def indexed_by_team(vendor: str, teams: dict) -> dict:
    """How many calls the search index holds, per team label (SQLite: the FTS5 table's rowids,
    each a call's sort key, joined to the calls; PostgreSQL: search_document's team column)."""
    from django.db import connection

    from callstudio.search.engines import MAX_ID
    from callstudio.search.index import FTS_TABLE, PG_TABLE

    with connection.cursor() as cur:
        if vendor == "postgresql":
            cur.execute(f"SELECT team_id, count(*) FROM {PG_TABLE} GROUP BY team_id")
        else:
            cur.execute(
                f"SELECT c.team_id, count(*) FROM {FTS_TABLE} f JOIN calls_call c "
                f"ON c.id = (f.rowid & {MAX_ID}) GROUP BY c.team_id"
            )
        found = dict(cur.fetchall())
    return {label: found.get(team_id, 0) for label, team_id in teams.items()}


def serve_with_index(bench: Bench, on: bool) -> str:
    """A server of its own for the next stream: the previous one stopped, this one started with
    CALLSTUDIO_SEARCH_INDEX=1 or 0."""
    if bench.server is not None:
        bench.server.terminate()
        bench.server.wait(timeout=30)
        bench.server = None
    os.environ["CALLSTUDIO_SEARCH_INDEX"] = "1" if on else "0"
    return bench.serve()


def search_index_main(args) -> int:
    """--search-index: the same stream with the search index written and without it."""
    n = args.calls
    with Bench(args.database_url, "bench_ingest_search") as bench:
        team = build_team(20, teams=2)
        teams = {"index": team["teams"][0], "none": team["teams"][1]}
        workflows = dict(zip(teams, team["workflows"], strict=True))
        log("org built; teams 'index' (CALLSTUDIO_SEARCH_INDEX=1) and 'none' (=0)")
        key = {"Authorization": f"Bearer {team['ingest_key']}"}
        runs = {label: [] for label in teams}
        text_bytes = 0
        for r in range(args.rounds):
            lines, _ = make_calls(n, team, "", f"round{r}", seed=20 + r)
            text_bytes += sum(
                len(seg["text"].encode())
                for line in lines
                for seg in orjson.loads(line)["transcript"]
            )
            order = ["index", "none"] if r % 2 == 0 else ["none", "index"]
            for label in order:
                base = serve_with_index(bench, on=label == "index")
                wait_until(lambda: not pending_calls(), "idle")
                url = f"/api/v1/workflows/{workflows[label]}/calls/stream"
                with httpx.Client(base_url=base, timeout=httpx.Timeout(900)) as client:
                    t_stream, _, result = stream(client, url, lines, key)
                backlog = pending_calls()
                runs[label].append({"stream": t_stream, "accepted": result["accepted"]})
                log(
                    f"round {r + 1}/{args.rounds} {label:<5}: stream {t_stream:.2f} s "
                    f"({n / t_stream:,.0f} calls/s, {result['accepted']:,} accepted); "
                    f"{backlog:,} pending at its end; draining"
                )
                wait_until(lambda: not pending_calls(), "analysis")
        indexed = indexed_by_team(bench.vendor, teams)
        size = search_index_size(bench.vendor)
    total = n * args.rounds
    print(
        f"\n== ingest --search-index: {bench.vendor}, {args.rounds} rounds of two {n:,}-call "
        f"streams, team 'index' (CALLSTUDIO_SEARCH_INDEX=1) and team 'none' (=0), alternated, "
        f"a server started for each stream ==\n   {context()}; client, server (its in-process "
        "worker) and database on this machine"
    )
    rate = {}
    for label, rs in runs.items():
        streams = [n / x["stream"] for x in rs]
        rate[label] = pct(streams, 50)
        print(
            f"{label:<5} stream calls/s: "
            + ", ".join(f"{v:,.0f}" for v in streams)
            + f" -> p50 {rate[label]:,.0f}"
        )
    print(
        f"search index after the run: {size / 1e6:,.1f} MB for {indexed['index']:,} calls = "
        f"{size / text_bytes:.2f} x their transcript text ({text_bytes / 1e6:,.1f} MB)"
    )
    ratio = rate["index"] / rate["none"]
    checks = [
        (
            "stream calls/s with the index / without, p50",
            ratio,
            f">= {SEARCH_TARGET}",
            ratio >= SEARCH_TARGET,
        ),
        (
            f"every stream accepted {n:,}",
            None,
            "all",
            all(x["accepted"] == n for rs in runs.values() for x in rs),
        ),
        (
            f"calls indexed: 'index' {indexed['index']:,}, 'none' {indexed['none']:,}",
            None,
            f"{total:,}, 0",
            indexed == {"index": total, "none": 0},
        ),
    ]
    for name, value, target, ok in checks:
        shown = f"{value:8.2f}" if value is not None else " " * 8
        print(f"{name:<56}{shown}   target {target:<10} {'PASS' if ok else 'FAIL'}")
    ok = all(c[3] for c in checks)
    print(f"RESULT: {'PASS' if ok else 'FAIL'}")
    return 0 if ok or args.no_fail else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: a new SQLite file)")
    parser.add_argument(
        "--calls",
        type=int,
        help="calls in the stream (default 50,000; --rules, --search-index: 20,000 each)",
    )
    parser.add_argument(
        "--rules",
        action="store_true",
        help="compare ingest into a team with 5 alert rules and 3 automations with one without",
    )
    parser.add_argument(
        "--search-index",
        action="store_true",
        help="compare the stream with the search index written (CALLSTUDIO_SEARCH_INDEX=1) and "
        "without it (=0)",
    )
    parser.add_argument(
        "--without-search-index",
        action="store_true",
        help="the server writes no search index (CALLSTUDIO_SEARCH_INDEX=0); the floor is the "
        "calls alone",
    )
    parser.add_argument(
        "--rounds", type=int, default=4, help="--rules, --search-index: rounds of two streams"
    )
    parser.add_argument("--requests", type=int, default=500, help="measured single-call rounds")
    parser.add_argument("--warmup", type=int, default=50, help="warm-up single-call rounds")
    parser.add_argument(
        "--no-fail", action="store_true", help="exit 0 even when a target is missed"
    )
    args = parser.parse_args()
    if args.rules:
        args.calls = args.calls or 20_000
        return rules_main(args)
    if args.search_index:
        args.calls = args.calls or 20_000
        return search_index_main(args)
    args.calls = args.calls or 50_000
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
        indexed = not args.without_search_index
        entries = index_rows(bench.vendor, rows)
        floors = {"same": [], "calls": []}

        def floor_pass():
            floors["calls"].append(floor_run(bench.vendor, rows, None))
            floors["same"].append(floor_run(bench.vendor, rows, entries if indexed else None))
            log(f"floor, pass {len(floors['same'])}: {floors['same'][-1]:.2f} s")

        floor_pass()
        os.environ["CALLSTUDIO_SEARCH_INDEX"] = "1" if indexed else "0"
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
            backlog = [pending_calls()]
            log("resending the same stream")
            t_resend, _, again = stream(client, url, lines, key)
            floor_pass()
            log("now single calls and GET /me, interleaved")
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
        backlog.append(pending_calls())
        floor, calls_floor = min(floors["same"]), min(floors["calls"])
        segments = sum(len(orjson.loads(r[10])) for r in rows[:1000]) / min(n, 1000)
        print(
            f"\n== ingest: {bench.vendor}, {n:,} calls ({segments:.1f} segments and {size / n / 1000:.1f} KB "
            f"per call, {size / 1e6:.0f} MB) ==\n   {context()}; client, server and database on this machine"
        )
        floor_how = "COPY" if bench.vendor == "postgresql" else "executemany, 1 transaction"
        what = "the calls and their search index entries" if indexed else "the calls"
        print(
            f"floor ({floor_how}), the same rows as the server writes ({what}): "
            f"{floors['same'][0]:.2f} s and {floors['same'][1]:.2f} s -> {n / floor:,.0f} calls/s"
        )
        print(
            f"server's search index (CALLSTUDIO_SEARCH_INDEX): {'on' if indexed else 'off'}; "
            f"stream POST .../calls/stream: {t_stream:.2f} s -> {n / t_stream:,.0f} calls/s "
            f"(last byte sent after {t_sent:.2f} s)"
        )
        if indexed:
            print(
                f"for comparison, the floor of the calls alone: {n / calls_floor:,.0f} calls/s; "
                f"stream / that floor: {calls_floor / t_stream:.3f} (not judged: the server "
                "writes the index entries too)"
            )
        ratio = (n / t_stream) / (n / floor)
        checks.append(
            (
                "stream calls/s / floor calls/s (the same rows)",
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
        print(
            f"calls waiting for the in-process worker's analysis: {backlog[0]:,} when the stream "
            f"ended, {backlog[1]:,} at the end of the run"
        )
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
