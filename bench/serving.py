"""Which HTTP server should `callstudio serve` run? The candidates side by side in one run, on
one database, the same requests.

Candidates (each one web process, the background worker not in it):
- `callstudio serve` as shipped: granian running the WSGI application (callstudio/wsgi.py:
  threads, each keeping its SQLite connection);
- granian running the ASGI application (callstudio/asgi.py);
- uvicorn running the ASGI application (what `callstudio serve` ran before);
- gunicorn with uvicorn workers (`uvicorn_worker.UvicornWorker`) running it.

Method, all in one run:
1. A fresh data dir and database (SQLite file, or a PostgreSQL database `bench_serving` beside
   the one --database-url names, dropped at the end), migrated; one organization with 3 teams,
   a supervisor and 20 Agents (bench/_harness.build_team), 200 calls in the first team.
2. Every candidate started at once, each on its own free port of 127.0.0.1.
3. Rounds: each round sends every request to every candidate, in an order that rotates every
   round (so noise hits them alike), over one keep-alive httpx client per candidate. Requests:
   `GET /me`, the team (`GET /orgs/{org}/teams/{team}`), the first page of members, the first
   page of the team's calls, and a new call (`POST /workflows/{id}/calls`, a fresh external ID
   each time). A latency is the client's wall time for one request and its response.
4. Report: p50 and p95 per candidate and request, and each p50 over the shipped server's.

No target: the figures that chose the server (docs/performance.md, "Serving").

Usage: python bench/serving.py [--database-url URL] [--rounds N] [--warmup N]
"""

import argparse
import itertools
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from _harness import Bench, build_team, callstudio, context, log, pct, wait_healthy

BIN = Path(sys.executable).parent
SHIPPED = "callstudio serve (granian, WSGI)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def candidates(port: dict) -> dict[str, list[str]]:
    asgi = "callstudio.asgi:application"
    return {
        SHIPPED: callstudio("serve", "--no-worker", "--port", str(port[SHIPPED])),
        "granian, ASGI": [
            str(BIN / "granian"),
            *("--interface", "asgi", "--port", str(port["granian, ASGI"])),
            *("--log-level", "warning", asgi),
        ],
        "uvicorn, ASGI": [
            str(BIN / "uvicorn"),
            *("--port", str(port["uvicorn, ASGI"]), "--log-level", "warning", "--lifespan"),
            *("off", asgi),
        ],
        "gunicorn + uvicorn workers, ASGI": [
            str(BIN / "gunicorn"),
            *("-b", f"127.0.0.1:{port['gunicorn + uvicorn workers, ASGI']}", "-w", "1"),
            *("-k", "uvicorn_worker.UvicornWorker", "--log-level", "warning", asgi),
        ],
    }


def requests(team: dict):
    org, first = team["org"], team["teams"][0]
    auth = {"Authorization": f"Bearer {team['tokens']['admin']}"}
    ingest = {"Authorization": f"Bearer {team['ingest_key']}"}
    counter = itertools.count()

    def new_call():
        n = next(counter)
        return {
            "external_id": f"serving-{time.time_ns()}-{n}",
            "started_at": "2026-11-28T09:30:00Z",
            "duration_seconds": 42,
            "transcript": [
                {"speaker": "agent", "start": 0, "end": 4, "text": "Thanks for calling."},
                {"speaker": "customer", "start": 4, "end": 9, "text": "My invoice is wrong."},
            ],
        }

    return {
        "GET /me": lambda c: c.get("/api/v1/me", headers=auth),
        "GET team": lambda c: c.get(f"/api/v1/orgs/{org}/teams/{first}", headers=auth),
        "GET members": lambda c: c.get(f"/api/v1/orgs/{org}/members", headers=auth),
        "GET team calls": lambda c: c.get(f"/api/v1/orgs/{org}/teams/{first}/calls", headers=auth),
        "POST a call": lambda c: c.post(
            f"/api/v1/workflows/{team['workflows'][0]}/calls", json=new_call(), headers=ingest
        ),
    }


