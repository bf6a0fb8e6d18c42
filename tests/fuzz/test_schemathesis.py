"""Schemathesis against our own OpenAPI document, through the whole Django stack, as Acme's Admin
(who may do everything) and with real identifiers in the paths, so generated bodies and query
strings reach the real logic. Checks: no 5xx, responses match the declared schemas and content
types, invalid data is rejected, authentication is never ignored."""

import orjson
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
)

from callstudio.access.policy import org_access, team_access
from callstudio.accounts.models import PersonalToken
from callstudio.calls.ingest import ingest_one
from callstudio.calls.schemas import CallIn
from callstudio.calls.services import ingest_key_create
from callstudio.directory.services import invitation_create
from callstudio.pipeline.analysis import analyze_pending
from callstudio.rules.models import Alert
from callstudio.rules.services import alert_rule_create, automation_create
from callstudio.scim.tokens import scim_token_create
from tests.calls.conftest import call_body


@schemathesis.serializer("application/x-ndjson")
def _ndjson(ctx, value):
    """A stream body as generated: text as is, anything else as one JSON line."""
    if isinstance(value, bytes):
        return value
    return value.encode() if isinstance(value, str) else orjson.dumps(value) + b"\n"


CHECKS = [
    not_a_server_error,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]
EXAMPLES = 40


@pytest.fixture
def fuzz_world(world):
    access = org_access(world["admin"].account, world.org.id)
    key, raw = ingest_key_create(access=access, name="fuzz")
    call_id, _ = ingest_one(team=world.team, call=CallIn.model_validate(call_body("fuzz-call")))
    in_team = team_access(access, world.team.id)
    rule = alert_rule_create(
        access=in_team, name="Refunds", condition={"type": "keyword", "phrases": ["refund"]}
    )
    automation = automation_create(
        access=in_team,
        name="Tag",
        trigger="call.ingested",
        actions=[{"type": "add_tag", "tag": "seen"}],
    )
    analyze_pending()
    invitation, _ = invitation_create(access=access, email="fuzzed@elsewhere.test")
    scim_token, _ = scim_token_create(access=access, name="Okta")
    paths = {
        "scim_token": scim_token.id,
        "invitation_id": invitation.id,
        "rule": rule.id,
        "automation": automation.id,
        "alert": Alert.objects.get(rule=rule).id,
        "org": world.org.id,
        "team": world.team.id,
        "account_id": world["agent"].account_id,
        "role": world.custom_role.id,
        "key_id": key.id,
        "call": str(call_id),
        "workflow_id": world.team.workflow_id,
        "token_id": PersonalToken.objects.filter(account=world["admin"].account).values_list(
            "id", flat=True
        )[0],
    }
    return {"paths": paths, "token": world["admin"].token, "key": raw}


@pytest.fixture
def api_schema(db):
    # As Django's test client does: requests must not close the test's database connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def operations() -> list[str]:
    """Operation labels, read from the document without a database (for test ids)."""
    from callstudio.api.main import api

    return [f"{m.upper()} {p}" for p, ops in api.get_openapi_schema()["paths"].items() for m in ops]


@pytest.mark.parametrize("label", operations())
def test_api_holds_up_under_generated_requests(api_schema, fuzz_world, label):
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]
    secret = fuzz_world["key"] if path.startswith("/api/v1/workflows/") else fuzz_world["token"]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case):
        case.path_parameters = {
            k: fuzz_world["paths"].get(k, v) for k, v in (case.path_parameters or {}).items()
        }
        case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)

    fuzz()
