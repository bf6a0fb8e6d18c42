"""Is finding a moment in any call fast at a million calls, and does it stay fast as calls grow?

Targets (issue 15), first page (50), newest first, p50, in-process and over HTTP side by side in
one run, each judged on both:
- a rare term <= 20 ms, a common term <= 30 ms, a phrase said by the customer
  (`customer:"cancel my subscription"`) <= 50 ms, in one team (`GET /orgs/{org}/search?team=`);
- across the 20 teams (`GET /orgs/{org}/search`, no team filter) <= 50 ms, for each of the three
  queries, and for an Agent's own calls (the own-calls scope inside the engine query);
- the rare term at least 100 x faster through the team's call list (`q`, the search engine) than
  today's ICONTAINS path (the pre-engine list query: the team's rows, transcript cast to text,
  `icontains`, newest first, first page), in-process, in the same run;
- 100,000 -> 1,000,000 calls: each in-process p50 above grows at most 1.5 x (--growth-calls
  are measured first, then --calls, by the same code, each in its own database).
The index's size is reported as a share of the transcript text (the segments' UTF-8 bytes).

Data, built once per size and kept (reused when it is there; --fresh builds it again):
- One organization, 20 teams, a supervisor (team role in every team) and 20 Agents (team role
  Agent in every team, each owning ~1/20 of the calls; agent00 is the Agent measured).
- N calls of 12 segments, agent and customer alternating, 4-18 words each, drawn from a
  vocabulary of 30,000 words with a Zipf distribution (s = 1.05: about 400 real words of phone
  calls, then invented ones for the long tail), so there are common words ("account" is in
  about a third of the calls) and rare ones. Planted: the rare word "tamarind" in exactly 60
  calls at any size (a rare name is rare however many calls there are: ~3 in the team, more
  than a page across the teams), the phrase "cancel my subscription" (customer: 1 call in 60,
  agent: 1 in 120; its three words also occur on their own). So each first page holds as many
  calls at 100,000 as at 1,000,000 calls, and the growth compares the same pages. Customer name
  and phone, started_at spread over a year in id order (whole seconds), 2 % archived, already
  analysed (the server's worker stays idle).
- Rows go straight into calls_call with bulk SQL, 20,000 calls per transaction, and each
  transaction indexes its calls with `callstudio.search.index.index_entries` (the function the
  ingestion path calls), 2,000 at a time.
  - SQLite: `executemany`; the file is kept in --cache-dir/<N>/ (default var/bench-search).
  - PostgreSQL: `COPY`; the search index's own indexes (GIN, newest) are dropped during the
    load and built again after it (a GIN built at once, as after a REINDEX), then VACUUM
    ANALYZE, as autovacuum would. The database is the one --database-url names (for --calls;
    --growth-calls use `<name>_<N>` beside it); both are kept.
  - A table bench_search_meta records the generator's version, N, the transcript bytes, the
    generation time and a hash of the search code that writes the index (search/text.py,
    engines.py, index.py): when that code changed, the index is rebuilt (`search.rebuild`),
    timed and reported, and the calls are kept.

Measurement, per size (a child process per size, since one Django process has one database):
`callstudio migrate`, the real server (`callstudio serve`), then rounds. Each round runs, in an
order that rotates every round: every search case in-process (`rules.search.search_calls`, the
supervisor's or the agent's real OrgAccess; the team list's `calls.selectors.calls_page(q=)`),
the engine's own SQL statement of each (captured once, replayed: context), the same requests
over HTTP (keep-alive, personal tokens) and `GET /me` (context); the ICONTAINS path only every
few rounds (it is slow). Warm-up rounds first; --rounds measured rounds or --budget seconds.
Context, no target: the mean CPU time of each in-process call (this process's, and on
PostgreSQL its backend's from /proc/<pid>/stat, in 10 ms ticks: only the mean means something),
which the load of other processes on the machine inflates far less than the wall-clock time.
Checks: in-process and HTTP return the same calls; the team list's search and ICONTAINS return
the same calls for the rare word. EXPLAIN (SQLite: EXPLAIN QUERY PLAN) of each engine statement
is printed.

Usage: python bench/search.py [--database-url URL] [--calls N] [--growth-calls N] [--fresh]
       [--rounds N] [--warmup N] [--budget S] [--cache-dir DIR] [--no-fail]
Exits 1 when a target is missed, unless --no-fail.
"""

import argparse
import hashlib
import itertools
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import orjson

from _harness import COLUMNS, callstudio, context, listener_pid, log, pct, sqlite_row

