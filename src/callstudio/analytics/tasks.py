"""The worker's side of analysis and webhooks (core/tasks.py runs them)."""

import logging

from huey.exceptions import TaskLockedException

from callstudio.core.tasks import crontab, huey, periodic_task, task
from callstudio.rules.webhooks import attempt, due_deliveries

from .pipeline import analyze_pending

log = logging.getLogger(__name__)


@task()
def analyze_calls() -> int:
    """Analyse every pending call. Enqueued after each ingested batch commits; one runs at a
    time (a lock shared by every worker on the queue), the others return at once."""
    try:
        with huey.lock_task("analyze-calls"):
            return analyze_pending()
    except TaskLockedException:
        return 0


@task()
def deliver_webhook(delivery_id: str) -> None:
    delay = attempt(delivery_id)
    if delay is not None:
        deliver_webhook.schedule((delivery_id,), delay=delay)


@periodic_task(crontab(minute="*"))
def sweep() -> None:
    """Every minute: calls left pending (a lost hand-over, a crash mid-batch) and deliveries due."""
    analyze_calls()
    for delivery_id in due_deliveries():
        deliver_webhook(delivery_id)


def nudge() -> None:
    """Hand the analysis to the worker; a failure to enqueue only delays it to the next sweep."""
    try:
        analyze_calls()
    except Exception:  # the queue is down: the sweep will find the calls
        log.warning("could not enqueue call analysis", exc_info=True)
