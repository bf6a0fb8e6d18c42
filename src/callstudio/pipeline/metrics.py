"""What the background work has left to do, read from the database at each scrape of /metrics
(core/metrics.py): a few indexed reads."""

from django.db.models import Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from callstudio.calls.models import Call
from callstudio.core.tasks import QUEUES
from callstudio.rules.models import WebhookDelivery


class BacklogCollector:
    def collect(self):
        pending = Call.objects.filter(analyzed_at__isnull=True)
        yield GaugeMetricFamily(
            "callstudio_calls_awaiting_analysis",
            "Calls stored but not yet analysed (not yet counted in analytics).",
            value=pending.count(),
        )
        first = pending.aggregate(first=Min("id"))["first"]
        oldest = Call.objects.filter(id=first).values_list("created_at", flat=True).first()
        age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "callstudio_calls_awaiting_analysis_oldest_seconds",
            "How long the oldest call awaiting analysis has waited (0 when none waits).",
            value=max(age, 0.0),
        )
        yield GaugeMetricFamily(
            "callstudio_webhook_deliveries_pending",
            "Webhook deliveries not yet delivered: to be sent, or waiting for a retry.",
            value=WebhookDelivery.objects.filter(status=WebhookDelivery.PENDING).count(),
        )
        queued = GaugeMetricFamily(
            "callstudio_tasks_queued",
            "Background tasks waiting, by queue (default: analysis and housekeeping; webhooks).",
            labels=["queue"],
        )
        for name, queue in QUEUES.items():
            queued.add_metric([name], queue.pending_count())
        yield queued