DATA_VERSION = "3"
ORG_NAME = "Bench Search Inc"
EMAIL = "{}@search.bench.test"
TEAMS, AGENTS, SEGMENTS = 20, 20, 12
LOAD_CHUNK, INDEX_CHUNK = 20_000, 2_000
RARE, COMMON, PHRASE = "tamarind", "account", 'customer:"cancel my subscription"'
RARE_CALLS, PHRASE_CUSTOMER_EVERY, PHRASE_AGENT_EVERY = 60, 60, 120
QUERIES = {"rare": RARE, "common": COMMON, "phrase": PHRASE}
# (case, principal, query, team filter?, target ms): the first page of /orgs/{org}/search.
CASES = [
    ("team rare", "supervisor", "rare", True, 20),
    ("team common", "supervisor", "common", True, 30),
    ("team phrase", "supervisor", "phrase", True, 50),
    ("20 teams rare", "supervisor", "rare", False, 50),
    ("20 teams common", "supervisor", "common", False, 50),
    ("20 teams phrase", "supervisor", "phrase", False, 50),
    ("agent's own common", "agent", "common", False, 50),
]
LIST, OLD = "team list q rare", "ICONTAINS rare"
SPEEDUP_TARGET, GROWTH_TARGET = 100, 1.5
META = "bench_search_meta"

# The head of the vocabulary, most frequent first: words of phone calls. The tail is invented.
HEAD = """\
the i you to and a it is that my for your can we on this be have with me so of in just
do will what not yes okay account no there are was if at get all know about one like now please thank
see let check here right can't sure then see how would help that's them up out they our call
today number could need want go time back make us well any again from by when did
order payment get name just more some also email card service phone really know give good
get new much great ok hold minute moment way still last first ask what's which these thing
sorry thanks understand sure bill billing pay paid charge charged month monthly year plan
price cost fee refund credit balance invoice address update change send sent receive received
day week today tomorrow yesterday morning afternoon issue problem question support team
manager customer agent system record records note ticket case reference confirm confirmed
verify details information date time internet connection speed router line mobile data
contract cancel cancelled renewal renew upgrade downgrade discount offer deal package
subscription service account login password reset access online website app message text
delivery shipped shipping package tracking arrive arrived return returned replacement
warranty repair technician appointment schedule available booked book visit engineer
help helped helpful process processing pending approved declined transfer transferred
bank direct debit statement amount total owe due late fee waive waived courtesy policy
terms agreement early termination notice period option options choose choice prefer
happy frustrated disappointed waiting waited hours days weeks again already still never
always usually sometimes maybe probably definitely actually basically exactly really
address postcode street city house flat apartment building floor door code security
question answer explain explained mean means meant said says tell told hear heard
speak speaking spoke talk talking listen listening calling called callback hold on
wait second line transfer colleague department sales retention technical billing
loyalty reward points bonus voucher promo promotion code applied apply eligible
"""


def vocabulary(size: int, rng: random.Random) -> list[str]:
    words = list(dict.fromkeys(w for w in HEAD.split() if w.isalpha()))
    seen, planted = set(words), {RARE, "cancel", "my", "subscription"}
    onsets = ["b", "br", "c", "ch", "d", "f", "g", "gr", "k", "l", "m", "n", "p", "pl", "r"]
    onsets += ["s", "st", "t", "tr", "v", "w", "z"]
    vowels = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou"]
    codas = ["", "", "n", "r", "s", "l", "x", "nd", "st"]
    while len(words) < size:
        word = "".join(
            rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
            for _ in range(rng.randint(2, 4))
        )
        if word not in seen and word not in planted and RARE not in word:
            seen.add(word)
            words.append(word)
    return words