def seed_calls(team: dict, n: int) -> None:
    """n calls in the first team, through the ingestion service (one batch)."""
    from callstudio.calls.ingest import store_calls
    from callstudio.calls.schemas import CallIn
    from callstudio.orgs.models import Team

    home = Team.objects.get(id=team["teams"][0])
    calls = [
        CallIn.model_validate(
            {
                "external_id": f"seed-{i:05d}",
                "started_at": f"2026-11-{1 + i % 28:02d}T09:{i % 60:02d}:00Z",
                "duration_seconds": 60 + i % 300,
                "transcript": [
                    {"speaker": "agent", "start": 0, "end": 5, "text": "How can I help?"},
                    {"speaker": "customer", "start": 5, "end": 9, "text": "A refund, please."},
                ],
            }
        )
        for i in range(n)
    ]
    store_calls(team=home, calls=calls)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a new SQLite file)")
    parser.add_argument("--rounds", type=int, default=400, help="measured rounds")
    parser.add_argument("--warmup", type=int, default=50, help="warm-up rounds")
    args = parser.parse_args()

    with Bench(args.database_url, "bench_serving") as bench:
        team = build_team(20, teams=3)
        seed_calls(team, 200)
        from django.db import connections

        connections.close_all()
        names = [SHIPPED, "granian, ASGI", "uvicorn, ASGI", "gunicorn + uvicorn workers, ASGI"]
        ports = {name: free_port() for name in names}
        processes, clients = {}, {}
        try:
            for name, command in candidates(ports).items():
                log_path = Path(bench.data_dir, f"server-{len(processes)}.log")
                with log_path.open("w") as log_file:  # the child keeps its own descriptor
                    processes[name] = subprocess.Popen(
                        command, stdout=log_file, stderr=subprocess.STDOUT
                    )
            for name, process in processes.items():
                base = f"http://127.0.0.1:{ports[name]}"
                wait_healthy(base, process, name)
                clients[name] = httpx.Client(base_url=base, timeout=30)
            log(f"{len(clients)} servers up; {args.warmup} warm-up and {args.rounds} rounds")
            kinds = requests(team)
            times = {(name, kind): [] for name in names for kind in kinds}
            for i in range(args.warmup + args.rounds):
                order = names[i % len(names) :] + names[: i % len(names)]
                for kind, send in kinds.items():
                    for name in order:
                        start = time.perf_counter()
                        response = send(clients[name])
                        spent = time.perf_counter() - start
                        if response.status_code not in (200, 201):
                            raise RuntimeError(f"{name} {kind}: {response.status_code}")
                        if i >= args.warmup:
                            times[name, kind].append(spent)
                if (i + 1) % 100 == 0:
                    log(f"  {i + 1} rounds")
        finally:
            for client in clients.values():
                client.close()
            for process in processes.values():
                process.terminate()
            for process in processes.values():
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()

    print(f"\n== serving: {bench.vendor}, one web process each, {args.rounds} rounds ==")
    print(f"   {context()}")
    width = max(len(n) for n in names)
    print(f"{'p50 / p95 ms':{width}}  " + "  ".join(f"{k:>16}" for k in kinds))
    for name in names:
        cells = [
            f"{pct(times[name, k], 50) * 1e3:7.2f} {pct(times[name, k], 95) * 1e3:7.2f} "
            for k in kinds
        ]
        print(f"{name:{width}}  " + "  ".join(f"{c:>16}" for c in cells))
    print(f"\n{'p50 / the shipped server':{width}}  " + "  ".join(f"{k:>16}" for k in kinds))
    for name in names[1:]:
        ratios = [pct(times[name, k], 50) / pct(times[SHIPPED, k], 50) for k in kinds]
        print(f"{name:{width}}  " + "  ".join(f"{r:16.2f}" for r in ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
