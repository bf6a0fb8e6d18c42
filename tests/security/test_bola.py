"""BOLA / IDOR: every object identifier in a route, given another organization's real identifier,
answers 404 to Acme's Admin (who may do everything in Acme), whatever the method; and lists hold
no row of another organization."""

import orjson
import pytest

from callstudio.access.policy import org_access
from callstudio.access.services import role_create
from callstudio.accounts.models import PersonalToken
from callstudio.calls.ingest import ingest_one
from callstudio.calls.schemas import CallIn
from callstudio.calls.services import ingest_key_create
from tests.calls.conftest import call_body

from .principals import targets  # noqa: F401  (fixture)
from .routes import API

PARAMS = [
    "{org}",
    "{team}",
    "{account_id}",
    "{role}",
    "{key_id}",
    "{call}",
    "{token_id}",
    "{workflow_id}",
]


@pytest.fixture
def foreign(world):
    access = org_access(world["foreign_admin"].account, world.foreign_org.id)
    role = role_create(access=access, name="Globex role", scope="team", permissions=["team.read"])
    key, raw = ingest_key_create(access=access, name="globex")
    call_id, _ = ingest_one(
        team=world.foreign_team, call=CallIn.model_validate(call_body("globex-call"))
    )
    return {
        "{org}": world.foreign_org.id,
        "{team}": world.foreign_team.id,
        "{account_id}": world["foreign_admin"].account_id,
        "{role}": role.id,
        "{key_id}": key.id,
        "{call}": str(call_id),
        "{workflow_id}": world.foreign_team.workflow_id,
        "{token_id}": PersonalToken.objects.get(account=world["foreign_admin"].account).id,
        "raw_key": raw,
    }


def own(world, targets):  # noqa: F811
    return {
        "{org}": world.org.id,
        "{team}": world.team.id,
        "{account_id}": world["agent"].account_id,
        "{role}": targets["spare_role"],
        "{key_id}": targets["key"],
        "{call}": str(targets["call"]),
        "{workflow_id}": world.team.workflow_id,
        "{token_id}": PersonalToken.objects.get(account=world["admin"].account).id,
    }


CASES = [(key, param) for key in sorted(API) for param in PARAMS if param in key]


@pytest.mark.parametrize(("key", "param"), CASES)
def test_a_foreign_identifier_is_not_found(world, targets, foreign, key, param):  # noqa: F811
    method, route = key.split(" ", 1)
    values = {**own(world, targets), param: foreign[param]}
    for placeholder, value in values.items():
        route = route.replace(placeholder, value)
    ingest = route.startswith("/api/v1/workflows/")
    token = targets["raw_key"] if ingest else world["admin"].token
    body = (
        orjson.dumps(
            {"external_id": "x", "started_at": "2026-11-20T10:00:00Z", "duration_seconds": 5}
        )
        if ingest
        else orjson.dumps(_valid_body(world, key))
    )
    response = world.api(None).client.generic(
        method,
        route,
        data=body if method != "GET" else b"",
        content_type="application/x-ndjson" if route.endswith("/stream") else "application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 404, (key, param, response.status_code, response.content[:200])


def _valid_body(world, key):
    fill = {"{outsider}": world["outsider"].account_id, "{member}": world["member"].account_id}
    return {k: fill.get(v, v) if isinstance(v, str) else v for k, v in API[key].body.items()}


LISTS = [
    "/api/v1/orgs",
    "{org}/members",
    "{org}/members?status=archived",
    "{org}/teams",
    "{team}/members",
    "{org}/roles",
    "{org}/audit-log",
    "{org}/api-keys",
    "{team}/calls",
    "/api/v1/auth/tokens",
]


@pytest.mark.parametrize("path", LISTS)
def test_lists_hold_no_foreign_rows(world, targets, foreign, path):  # noqa: F811
    url = path.replace("{team}", f"/api/v1/orgs/{world.org.id}/teams/{world.team.id}").replace(
        "{org}", f"/api/v1/orgs/{world.org.id}"
    )
    response = world.api("admin").get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert response.json()["items"], url
    for value in (v for k, v in foreign.items() if k not in ("raw_key", "{call}")):
        assert value not in text, (url, value)
    assert all(
        item.get("id") != int(foreign["{call}"])
        for item in response.json()["items"]
        if "external_id" in item
    )
    assert "globex" not in text.lower()