class Generator:
    """Calls in id order, in chunks: (rows for calls_call as (id, *COLUMNS), entries for
    index_entries, transcript text bytes)."""

    def __init__(self, n: int, org: str, teams: list[str], agents: list[tuple[int, str]]):
        self.n, self.org, self.teams, self.agents = n, org, teams, agents
        rng = self.rng = random.Random(15)
        vocab = vocabulary(30_000, rng)
        cum = list(itertools.accumulate(1 / (r + 1) ** 1.05 for r in range(len(vocab))))
        self.sentences = []
        for _ in range(100_000):
            chosen = rng.choices(vocab, cum_weights=cum, k=rng.randint(4, 18))
            self.sentences.append(" ".join(chosen).capitalize() + rng.choice(".....?!"))
        first = ["Ann", "Bo", "Chen", "Dara", "Eli", "Femi", "Gus", "Hana", "Ivo", "Jun"]
        last = ["Smith", "Okafor", "Novak", "Garcia", "Kowalski", "Tanaka", "Murphy", "Lee"]
        self.names = [f"{f} {s}" for f in first for s in last]

    def chunks(self, first_id: int):
        rng, n = self.rng, self.n
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=366)
        step, now = 365 * 86400 / n, datetime.now(UTC)
        rows, entries, text_bytes = [], [], 0
        rare = {int((k + rng.random()) * n / RARE_CALLS) for k in range(RARE_CALLS)}
        for i in range(n):
            call_id = first_id + i
            started = start + timedelta(seconds=int(i * step + rng.random() * step))
            segments, t, agent_talk, customer_talk, longest = [], 0.0, 0.0, 0.0, 0.0
            for s in range(SEGMENTS):
                speaker = "agent" if s % 2 == 0 else "customer"
                begin = round(t + rng.uniform(0.2, 2.0), 2)
                length = round(rng.uniform(2, 25), 2)
                t = round(begin + length, 2)
                segments.append(
                    {
                        "speaker": speaker,
                        "start": begin,
                        "end": t,
                        "text": rng.choice(self.sentences),
                    }
                )
                if speaker == "agent":
                    agent_talk += length
                else:
                    customer_talk += length
                longest = max(longest, length)
            if i in rare:
                seg = rng.choice(segments)
                seg["text"] += " It came with the tamarind sauce."
            if rng.random() < 1 / PHRASE_CUSTOMER_EVERY:
                seg = segments[rng.randrange(1, SEGMENTS, 2)]
                seg["text"] = "I want to cancel my subscription. " + seg["text"]
            if rng.random() < 1 / PHRASE_AGENT_EVERY:
                seg = segments[rng.randrange(0, SEGMENTS, 2)]
                seg["text"] = (
                    "So you would like to cancel my subscription, you said? " + seg["text"]
                )
            text_bytes += sum(len(seg["text"].encode()) for seg in segments)
            duration = round(t + rng.uniform(1, 15), 1)
            agent_pk, ref = self.agents[rng.randrange(len(self.agents))]
            team = self.teams[rng.randrange(len(self.teams))]
            customer = {
                "name": rng.choice(self.names),
                "phone": f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            }
            external_id = f"bench-{call_id:08d}"
            talk = agent_talk + customer_talk
            rows.append(
                (
                    call_id,
                    self.org,
                    team,
                    external_id,
                    started,
                    started + timedelta(seconds=duration),
                    duration,
                    "inbound" if rng.random() < 0.6 else "outbound",
                    agent_pk,
                    ref,
                    orjson.dumps(customer).decode(),
                    orjson.dumps(segments).decode(),
                    "",
                    '["billing"]' if i % 7 == 0 else "[]",
                    "{}",
                    rng.random() < 0.02,
                    round(agent_talk, 2),
                    round(customer_talk, 2),
                    0.0,
                    round(agent_talk / talk, 4),
                    round(max(0.0, duration - talk) / duration, 4),
                    longest,
                    now,
                    round(rng.uniform(-0.6, 0.8), 3),
                    "[]",
                    now,
                    "[]",
                )
            )
            entries.append((call_id, self.org, team, started, segments, customer, external_id))
            if len(rows) == LOAD_CHUNK or i == n - 1:
                yield rows, entries, text_bytes
                rows, entries, text_bytes = [], [], 0


# --- the database ---------------------------------------------------------------------------


def index_code_hash() -> str:
    """The search code that decides what the index holds."""
    root = Path(__import__("callstudio.search.index").search.index.__file__).parent
    digest = hashlib.sha256()
    for name in ("text.py", "engines.py", "index.py"):
        digest.update((root / name).read_bytes())
    return digest.hexdigest()[:16]


def read_meta_sqlite(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        with sqlite3.connect(path) as conn:
            return dict(conn.execute(f"SELECT key, value FROM {META}").fetchall())
    except sqlite3.Error:
        return {}


def read_meta_pg(url: str) -> dict:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            return dict(conn.execute(f"SELECT key, value FROM {META}").fetchall())
    except psycopg.Error:
        return {}


def pg_admin(url: str, *statements) -> None:
    """Run statements on the server's `postgres` database (to create or drop `url`'s)."""
    import psycopg

    admin = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def pg_exists(url: str) -> bool:
    import psycopg

    admin = urlsplit(url)._replace(path="/postgres").geturl()
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def write_meta(values: dict) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"CREATE TABLE IF NOT EXISTS {META} (key varchar(40) PRIMARY KEY, value text)")
        for key, value in values.items():
            cur.execute(f"DELETE FROM {META} WHERE key = %s", [key])
            cur.execute(f"INSERT INTO {META} (key, value) VALUES (%s, %s)", [key, str(value)])


