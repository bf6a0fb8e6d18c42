"""Where does a streamed call's time go? The stream path profiled, in this process.

The same NDJSON stream as bench/ingest.py (realistic calls, 10-14 segments each) is posted to
`POST /api/v1/workflows/{wf}/calls/stream` through Django's own WSGI handler (the test client:
middleware, authentication, the view, the database writes; not granian's Rust side), under
pyinstrument, after `gc.freeze()` as in a web process (core/startup.py). Printed: the wall time and calls/s without and with the profiler, the functions
with the most time of their own (self), and the ones with the most time under them (total), as
shares of the profiled stream. Nothing is judged: this is the map bench/ingest.py's target is
worked against (docs/performance.md, "Where a streamed call's time goes").

Usage: python bench/ingest_profile.py [--database-url URL] [--calls N] [--top N]
                                      [--html FILE]
"""

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import Bench, build_team, context, log  # noqa: E402
from ingest import make_calls  # noqa: E402


def post_stream(client, url: str, body: bytes, key: str) -> tuple[float, dict]:
    start = time.perf_counter()
    r = client.post(
        url, data=body, content_type="application/x-ndjson", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    elapsed = time.perf_counter() - start
    if r.status_code != 200:
        raise RuntimeError(f"stream: HTTP {r.status_code} {r.content[:300]!r}")
    return elapsed, r.json()


def frame_totals(root) -> tuple[dict, dict]:
    """Self and total seconds per function (file:line name); recursion counted once."""
    own, total = defaultdict(float), defaultdict(float)

    def walk(frame, above: frozenset):
        if frame.is_synthetic:  # pyinstrument's [self] and [await] leaves: in total_self_time
            return
        name = f"{frame.function} ({Path(frame.file_path or '?').name}:{frame.line_no})"
        own[name] += frame.total_self_time
        if name not in above:
            total[name] += frame.time
        for child in frame.children:
            walk(child, above | {name})

    walk(root, frozenset())
    return own, total


def find(frame, function: str):
    """The first frame of `function` in the tree, depth first (the view, below the middleware)."""
    if frame.function == function:
        return frame
    for child in frame.children:
        found = find(child, function)
        if found is not None:
            return found
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: a new SQLite file)")
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--html", help="also write pyinstrument's HTML view to this file")
    args = parser.parse_args()
    n = args.calls
    with Bench(args.database_url, "bench_ingest_profile") as bench:
        from django.test import Client
        from pyinstrument import Profiler

        team = build_team(20, teams=3)
        log(f"org built; generating {2 * n:,} calls")
        plain, _ = make_calls(n, team, team["teams"][0], "plain", seed=1)
        profiled, _ = make_calls(n, team, team["teams"][1], "profiled", seed=1)
        warm, _ = make_calls(500, team, team["teams"][2], "warm", seed=3)
        client = Client(HTTP_HOST="127.0.0.1")
        # As a web process does after start-up (core/startup.py); here the generated calls are
        # frozen too, so collections see only what the request allocates, as in the server.
        from callstudio.core.startup import tune_collector

        tune_collector()
        url = "/api/v1/workflows/{}/calls/stream"
        key = team["ingest_key"]
        post_stream(client, url.format(team["workflows"][2]), b"".join(warm), key)
        t_plain, result = post_stream(
            client, url.format(team["workflows"][0]), b"".join(plain), key
        )
        assert result["accepted"] == n, result
        log(f"unprofiled: {t_plain:.2f} s; now under pyinstrument")
        profiler = Profiler(interval=0.0005)
        profiler.start()
        t_prof, result = post_stream(
            client, url.format(team["workflows"][1]), b"".join(profiled), key
        )
        profiler.stop()
        assert result["accepted"] == n, result
        session = profiler.last_session
        root = session.root_frame()
        own, _ = frame_totals(root)
        _, total = frame_totals(find(root, "ingest_stream") or root)
        whole = root.time
        print(f"\n== the stream path profiled: {bench.vendor}, {n:,} calls ==\n   {context()}")
        print(
            f"in-process stream (Django's WSGI handler, no HTTP server): {t_plain:.2f} s -> "
            f"{n / t_plain:,.0f} calls/s, {t_plain / n * 1e6:.0f} µs per call; under the "
            f"profiler {t_prof:.2f} s"
        )
        print(f"\ntop {args.top} by own time (share of the profiled {whole:.2f} s, µs per call):")
        for name, secs in sorted(own.items(), key=lambda kv: -kv[1])[: args.top]:
            print(f"  {secs / whole:6.1%} {secs / n * 1e6:7.1f}  {name}")
        print(
            f"\ntop {args.top} by total time, from the view down (the function and what it "
            "calls; the request's thread: the writer's database time shows as lock.acquire, "
            "waiting for it):"
        )
        for name, secs in sorted(total.items(), key=lambda kv: -kv[1])[: args.top]:
            print(f"  {secs / whole:6.1%} {secs / n * 1e6:7.1f}  {name}")
        if args.html:
            Path(args.html).write_text(profiler.output_html())
            print(f"\nHTML view: {args.html}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
