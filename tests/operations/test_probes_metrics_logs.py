"""Probes (/healthz, /readyz), Prometheus metrics (/metrics) and the request log, in-process."""

import io
import json
import logging
import threading
import time

import pytest
import structlog
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

from callstudio.access.policy import org_access
from callstudio.calls import ingest as ingest_module
from callstudio.calls.models import Call
from callstudio.calls.services import ingest_key_create
from callstudio.core.requestlog import logging_config
from callstudio.web.views import health
from tests.calls.conftest import call_body

TOKEN = "metrics-token-for-tests-0123456789"


def samples(text: str) -> dict:
    """{(name, frozenset(labels)): value} of a Prometheus text page."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[s.name, frozenset(s.labels.items())] = s.value
    return out


@pytest.fixture
def fresh_readiness(monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)


# --- probes ---------------------------------------------------------------------------------


def test_readyz_is_200_when_the_database_is_current(db, fresh_readiness):
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "queue": "ok"}}
    assert response["Cache-Control"] == "no-store"


def test_readyz_is_503_while_migrations_are_pending(db, fresh_readiness, monkeypatch):
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("x", False)])
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == ("migrations pending: run `callstudio migrate`")


def test_readyz_is_503_when_the_database_does_not_answer(db, fresh_readiness, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise connection.Database.OperationalError("connection refused")

        def close(self):
            pass

    monkeypatch.setattr(health, "connection", Unreachable())
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "unreachable: OperationalError", "queue": "ok"}


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_readyz_is_503_when_the_queue_does_not_answer(db, fresh_readiness):
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "not ready",
        "checks": {"database": "ok", "queue": "unreachable: ConnectionError"},
    }


def test_readyz_answers_within_its_deadline_when_the_database_hangs(
    db, fresh_readiness, monkeypatch
):
    release = threading.Event()

    class Hanging:
        def cursor(self):
            release.wait(10)  # a connection attempt that takes its time
            raise connection.Database.OperationalError("timed out")

        def close(self):
            pass

    monkeypatch.setattr(health, "connection", Hanging())
    started = time.monotonic()
    response = Client().get("/readyz")
    took = time.monotonic() - started
    release.set()
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unreachable: no answer within 1.5 s"
    assert 1.4 < took < 2.0, took


def test_readyz_refuses_writes(db):
    assert Client().post("/readyz").status_code == 405


# --- metrics --------------------------------------------------------------------------------


@override_settings(CALLSTUDIO_METRICS_TOKEN="")
def test_metrics_do_not_exist_without_a_token_setting(db):
    assert Client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


@override_settings(CALLSTUDIO_METRICS_TOKEN=TOKEN)
@pytest.mark.parametrize("sent", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_metrics_refuse_a_missing_or_wrong_token(db, sent):
    headers = {"Authorization": sent} if sent else {}
    response = Client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"callstudio_" not in response.content


@override_settings(CALLSTUDIO_METRICS_TOKEN=TOKEN)
def test_metrics_count_requests_by_route_and_report_the_backlog(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    def scrape():
        response = Client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain; version=")
        assert response["Cache-Control"] == "no-store"
        return samples(response.content.decode())

    route = "/api/v1/orgs/<org>/teams/<team>"
    labels = frozenset({"method": "GET", "route": route, "status": "200"}.items())
    before = scrape()
    for _ in range(3):
        assert world.api("admin").get(world.team_url).status_code == 200
    assert world.api("admin").get(f"{world.org_url}/teams/nope").status_code == 404
    after = scrape()
    key = ("callstudio_http_requests_total", labels)
    assert after[key] - before.get(key, 0) == 3
    # One series per route, whatever the organization or team in the path.
    assert not [k for k in after if world.team.id in str(k) or world.org.id in str(k)]

    ingested = ("callstudio_calls_ingested_total", frozenset())
    _, key = ingest_key_create(access=org_access(world["admin"].account, world.org.id), name="m")
    url = f"/api/v1/workflows/{world.team.workflow_id}/calls"
    # Counted once committed; the analysis is not handed over, so the calls wait for it.
    monkeypatch.setattr(ingest_module.calls_stored, "send_robust", lambda **kwargs: [])
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(4):
            assert world.api(None).as_(key).post(url, call_body(f"m-{n}")).status_code == 201
    now = scrape()
    assert now[ingested] - after[ingested] == 4
    assert Call.objects.filter(analyzed_at__isnull=True).count() == 4
    assert now["callstudio_calls_awaiting_analysis", frozenset()] == 4
    assert now["callstudio_calls_awaiting_analysis_oldest_seconds", frozenset()] >= 0
    assert now["callstudio_webhook_deliveries_pending", frozenset()] == 0
    for queue in ("default", "webhooks"):
        assert now["callstudio_tasks_queued", frozenset({("queue", queue)})] == 0


# --- the request log ------------------------------------------------------------------------


def request_lines(caplog) -> list[dict]:
    return [r.msg for r in caplog.records if r.name == "callstudio.request"]


def test_each_request_gets_an_id_and_one_log_line_without_secrets(world, caplog):
    caplog.set_level(logging.INFO, logger="callstudio.request")
    api = world.api("admin")
    response = api.request("GET", world.team_url, headers={"X-Request-ID": "lb-42.a:b"})
    assert response.status_code == 200
    assert response["X-Request-ID"] == "lb-42.a:b"
    (line,) = request_lines(caplog)
    assert line["event"] == "request"
    assert line["request_id"] == "lb-42.a:b"
    assert line["method"] == "GET"
    assert line["route"] == "/api/v1/orgs/<org>/teams/<team>"
    assert line["organization"] == world.org.id
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert world["admin"].token not in str(line)


@pytest.mark.parametrize("sent", ["", "x" * 65, "has space", "semi;colon", "ünï"])
def test_an_unusable_request_id_is_replaced(world, caplog, sent):
    caplog.set_level(logging.INFO, logger="callstudio.request")
    response = world.api("admin").request("GET", "/api/v1/me", headers={"X-Request-ID": sent})
    assert response.status_code == 200
    given = response["X-Request-ID"]
    assert given != sent and len(given) == 32 and int(given, 16) >= 0
    assert request_lines(caplog)[-1]["request_id"] == given


def test_the_log_never_holds_a_path_or_query(world, caplog):
    caplog.set_level(logging.INFO, logger="callstudio.request")
    secret = "reset-token-abcdef123456"
    Client().get(f"/invitations/{secret}?token={secret}")
    lines = request_lines(caplog)
    assert lines and secret not in str(lines)


def test_the_json_format_writes_one_object_per_line_with_the_request_id():
    config = logging_config("json", "INFO")
    spec = dict(config["formatters"]["main"])
    formatter = spec.pop("()")(**spec)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("tests.json_format")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        with structlog.contextvars.bound_contextvars(request_id="r-1"):
            structlog.get_logger("tests.json_format").info("request", status=200)
            logger.warning("plain %s", "stdlib")
            try:
                raise ValueError("boom")
            except ValueError:
                logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(x["event"], x["level"], x["request_id"]) for x in lines] == [
        ("request", "info", "r-1"),
        ("plain stdlib", "warning", "r-1"),
        ("failed", "error", "r-1"),
    ]
    assert lines[0]["status"] == 200 and lines[0]["logger"] == "tests.json_format"
    assert "ValueError: boom" in lines[2]["exception"]


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="json or text"):
        logging_config("yaml", "INFO")
