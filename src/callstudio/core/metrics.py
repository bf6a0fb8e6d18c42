"""Prometheus metrics: what every request costs, and what the background work has left to do.

- Per request (RequestMetricsMiddleware): `callstudio_http_requests_total` and
  `callstudio_http_request_duration_seconds`, labelled by method, route (the URL pattern, so
  `/api/v1/orgs/<org_id>/…` is one series whatever the organization) and status.
- Per ingested call: `callstudio_calls_ingested_total`.
- Read from the database when scraped (pipeline/metrics.py): calls awaiting analysis and the
  age of the oldest, webhook deliveries not yet delivered, and tasks waiting in the queue.

Several web processes (`callstudio serve --workers N`) write their counters to files in
PROMETHEUS_MULTIPROC_DIR (set by `callstudio serve`, emptied when it starts), and a scrape of
any process adds them all up. Without it (a single process) the counters live in memory.

`GET /metrics` answers only with `Authorization: Bearer $CALLSTUDIO_METRICS_TOKEN`; without the
setting it does not exist (404). docs/operations.md lists the metrics and what to alert on."""

import hmac
import os
import time

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from .requestlog import route_of

REQUESTS = Counter(
    "callstudio_http_requests",
    "HTTP requests answered, by method, route and status.",
    ["method", "route", "status"],
)
DURATION = Histogram(
    "callstudio_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
CALLS_INGESTED = Counter("callstudio_calls_ingested", "Calls stored by ingestion (new ones).")


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        route = route_of(request)
        DURATION.labels(request.method, route).observe(time.perf_counter() - start)
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        return response


# Collectors read at each scrape, added by the apps that know what they count (the pipeline's
# backlog: pipeline/metrics.py).
SCRAPE_COLLECTORS = []


def add_scrape_collector(collector) -> None:
    if collector not in SCRAPE_COLLECTORS:
        SCRAPE_COLLECTORS.append(collector)


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # every web process's files
    else:
        for collector in (REQUESTS, DURATION, CALLS_INGESTED):
            registry.register(collector)
    for collector in SCRAPE_COLLECTORS:
        registry.register(collector)
    return registry


@require_safe
def metrics_view(request):
    token = settings.CALLSTUDIO_METRICS_TOKEN
    if not token:
        raise Http404("Metrics are not enabled (CALLSTUDIO_METRICS_TOKEN).")
    sent = request.headers.get("Authorization", "")
    if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        response = HttpResponse("A metrics token is required.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        response["Content-Type"] = "text/plain; charset=utf-8"
        return response
    response = HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
