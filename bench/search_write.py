"""Where writing PostgreSQL's search index goes, per call: the figures behind the decision in
docs/performance.md ("Ingestion with the index"). No target: it decomposes the cost that
`bench/ingest.py --search-index` measures as a whole.

The calls are bench/search.py's (12 segments of a 30,000-word Zipf vocabulary, ~280 words).
Measured in this process, side by side in one run:
- python: building each call's tsvector literal (`search.text.texts` + `search.engines.tsvector`,
  what `search.index.index_entries` does per call);
- then the rows COPYed in transactions of 500 (as ingestion writes a batch) into a scratch copy
  of the index table, once per layout, each from empty to --calls rows:
  - `no GIN`: the table with its B-trees (the row, the literal parsed, the keys);
  - `GIN`: as CallStudio creates it (fastupdate on, the default 4 MB pending list, merged by
    the inserting transaction when full);
  - `GIN, 64 MB pending list`: merges rarer and larger;
  - `GIN, fastupdate off`: every word inserted into the tree at once.
  The GIN's own share is the difference from `no GIN`; the growth is the last tenth's cost over
  the first's.

Usage: python bench/search_write.py --database-url postgresql://postgres@127.0.0.1:5432/test
       [--calls N]
A database `bench_search_write` is created beside the one the URL names and dropped at the end.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from _harness import context, log, pg_recreate  # noqa: E402
from search import Generator  # noqa: E402

BATCH = 500
LAYOUTS = {
    "no GIN": None,
    "GIN": "",
    "GIN, 64 MB pending list": "WITH (gin_pending_list_limit = 65536)",
    "GIN, fastupdate off": "WITH (fastupdate = off)",
}


def literals(n: int) -> tuple[list[tuple], float]:
    """The index rows of n generated calls, and the Python time per call to build them."""
    from callstudio.search.engines import sort_key, tsvector
    from callstudio.search.text import texts

    generator = Generator(n, "org_bench", [f"team_{i:02d}" for i in range(20)], [(1, "agent00")])
    rows, spent = [], 0.0
    for _rows, entries, _bytes in generator.chunks(1):
        start = time.perf_counter()
        for call_id, org, team, started, transcript, customer, external_id in entries:
            runs = texts(transcript=transcript, customer=customer, external_id=external_id)
            rows.append((call_id, org, team, sort_key(started, call_id), tsvector(runs)))
        spent += time.perf_counter() - start
    return rows, spent / n


def write(url: str, layout: str | None, rows: list[tuple]) -> list[float]:
    """Seconds per call of each tenth of the rows, COPYed in transactions of BATCH (each tenth
    the mean of its batches)."""
    import psycopg

    from callstudio.search.index import PG_COLUMNS

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS scratch")
        conn.execute(
            "CREATE TABLE scratch (call_id bigint PRIMARY KEY, organization_id varchar(40) "
            "NOT NULL, team_id varchar(40) NOT NULL, sort_key bigint NOT NULL, doc tsvector "
            "NOT NULL)"
        )
        conn.execute("CREATE INDEX scratch_newest ON scratch (organization_id, sort_key)")
        conn.execute("CREATE INDEX scratch_team_newest ON scratch (team_id, sort_key)")
        if layout is not None:
            conn.execute(f"CREATE INDEX scratch_doc ON scratch USING gin (doc) {layout}")
        conn.autocommit = False
        batches = []
        for at in range(0, len(rows), BATCH):
            start = time.perf_counter()
            with conn.cursor() as cursor:
                columns = ", ".join(PG_COLUMNS)
                with cursor.copy(f"COPY scratch ({columns}) FROM STDIN") as copy:
                    for row in rows[at : at + BATCH]:
                        copy.write_row(row)
            conn.commit()
            batches.append((time.perf_counter() - start) / len(rows[at : at + BATCH]))
        conn.autocommit = True
        conn.execute("DROP TABLE scratch")
    size = max(1, len(batches) // 10)
    return [
        sum(part) / len(part)
        for part in (batches[i : i + size] for i in range(0, len(batches), size))
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL URL")
    parser.add_argument("--calls", type=int, default=100_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callstudio.settings.default")
    import django

    django.setup()
    url = pg_recreate(args.database_url, "bench_search_write")
    try:
        log(f"generating {args.calls:,} calls and their literals")
        rows, python = literals(args.calls)
        figures = {}
        for name, layout in LAYOUTS.items():
            log(f"writing {args.calls:,} rows: {name}")
            figures[name] = write(url, layout, rows)
    finally:
        pg_recreate(args.database_url, "bench_search_write", create=False)
    print(f"\n== search index writes, PostgreSQL, {args.calls:,} calls ==\n   {context()}")
    print(f"{'per call, µs':32} {'mean':>7} {'first 10 %':>11} {'last 10 %':>10}")
    print(f"{'python: the tsvector literal':32} {python * 1e6:7.1f}")
    base = sum(figures["no GIN"]) / len(figures["no GIN"])
    for name, tenths in figures.items():
        mean = sum(tenths) / len(tenths)
        extra = "" if name == "no GIN" else f"   (the GIN: +{(mean - base) * 1e6:.1f})"
        print(
            f"{'COPY, ' + name:32} {mean * 1e6:7.1f} {tenths[0] * 1e6:11.1f} "
            f"{tenths[-1] * 1e6:10.1f}{extra}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
