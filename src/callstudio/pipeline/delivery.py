"""The webhook delivery task, on the webhooks queue (core/tasks.py). A module of its own so that
the analysis pass, which hands new deliveries over after its commit, need not import tasks.py
(which runs the pass)."""

from callstudio.core.tasks import task
from callstudio.rules.webhooks import attempt


@task(queue="webhooks")
def deliver_webhook(delivery_id: str) -> None:
    outcome = attempt(delivery_id)
    if outcome.retry_in is not None:
        deliver_webhook.schedule((delivery_id,), delay=outcome.retry_in)
    if outcome.next_id is not None:  # the organization's next delivery waiting for this slot
        deliver_webhook(outcome.next_id)
