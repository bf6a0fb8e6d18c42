"""What a long-running process (a web process, a worker) does once it has started.

`tune_collector`: the objects start-up made (modules, URL patterns, settings, models'
metadata: about 250,000 of them) live as long as the process. Python's cycle collector would walk
them again at every full collection, and a request that holds many objects for a while (a stream
of calls, 1,000 validated calls per batch) triggers full collections often: measured in-process,
collecting took 40-100 µs of every streamed call. `gc.freeze()` moves them out of the collector's
sight, as large Python services do after start-up. Then the youngest generation is collected
every 20,000 new containers instead of every 700: a stream's batch (1,000 calls, ~40 containers
each) no longer sets off a young collection every 18 calls, and what dies young is freed by its
reference count before any collection looks at it. Measured on `bench/ingest.py` (SQLite, two
runs each, alternated): stream 5,509 and 5,962 calls/s before, 9,328 and 8,199 after; the web
process's peak memory unchanged (221 MB).

`shorten_switch_interval`: see below."""

import gc
import sys

GC_THRESHOLDS = (20_000, 20, 20)


def tune_collector() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


# A thread that gives up the GIL for the database (a stream's writer, calls/stream.py) waits
# for it again until the running thread is made to let go: 5 ms by Python's default, at every
# statement's end. 1 ms keeps a web process's threads taking turns closely; measured on a
# stream, +11% calls/s (docs/performance.md, "Where a streamed call's time goes").
SWITCH_INTERVAL = 0.001


def shorten_switch_interval() -> None:
    sys.setswitchinterval(SWITCH_INTERVAL)
