"""Hardening: throttling, nesting, secrets out of logs, deploy checks."""

import logging
import time
from types import SimpleNamespace
from unittest import mock

import orjson
from django.test import override_settings

from callstudio.calls.models import Call
from tests.calls.conftest import call_body, ingest  # noqa: F401  (fixture)
from tests.helpers import assert_problem, expect, fingerprint


@override_settings(CALLSTUDIO_INGEST_REQUESTS_PER_MINUTE=3)
def test_ingestion_is_throttled_per_key(world, ingest):  # noqa: F811
    # The counter's window is the clock minute: the rate limiter's clock is frozen 10 s into a
    # minute, so the window cannot turn over mid-test, then moved on to the next minute.
    now = [(int(time.time()) // 60 + 1) * 60 + 10]
    with mock.patch("callstudio.core.ratelimit.time", SimpleNamespace(time=lambda: now[0])):
        for i in range(3):
            assert ingest.post(ingest.url, call_body(f"c{i}")).status_code == 201
        before = fingerprint()
        response = ingest.post(ingest.url, call_body("c3"))
        assert_problem(response, 429)
        assert response["Retry-After"] == "50"  # the window ends at the minute
        assert fingerprint() == before and Call.objects.count() == 3
        now[0] += 50  # the next minute: a new window
        assert ingest.post(ingest.url, call_body("c3")).status_code == 201


def test_deeply_nested_json_is_a_4xx_everywhere(world, ingest):  # noqa: F811
    deep = b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    before = fingerprint()
    assert world.api("admin").post(f"{world.org_url}/teams", raw=deep).status_code == 400
    deep_call = (
        orjson.dumps(call_body("deep"))[:-1] + b', "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    )
    assert ingest.post(ingest.url, raw=deep_call).status_code == 422
    assert fingerprint() == before
    nested_meta = call_body("meta", metadata={"a": {"b": {"c": {"d": {"e": [[[[[[1]]]]]]}}}}})
    assert ingest.post(ingest.url, nested_meta).status_code == 201  # reasonable nesting is fine


def test_secrets_never_reach_the_logs(world, caplog, api):
    caplog.set_level(logging.DEBUG)
    password = "a-long-test-password-91"
    token = expect(
        api.post("/api/v1/auth/tokens", {"email": "member@acme.test", "password": password}), 201
    )["token"]
    wrong = {"email": "member@acme.test", "password": "wrong-secret-xyz"}
    assert_problem(api.post("/api/v1/auth/tokens", wrong), 401)
    assert_problem(world.api(None).as_(token + "x").get("/api/v1/me"), 401)
    assert_problem(world.api(None).as_(token).get(f"{world.org_url}/audit-log"), 403)
    text = "\n".join(r.getMessage() + str(r.args) for r in caplog.records)
    for secret in (password, "wrong-secret-xyz", token, world["member"].token):
        assert secret not in text