def build_org() -> dict:
    """The organization, 20 teams, the supervisor and the Agents (ORM, one transaction)."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from callstudio.accounts.models import Account
    from callstudio.orgs.models import Organization, OrgMembership, Team, TeamMembership

    password = make_password("bench-password-42")
    with transaction.atomic():
        org = Organization.objects.create(name=ORG_NAME)
        people = [("admin", "Ada Admin"), ("supervisor", "Sam Supervisor")]
        people += [(f"agent{i:02d}", f"Agent {i:02d}") for i in range(AGENTS)]
        accounts = Account.objects.bulk_create(
            Account(email=EMAIL.format(handle), name=name, password=password)
            for handle, name in people
        )
        OrgMembership.objects.bulk_create(
            OrgMembership(organization=org, account=a, role="admin" if i == 0 else "member")
            for i, a in enumerate(accounts)
        )
        teams = Team.objects.bulk_create(
            Team(organization=org, name=f"Support {i + 1:02d}") for i in range(TEAMS)
        )
        TeamMembership.objects.bulk_create(
            TeamMembership(
                organization=org, team=t, account=a, role="supervisor" if i == 1 else "agent"
            )
            for t in teams
            for i, a in enumerate(accounts)
            if i > 0
        )
    return {"org": org.id, "teams": [t.id for t in teams]}


def principals() -> dict:
    from callstudio.accounts.models import Account
    from callstudio.orgs.models import Organization, Team

    org = Organization.objects.get(name=ORG_NAME)
    teams = list(
        Team.objects.filter(organization=org).order_by("name").values_list("id", flat=True)
    )
    return {
        "org": org.id,
        "teams": teams,
        "supervisor": Account.objects.get(email=EMAIL.format("supervisor")),
        "agent": Account.objects.get(email=EMAIL.format("agent00")),
    }


class PgIndexes:
    """The search index's own indexes, dropped for a bulk load and built again after it."""

    def __enter__(self):
        from django.db import connection

        from callstudio.search.index import PG_TABLE

        with connection.cursor() as cur:
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname "
                "NOT IN (SELECT conname FROM pg_constraint)",
                [PG_TABLE],
            )
            self.indexes = cur.fetchall()
            for name, _ in self.indexes:
                cur.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc):
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '1GB'")
            for name, definition in self.indexes:
                t0 = time.perf_counter()
                cur.execute(definition)
                log(f"  index {name} built in {time.perf_counter() - t0:.0f} s")
        return False


def load(vendor: str, n: int) -> dict:
    """Generate and store N calls and their index entries; returns the meta to record."""
    from django.db import connection, transaction

    from callstudio.search.index import index_entries

    built = build_org()
    from callstudio.accounts.models import Account

    agents = [
        (a.pk, f"email:{a.email}")
        for a in Account.objects.filter(email__startswith="agent").order_by("email")
    ]
    gen = Generator(n, built["org"], built["teams"], agents)
    connection.ensure_connection()
    raw = connection.connection
    # Columns added to calls_call since _harness.COLUMNS was written get their model default.
    from django.db.models import JSONField

    from callstudio.calls.models import Call

    extra = [f for f in Call._meta.concrete_fields if f.column not in ("id", *COLUMNS)]
    defaults = tuple(
        orjson.dumps(f.get_default()).decode() if isinstance(f, JSONField) else f.get_default()
        for f in extra
    )
    cols = ", ".join(["id", *COLUMNS, *(f.column for f in extra)])
    done, text_bytes, t0 = 0, 0, time.perf_counter()
    t_index = 0.0
    if vendor == "sqlite":
        raw.execute("PRAGMA synchronous = OFF")
        raw.execute("PRAGMA cache_size = -262144")
    pg_indexes = PgIndexes().__enter__() if vendor == "postgresql" else None
    if vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET synchronous_commit = off")
    marks = ", ".join("?" * (len(COLUMNS) + 1 + len(extra)))
    for rows, entries, nbytes in gen.chunks(first_id=1):
        if defaults:
            rows = [row + defaults for row in rows]
        with transaction.atomic():
            if vendor == "postgresql":
                with raw.cursor() as cur, cur.copy(f"COPY calls_call ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                raw.executemany(
                    f"INSERT INTO calls_call ({cols}) VALUES ({marks})", map(sqlite_row, rows)
                )
            t1 = time.perf_counter()
            for k in range(0, len(entries), INDEX_CHUNK):
                index_entries(entries[k : k + INDEX_CHUNK])
            t_index += time.perf_counter() - t1
        done += len(rows)
        text_bytes += nbytes
        spent = time.perf_counter() - t0
        log(
            f"  stored and indexed {done:,}/{n:,} calls ({done / spent:,.0f} calls/s, "
            f"index_entries {t_index:.0f} s of {spent:.0f} s; "
            f"about {(n - done) * spent / done:.0f} s to go)"
        )
    if vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT setval(pg_get_serial_sequence('calls_call', 'id'), %s)", [n])
        pg_indexes.__exit__(None, None, None)
        raw.autocommit = True
        t1 = time.perf_counter()
        raw.execute("VACUUM ANALYZE calls_call")
        raw.execute("VACUUM ANALYZE search_document")
        log(f"  VACUUM ANALYZE in {time.perf_counter() - t1:.0f} s")
    spent = time.perf_counter() - t0
    return {
        "version": DATA_VERSION,
        "calls": n,
        "text_bytes": text_bytes,
        "generated_seconds": round(spent, 1),
        "index_entries_seconds": round(t_index, 1),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "index_hash": index_code_hash(),
    }


def reindex(vendor: str) -> float:
    """The index written again by `search.rebuild` (the search code changed since the data was
    generated); seconds."""
    from django.db import connection, transaction

    from callstudio.calls.models import Call
    from callstudio.search.rebuild import rebuild

    t0 = time.perf_counter()
    total = Call.objects.count()

    def progress(done):
        if done % 100_000 == 0 or done == total:
            log(f"  reindexed {done:,}/{total:,} calls ({time.perf_counter() - t0:.0f} s)")

    pg_indexes = PgIndexes().__enter__() if vendor == "postgresql" else None
    with transaction.atomic():
        rebuild(Call.objects.all(), progress=progress)
    if pg_indexes:
        pg_indexes.__exit__(None, None, None)
        connection.connection.autocommit = True
        connection.connection.execute("VACUUM ANALYZE search_document")
    return time.perf_counter() - t0


