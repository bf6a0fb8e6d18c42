"""The webhook delivery task. A module of its own so that the analysis pass, which hands new
deliveries over after its commit, need not import tasks.py (which runs the pass)."""

from callstudio.core.tasks import task
from callstudio.rules.webhooks import attempt


@task()
def deliver_webhook(delivery_id: str) -> None:
    delay = attempt(delivery_id)
    if delay is not None:
        deliver_webhook.schedule((delivery_id,), delay=delay)
