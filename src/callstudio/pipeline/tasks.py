"""The worker's side of analysis and webhooks (core/tasks.py runs them): the analysis task, the
per-minute sweep, and the nudge that hands freshly stored calls to the worker.

Huey knows a task by module and name (`callstudio.pipeline.tasks.analyze_calls`,
`callstudio.pipeline.delivery.deliver_webhook`). A message queued under an older name (before an
upgrade moved the task) is dropped by the consumer; the sweep finds its calls and due
deliveries within a minute, so nothing is lost."""

import logging

from huey.exceptions import TaskLockedException

from callstudio.core.tasks import crontab, huey, periodic_task, task
from callstudio.rules.webhooks import due_deliveries

from .analysis import analyze_pending
from .delivery import deliver_webhook

log = logging.getLogger(__name__)


AGAIN = "analyze-calls-again"
# Made at import, not inside the task: Huey registers a lock's name when the lock is made, and
# only registered names are cleared by the consumer's flush_locks at start (core/tasks.py). A
# lock made on first use left a killed pass's lock in place, and analysis never ran again.
ANALYZE_LOCK = huey.lock_task("analyze-calls")


@task(retries=3, retry_delay=10)  # e.g. the database was briefly unreachable
def analyze_calls() -> int:
    """Analyse every pending call. Enqueued after each ingested batch commits. One pass runs at a
    time (a lock shared by every worker on the queue); a request that finds the lock taken leaves
    a flag, and the running pass goes round again when it sees it after releasing the lock, so
    calls committed during a pass wait for no sweep."""
    done, tries = 0, 0
    while True:
        try:
            with ANALYZE_LOCK:
                huey.get(AGAIN)  # this pass covers every request made until now
                done += analyze_pending(give_way=True)
        except TaskLockedException:
            huey.put(AGAIN, 1)
            tries += 1
            if tries > 1:  # still held after the flag was left: the holder will see it
                return done
            continue
        if huey.get(AGAIN) is None:
            return done
        tries = 0


@periodic_task(crontab(minute="*"), at_start=True)
def sweep() -> None:
    """Every minute, and when a worker starts: calls left pending (a lost hand-over, a crash
    mid-batch) and deliveries due (one whose worker died mid-attempt is due when its claim
    runs out)."""
    analyze_calls()
    for delivery_id in due_deliveries():
        deliver_webhook(delivery_id)


def nudge() -> None:
    """Hand the analysis to the worker; a failure to enqueue only delays it to the next sweep."""
    try:
        analyze_calls()
    except Exception:  # the queue is down: the sweep will find the calls
        log.warning("could not enqueue call analysis", exc_info=True)


def on_calls_stored(sender, **kwargs) -> None:
    """calls_stored (calls/signals.py), sent after an ingested batch commits."""
    nudge()
