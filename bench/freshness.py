"""Do the figures keep up with the calls? Two measurements of the analysis pass, one run.

Targets (issue #14):
- throughput: at least 1,000 calls/s analysed by one worker process (`callstudio worker`) on an
  otherwise idle machine;
- freshness: during a sustained stream of 50 calls/s (single `POST .../calls`, paced), the p95
  time from a call's acceptance (its 201) to its being counted in analytics at most 5 s.

Method:
1. A fresh data dir and database (a new SQLite file, or a new PostgreSQL database
   `bench_freshness` beside the one --database-url names, dropped at the end); one organization
   with a team of 20 agents (bench/_harness.py); realistic calls (bench/ingest.py `make_calls`:
   10-14 segments, about 270 words of transcript each).
2. Throughput: `callstudio serve --no-worker` takes a stream of --calls calls (default 20,000),
   all left pending. Then one `callstudio worker` process (its default threads; one analysis
   pass runs at a time) starts, and the calls' own `analyzed_at` times say how fast it went:
   calls analysed after the first batch, divided by the time from the first batch to the last
   (the start-up of the process, about a second of importing Django, is left out and printed).
3. Freshness: `callstudio serve` with its in-process worker, as the embedded default runs.
   A client sends --rate calls/s (default 50) for --seconds (default 60), each at its planned
   time, and notes when each was accepted. A second thread reads every 100 ms which of them are
   analysed (the transaction that sets `analyzed_at` is the one that adds the call to the team's
   rollups, so a call is counted from the moment it is seen here): latency = first seen -
   accepted, an upper bound (the polling adds up to 100 ms).
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import Bench, build_team, callstudio, context, log, pct  # noqa: E402
from ingest import make_calls, stream  # noqa: E402

THROUGHPUT_TARGET = 1000.0
# Client threads sharing the sustained stream (calls come from many phone systems at once).
SENDERS = 4
P95_TARGET = 5.0


def pending() -> int:
    from callstudio.calls.models import Call

    return Call.objects.filter(analyzed_at__isnull=True).count()


def throughput(bench: Bench, team: dict, n: int) -> dict:
    from callstudio.calls.models import Call

    lines, _ = make_calls(n, team, team["teams"][0], "backlog", seed=11)
    os.environ["CALLSTUDIO_WORKER"] = "external"  # `serve` leaves the analysis to a worker
    base = bench.serve()
    url = f"/api/v1/workflows/{team['workflows'][0]}/calls/stream"
    with httpx.Client(base_url=base, timeout=httpx.Timeout(600)) as client:
        elapsed, _, result = stream(
            client, url, lines, {"Authorization": f"Bearer {team['ingest_key']}"}
        )
    log(f"  stored {result['accepted']:,} calls in {elapsed:.1f} s; {pending():,} pending")
    stop(bench)
    started = time.perf_counter()
    log_path = Path(bench.data_dir, "worker.log")
    with log_path.open("w") as fh:
        worker = subprocess.Popen(callstudio("worker"), stdout=fh, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 900
        while pending() > 0:
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "the worker stopped or stalled:\n" + log_path.read_text()[-3000:]
                )
            time.sleep(0.1)
        wall = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    times = sorted(Call.objects.values_list("analyzed_at", flat=True))
    batches = sorted(set(times))
    first_batch = times.count(batches[0])
    span = (batches[-1] - batches[0]).total_seconds()
    rate = (len(times) - first_batch) / span if span else float("inf")
    return {
        "rate": rate,
        "wall": wall,
        "wall_rate": len(times) / wall,
        "batches": len(batches),
    }


def stop(bench: Bench) -> None:
    bench.server.terminate()
    bench.server.wait(timeout=60)
    bench.server = None


def freshness(bench: Bench, team: dict, rate: float, seconds: float) -> dict:
    from django.db import connection

    from callstudio.calls.models import Call

    n = int(rate * seconds)
    lines, _ = make_calls(n, team, team["teams"][1], "fresh", seed=12)
    os.environ["CALLSTUDIO_WORKER"] = "inprocess"
    base = bench.serve()
    team_id = team["teams"][1]
    accepted: dict[str, float] = {}
    seen: dict[str, float] = {}
    sending = threading.Event()
    sending.set()

    def watch():
        # A batch's calls share one analyzed_at, and batches commit one after another: asking
        # for those analysed at or after the latest time seen finds every new one, cheaply.
        since = None
        try:
            while sending.is_set() or len(seen) < len(accepted):
                now = time.perf_counter()
                done = Call.objects.filter(team_id=team_id, analyzed_at__isnull=False)
                if since is not None:
                    done = done.filter(analyzed_at__gte=since)
                for external_id, at in done.values_list("external_id", "analyzed_at"):
                    seen.setdefault(external_id, now)
                    since = at if since is None else max(since, at)
                time.sleep(0.1)
        finally:
            connection.close()

    watcher = threading.Thread(target=watch, daemon=True)
    url = f"{base}/api/v1/workflows/{team['workflows'][1]}/calls"
    headers = {"Authorization": f"Bearer {team['ingest_key']}", "Content-Type": "application/json"}
    late, took = [0] * SENDERS, [[] for _ in range(SENDERS)]
    failures = []

    def send(k: int):
        # Sender k sends calls k, k + SENDERS, ...: each at its planned time.
        with httpx.Client(timeout=30) as client:
            for i in range(k, n, SENDERS):
                wait = start + i / rate - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                elif wait < -0.5:
                    late[k] += 1
                t0 = time.perf_counter()
                r = client.post(url, content=lines[i], headers=headers)
                done = time.perf_counter()
                if r.status_code != 201:
                    failures.append(f"HTTP {r.status_code}: {r.text[:300]}")
                    return
                took[k].append(done - t0)
                accepted[orjson.loads(lines[i])["external_id"]] = done

    httpx.get(f"{base}/healthz").raise_for_status()
    watcher.start()
    start = time.perf_counter()
    senders = [threading.Thread(target=send, args=(k,)) for k in range(SENDERS)]
    for t in senders:
        t.start()
    while any(t.is_alive() for t in senders):
        senders[0].join(10)
        log(f"  {len(accepted):,}/{n:,} accepted; {len(seen):,} counted so far")
    for t in senders:
        t.join()
    sent_in = max(accepted.values()) - start
    if failures:
        raise RuntimeError(failures[0])
    took = sorted(x for per in took for x in per)
    sending.clear()
    watcher.join(timeout=120)
    if len(seen) < n:
        raise RuntimeError(f"only {len(seen)} of {n} calls were analysed within 2 minutes")
    latencies = sorted(seen[e] - accepted[e] for e in accepted)
    stop(bench)
    return {
        "sent": n,
        "rate": n / sent_in,
        "late": sum(late),
        "p50": statistics.median(latencies),
        "p95": pct(latencies, 95),
        "max": latencies[-1],
        "post_p50": statistics.median(took) * 1000,
        "post_p95": pct(took, 95) * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: a new SQLite file)")
    parser.add_argument("--calls", type=int, default=20_000, help="backlog for the throughput")
    parser.add_argument("--rate", type=float, default=50.0, help="calls/s of the sustained stream")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the stream")
    parser.add_argument(
        "--no-fail", action="store_true", help="exit 0 even when a target is missed"
    )
    args = parser.parse_args()
    print(context())
    with Bench(args.database_url, "bench_freshness") as bench:
        team = build_team(20, teams=2)
        log(f"throughput: {args.calls:,} calls pending, then one `callstudio worker`")
        t = throughput(bench, team, args.calls)
        log(f"freshness: {args.rate:g} calls/s for {args.seconds:g} s, worker in `serve`")
        f = freshness(bench, team, args.rate, args.seconds)
    ok_rate = t["rate"] >= THROUGHPUT_TARGET
    ok_p95 = f["p95"] <= P95_TARGET
    print()
    print(f"database: {bench.vendor}")
    print(
        f"throughput, one worker process: {t['rate']:,.0f} calls/s analysed "
        f"({t['batches']} batches; {t['wall']:.1f} s from starting the process, "
        f"{t['wall_rate']:,.0f} calls/s with its start-up)  target >= {THROUGHPUT_TARGET:,.0f}  "
        f"{'OK' if ok_rate else 'MISSED'}"
    )
    print(
        f"freshness at {f['rate']:.1f} calls/s ({f['sent']:,} calls, {f['late']} sent late): "
        f"POST p50 {f['post_p50']:.1f} ms, p95 {f['post_p95']:.1f} ms; "
        f"acceptance -> counted p50 {f['p50']:.2f} s, p95 {f['p95']:.2f} s, max {f['max']:.2f} s"
        f"  target p95 <= {P95_TARGET:g} s  {'OK' if ok_p95 else 'MISSED'}"
    )
    return 0 if (ok_rate and ok_p95) or args.no_fail else 1


if __name__ == "__main__":
    sys.exit(main())