def prepare(args, n: int) -> dict:
    """The database for N calls, generated or reused; sets the environment for Django and the
    server. Returns the meta (with `reused`, `reindexed_seconds`)."""
    os.environ.update(LOG_LEVEL="WARNING", DJANGO_SETTINGS_MODULE="callstudio.settings.default")
    os.environ.pop("DATABASE_URL", None)
    if args.database_url:
        url = args.database_url
        if n != args.calls:
            name = urlsplit(url).path.lstrip("/") + f"_{n}"
            url = urlsplit(url)._replace(path="/" + name).geturl()
        os.environ["DATABASE_URL"] = url
        data_dir = Path(tempfile.mkdtemp(prefix="callstudio-bench-search-"))
        meta = {} if args.fresh or not pg_exists(url) else read_meta_pg(url)
        fresh = meta.get("version") != DATA_VERSION or meta.get("calls") != str(n)
        if fresh:
            name = urlsplit(url).path.lstrip("/")
            log(f"creating database {name}")
            pg_admin(
                url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
            )
        where = url
    else:
        data_dir = Path(args.cache_dir, str(n))
        meta = {} if args.fresh else read_meta_sqlite(data_dir / "callstudio.sqlite3")
        fresh = meta.get("version") != DATA_VERSION or meta.get("calls") != str(n)
        if fresh and data_dir.exists():
            shutil.rmtree(data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        where = str(data_dir / "callstudio.sqlite3")
    os.environ["CALLSTUDIO_DATA_DIR"] = str(data_dir)
    log(f"{n:,} calls: database {where} ({'to generate' if fresh else 'reused'})")
    subprocess.run(callstudio("migrate", "--no-input", "-v", "0"), check=True)
    import django

    django.setup()
    vendor = "postgresql" if args.database_url else "sqlite"
    if fresh:
        log(f"generating {n:,} calls")
        meta = load(vendor, n)
        write_meta(meta)
        log(f"generated in {meta['generated_seconds']:.0f} s")
        meta = {k: str(v) for k, v in meta.items()}
        meta["reused"] = False
    else:
        meta["reused"] = True
        if meta.get("index_hash") != index_code_hash():
            log("the search code changed since the index was written: rebuilding it")
            meta["reindexed_seconds"] = round(reindex(vendor), 1)
            write_meta({"index_hash": index_code_hash()})
            log(f"index rebuilt in {meta['reindexed_seconds']:.0f} s")
    meta["data_dir"] = str(data_dir)
    meta["where"] = where
    return meta


# --- measuring --------------------------------------------------------------------------------


class Server:
    """`callstudio serve` on a free port, stopped on exit."""

    def __init__(self, data_dir: Path):
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = Path(data_dir, "server.log")
        with self.log_path.open("w") as fh:
            self.proc = subprocess.Popen(
                callstudio("serve", "--host", "127.0.0.1", "--port", str(port)),
                stdout=fh,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 90
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with code {self.proc.returncode}")
            try:
                if httpx.get(self.base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer /healthz in time")
            time.sleep(0.2)
        self.pid = listener_pid(port)
        log(f"server up on {self.base} (pid {self.proc.pid}, listening pid {self.pid})")

    def stop(self, failed: bool = False):
        if failed and self.log_path.exists():
            print("--- server log, tail ---\n" + self.log_path.read_text()[-3000:], file=sys.stderr)
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def old_icontains_page(access, term: str) -> list:
    """Today's path before the engine (calls.selectors.list_query with q, as of d22bd87^): the
    rows the team access may read, not archived, transcript cast to text, icontains, newest
    first, the first page, read into light items."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast

    from callstudio.calls.selectors import LIST_COLUMNS, PAGE_KEYS, _list_item, readable_calls
    from callstudio.core.pagination import keyset

    qs = readable_calls(access).filter(archived=Value(False))
    qs = qs.annotate(transcript_text=Cast("transcript", CharField())).filter(
        transcript_text__icontains=term
    )
    rows = keyset(qs, keys=PAGE_KEYS, after=None, limit=50, descending=True)
    return [_list_item(row) for row in rows.values(*LIST_COLUMNS)]


def engine_sql(run) -> list[str]:
    """The engine statements a selector call runs (captured): one, or on PostgreSQL for a
    phrase the probe of the newest entries and, when it does not fill the page, the query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from callstudio.search.index import FTS_TABLE, PG_TABLE

    with CaptureQueriesContext(connection) as queries:
        run()
    found = [q["sql"] for q in queries if FTS_TABLE in q["sql"] or PG_TABLE in q["sql"]]
    assert len(found) in (1, 2), [q["sql"] for q in queries]
    return found


def explain(vendor: str, statements: list[str]) -> list[str]:
    from django.db import connection

    from callstudio.calls.search import PG_PLANNER

    lines = []
    with connection.cursor() as cur:
        for n, sql in enumerate(statements):
            if len(statements) > 1:
                lines.append(f"-> statement {n + 1} of {len(statements)}")
            if vendor != "postgresql":
                cur.execute("EXPLAIN QUERY PLAN " + sql)
                lines += [str(r[-1]) for r in cur.fetchall()]
                continue
            query = sql.removeprefix(PG_PLANNER)
            cur.execute(PG_PLANNER + "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + query)
            while cur.description is None and cur.nextset():
                pass
            lines += [r[0].strip() for r in cur.fetchall()]
    if vendor != "postgresql":
        return lines
    keep = ("->", "Limit", "Index Cond", "Recheck Cond", "Filter", "Rows Removed", "Execution")
    lines = [line.removeprefix("-> ") for line in lines if line.startswith(keep)]
    lines = [re.sub(r"ANY \('\{[^}]*\}'::text\[\]\)", "ANY (<teams>)", x) for x in lines]
    return [re.sub(r"'org_\w+'::text", "<org>", x) for x in lines]


def replay(statements: list[str]) -> int:
    """The statements alone, as the engine sent them (PostgreSQL: with its planner settings)."""
    from django.db import connection

    with connection.cursor() as cur:
        for sql in statements:
            cur.execute(sql)
            while cur.description is None and cur.nextset():
                pass
            rows = len(cur.fetchall())
        return rows


def matching(vendor: str, q: str) -> int:
    """Calls matching `q` in the whole index (every team, archived too)."""
    from django.db import connection

    from callstudio.search import engines
    from callstudio.search.index import FTS_TABLE, PG_TABLE
    from callstudio.search.query import parse

    query = parse(q)
    with connection.cursor() as cur:
        if vendor == "postgresql":
            cur.execute(
                f"SELECT count(*) FROM {PG_TABLE} WHERE doc @@ %s::tsquery",
                [engines.tsquery(query)],
            )
        else:
            cur.execute(
                f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",
                [engines.fts_match(query)],
            )
        return cur.fetchone()[0]


def index_size(vendor: str) -> dict:
    """Bytes of the search index (SQLite: the FTS5 shadow tables, by dbstat; PostgreSQL:
    pg_total_relation_size of search_document, its GIN and B-tree included) and of calls_call."""
    from django.db import connection

    from callstudio.search.index import FTS_TABLE, PG_TABLE

    with connection.cursor() as cur:
        if vendor == "postgresql":
            cur.execute(
                "SELECT pg_total_relation_size(%s), pg_relation_size('search_document_doc'), "
                "pg_total_relation_size('calls_call')",
                [PG_TABLE],
            )
            total, gin, calls = cur.fetchone()
            return {"index": total, "parts": f"GIN {gin / 1e6:,.0f} MB", "calls_call": calls}
        cur.execute(
            "SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE %s GROUP BY name",
            [FTS_TABLE + "%"],
        )
        parts = dict(cur.fetchall())
        cur.execute("SELECT sum(pgsize) FROM dbstat WHERE name = 'calls_call'")
        calls = cur.fetchone()[0]
    shown = ", ".join(f"{k} {v / 1e6:,.0f} MB" for k, v in sorted(parts.items()))
    return {"index": sum(parts.values()), "parts": shown, "calls_call": calls}


TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def cpu_ms(backend: int | None) -> float:
    """CPU ms so far of this process, plus (PostgreSQL) its backend's, from /proc in ticks."""
    used = time.process_time() * 1000
    if backend:
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        used += (int(fields[11]) + int(fields[12])) * TICK_MS
    return used


def schedule(warmup: int, n: int, budget: float):
    """(round, measured?): warm-up ends early after a fifth of the budget, measuring after the
    whole budget (at least 5 measured rounds)."""
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


def measure(args, n: int) -> dict:
    """The child's work for N calls: prepare, serve, measure; the figures as a dict."""
    meta = prepare(args, n)
    from django.db import connection

    from callstudio.access.policy import org_access, team_access
    from callstudio.accounts.services import token_create
    from callstudio.calls.selectors import calls_page
    from callstudio.rules.search import Filters, search_calls

    vendor = connection.vendor
    who = principals()
    org, team = who["org"], who["teams"][0]
    access = {p: org_access(who[p], org) for p in ("supervisor", "agent")}
    team_list_access = team_access(access["supervisor"], team)
    tokens = {p: token_create(account=who[p], name="bench search")[1] for p in access}

    def selector(principal, q, by_team):
        filters = Filters(team=team) if by_team else None
        return lambda: search_calls(access=access[principal], q=q, filters=filters)

    inproc = {case: selector(p, QUERIES[kind], by_team) for case, p, kind, by_team, _ in CASES}
    inproc[LIST] = lambda: calls_page(access=team_list_access, q=RARE)
    slow = {OLD: lambda: old_icontains_page(team_list_access, RARE)}
    search_url = f"/api/v1/orgs/{org}/search"
    http = {
        case: (
            search_url
            + "?"
            + urlencode({"q": QUERIES[kind], **({"team": team} if by_team else {})}),
            p,
        )
        for case, p, kind, by_team, _ in CASES
    }
    http[LIST] = (f"/api/v1/orgs/{org}/teams/{team}/calls?" + urlencode({"q": RARE}), "supervisor")
    http["GET /me"] = ("/api/v1/me", "supervisor")

    def ids(page) -> list[int]:
        return [i["call"].id if isinstance(i, dict) else i.id for i in page.items]

    log("checks, counts, plans")
    first = {case: ids(run()) for case, run in inproc.items()}
    old_ids = [i.id for i in slow[OLD]()]
    if old_ids != first[LIST]:
        raise RuntimeError(f"ICONTAINS and the search disagree: {old_ids[:5]} / {first[LIST][:5]}")
    if not all(first[case] for case, _, _, by_team, _ in CASES if not by_team):
        raise RuntimeError("a query found nothing across the 20 teams: the data is not as planned")
    counts = {kind: matching(vendor, q) for kind, q in QUERIES.items()}
    engine = {case: engine_sql(run) for case, run in inproc.items()}
    plans = {case: explain(vendor, sql) for case, sql in engine.items()}
    size = index_size(vendor)
    server = Server(Path(meta["data_dir"]))
    failed = True
    try:
        auth = {p: {"Authorization": f"Bearer {t}"} for p, t in tokens.items()}
        times = {f"{c} {side}": [] for c in inproc for side in ("in-process", "HTTP", "engine")}
        times.update({"GET /me HTTP": [], f"{OLD} in-process": []})
        cpu = {key: [] for key in times if not key.endswith("HTTP")}
        backend = None
        if vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                (backend,) = cur.fetchone()
        cases = [(c, "in-process") for c in inproc] + [(c, "HTTP") for c in http]
        cases += [(c, "engine") for c in engine]
        every = max(1, args.rounds // args.slow_rounds)
        log(f"rounds: {args.warmup} warm-up, {args.rounds} measured (budget {args.budget:.0f} s)")
        with httpx.Client(base_url=server.base, timeout=120) as client:
            for i, measured in schedule(args.warmup, args.rounds, args.budget):
                k = i % len(cases)
                order = cases[k:] + cases[:k]
                if i % every == 0:
                    order.insert(i % len(order), (OLD, "in-process"))
                for case, side in order:
                    c0 = cpu_ms(backend)
                    t0 = time.perf_counter()
                    if side == "HTTP":
                        url, p = http[case]
                        r = client.get(url, headers=auth[p])
                        elapsed = time.perf_counter() - t0
                        if r.status_code != 200:
                            raise RuntimeError(f"{case}: HTTP {r.status_code} {r.text[:300]}")
                        if case != "GET /me":
                            got = [
                                it["call"]["id"] if "call" in it else it["id"]
                                for it in r.json()["items"]
                            ]
                            if got != first[case]:
                                raise RuntimeError(
                                    f"{case}: HTTP found other calls than in-process"
                                )
                    elif side == "engine":
                        replay(engine[case])
                        elapsed = time.perf_counter() - t0
                    elif case == OLD:
                        slow[OLD]()
                        elapsed = time.perf_counter() - t0
                    else:
                        inproc[case]()
                        elapsed = time.perf_counter() - t0
                    if measured:
                        times[f"{case} {side}"].append(elapsed * 1000)
                        if side != "HTTP":
                            cpu[f"{case} {side}"].append(cpu_ms(backend) - c0)
                if measured and len(times["GET /me HTTP"]) % 25 == 0:
                    log(f"  {len(times['GET /me HTTP'])} measured rounds")
        failed = False
    finally:
        server.stop(failed=failed)
        from django.db import connections

        connections.close_all()
        if args.database_url:
            shutil.rmtree(meta["data_dir"], ignore_errors=True)
    return {
        "vendor": vendor,
        "calls": n,
        "meta": meta,
        "context": context(),
        "found": {case: len(v) for case, v in first.items()},
        "counts": counts,
        "plans": plans,
        "size": size,
        "times": times,
        "cpu": cpu,
    }


# --- the report -------------------------------------------------------------------------------


def stats(values: list[float]) -> str:
    return f"{pct(values, 50):7.2f} {pct(values, 95):7.2f}"


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def report_scale(r: dict) -> None:
    m, n = r["meta"], r["calls"]
    print(
        f"\n== search: {r['vendor']}, {n:,} calls, 20 teams, first page (50) ==\n   {r['context']}"
    )
    how = "reused" if m["reused"] else "generated now"
    line = (
        f"data: {how}; generation took {float(m['generated_seconds']):,.0f} s "
        f"(index_entries {float(m['index_entries_seconds']):,.0f} s) on {m['generated_at']}"
    )
    if "reindexed_seconds" in m:
        line += f"; index rebuilt now in {m['reindexed_seconds']:,.0f} s (search code changed)"
    print(line + f"; {m['where']}")
    text = int(m["text_bytes"])
    s = r["size"]
    print(
        f"index {s['index'] / 1e6:,.0f} MB = {s['index'] / text:.2f} x the transcript text "
        f"({text / 1e6:,.0f} MB of segment text; {s['parts']}); calls_call "
        f"{s['calls_call'] / 1e6:,.0f} MB"
    )
    print(
        "calls matching, all teams: "
        + ", ".join(f"{k} {QUERIES[k]!r} {v:,}" for k, v in r["counts"].items())
    )
    print("first page sizes: " + ", ".join(f"{k} {v}" for k, v in r["found"].items()))
    print(f"{'ms: p50 p95 (CPU mean)':<24}{'in-process':>24}{'HTTP':>16}{'engine SQL':>24}")
    t, cpu = r["times"], r["cpu"]

    def cell(key: str) -> str:
        if len(t.get(key, [])) < 2:
            return "-"
        return stats(t[key]) + (f" ({mean(cpu[key]):5.2f})" if key in cpu else "")

    for case in [c[0] for c in CASES] + [LIST, OLD, "GET /me"]:
        print(
            f"{case:<24}{cell(case + ' in-process'):>24}{cell(case + ' HTTP'):>16}"
            f"{cell(case + ' engine'):>24}"
        )
    for case, plan in r["plans"].items():
        print(f"plan, {case}: " + " | ".join(p.strip() for p in plan))


def judge(results: list[dict]) -> list[tuple]:
    big = results[-1]
    t = big["times"]
    checks = []
    for case, _, _, _, target in CASES:
        for side in ("in-process", "HTTP"):
            v = pct(t[f"{case} {side}"], 50)
            checks.append((f"{case}, {side} p50 ms", v, f"<= {target}", v <= target))
    speedup = pct(t[f"{OLD} in-process"], 50) / pct(t[f"{LIST} in-process"], 50)
    checks.append(
        (
            f"{OLD} / team list q (engine) p50",
            speedup,
            f">= {SPEEDUP_TARGET}",
            speedup >= SPEEDUP_TARGET,
        )
    )
    if len(results) == 2:
        small = results[0]["times"]
        for case in [c[0] for c in CASES] + [LIST]:
            key = f"{case} in-process"
            g = pct(t[key], 50) / pct(small[key], 50)
            label = f"{case}, {results[0]['calls']:,} -> {big['calls']:,} p50"
            checks.append((label, g, f"<= {GROWTH_TARGET}", g <= GROWTH_TARGET))
            c = mean(big["cpu"][key]) / mean(results[0]["cpu"][key])
            checks.append(("  (context) the same, CPU mean", c, "", None))
    return checks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL database (default: SQLite files)")
    parser.add_argument("--calls", type=int, default=1_000_000, help="calls (the big size)")
    parser.add_argument(
        "--growth-calls",
        type=int,
        help="the small size, measured first (default calls/10; 0: none)",
    )
    parser.add_argument("--fresh", action="store_true", help="generate the data again")
    parser.add_argument(
        "--cache-dir",
        default=str(Path(__file__).resolve().parent.parent / "var" / "bench-search"),
        help="SQLite: where the generated databases are kept",
    )
    parser.add_argument("--rounds", type=int, default=200, help="measured rounds per size")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up rounds")
    parser.add_argument("--slow-rounds", type=int, default=20, help="rounds with ICONTAINS")
    parser.add_argument("--budget", type=float, default=240, help="seconds at most of rounds")
    parser.add_argument(
        "--no-fail", action="store_true", help="exit 0 even when a target is missed"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        result = measure(args, args.child)
        Path(args.out).write_text(json.dumps(result, default=str))
        return 0
    growth = args.calls // 10 if args.growth_calls is None else args.growth_calls
    sizes = [growth, args.calls] if growth else [args.calls]
    results, out_dir = [], Path(tempfile.mkdtemp(prefix="bench-search-"))
    t_start = time.perf_counter()
    try:
        for n in sizes:
            out = out_dir / f"{n}.json"
            child = [sys.executable, __file__, *sys.argv[1:], "--child", str(n), "--out", str(out)]
            subprocess.run(child, check=True)
            results.append(json.loads(out.read_text()))
            report_scale(results[-1])
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    print(f"\n== targets ({time.perf_counter() - t_start:,.0f} s in all) ==")
    checks = judge(results)
    for name, value, target, ok in checks:
        verdict = "" if ok is None else f"target {target:<8} {'PASS' if ok else 'FAIL'}"
        print(f"{name:<56}{value:9.2f}   {verdict}")
    ok = all(c[3] is not False for c in checks)
    print(f"RESULT: {'PASS' if ok else 'FAIL'}")
    return 0 if ok or args.no_fail else 1


if __name__ == "__main__":
    sys.exit(main())
