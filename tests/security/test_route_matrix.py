"""Route × principal: every route of the API (from the OpenAPI document) and of the pages (from
Django's resolver), every method, asked by every principal; the answer must be exactly the one
routes.py declares. An unexpected allow and an unexpected deny both fail."""

import orjson
import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from callstudio.api.main import api
from tests.helpers import assert_unchanged, fingerprint

from .principals import (  # noqa: F401  (shared_world: a fixture)
    PRINCIPALS,
    client_for,
    own_session_id,
    own_token_id,
    shared_world,
)
from .routes import API, UI


@pytest.fixture
def world(db, shared_world):  # noqa: F811
    return shared_world[0]


@pytest.fixture
def targets(db, shared_world):  # noqa: F811
    return shared_world[1]


def api_routes() -> set[str]:
    return {
        f"{m.upper()} {path}"
        for path, ops in api.get_openapi_schema()["paths"].items()
        for m in ops
    }


def ui_routes() -> set[str]:
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    return {r for r in walk(get_resolver().url_patterns) if not r.startswith(("api/", "accounts/"))}


def test_every_api_route_is_in_the_table():
    assert api_routes() == set(API), "declare every API route in tests/security/routes.py"


def test_every_page_is_in_the_table():
    declared = {key.split(" ", 1)[1] for key in UI}
    assert ui_routes() == declared, "declare every page route in tests/security/routes.py"


def _concrete(world, targets, route: str, who: str) -> str:  # noqa: F811
    account = (
        targets["former"]
        if "restore" in route
        else (
            world["agent"].account_id
            if "/teams/" in route or "teams/<str:team_id>/members" in route
            else world["member"].account_id
        )
    )
    values = {
        "{org}": world.org.id,
        "<str:org_id>": world.org.id,
        "{team}": world.team.id,
        "<str:team_id>": world.team.id,
        "{account_id}": account,
        "<str:account_id>": account,
        "{role}": targets["spare_role"],
        "<str:role_id>": targets["spare_role"],
        "{key_id}": targets["key"],
        "<str:key_id>": targets["key"],
        "{scim_token}": targets["scim_token"],
        "<str:scim_token_id>": targets["scim_token"],
        "{call}": str(targets["call"]),
        "<str:call_id>": str(targets["call"]),
        "{token_id}": own_token_id(world, who),
        "<str:token_id>": own_token_id(world, who),
        "{session_id}": own_session_id(world, who),
        "<str:session_id>": own_session_id(world, who),
        "{workflow_id}": world.team.workflow_id,
        "{rule}": targets["rule"],
        "{alert}": targets["alert"],
        "{automation}": targets["automation"],
        "<str:rule_id>": targets["rule"],
        "<str:alert_id>": targets["alert"],
        "<str:automation_id>": targets["automation"],
        "{tracker}": targets["tracker"],
        "<str:tracker_id>": targets["tracker"],
        "{invitation_id}": targets["invitation"],
        "<str:invitation_id>": targets["invitation"],
        "{token}": targets["invitation_token"],
        "<str:token>": targets["invitation_token"],
        "{domain}": targets["domain"],
        "<str:domain>": targets["domain"],
    }
    for placeholder, value in values.items():
        route = route.replace(placeholder, value)
    return route


def _body(world, rule) -> dict:
    fill = {"{outsider}": world["outsider"].account_id, "{member}": world["member"].account_id}
    return {k: fill.get(v, v) if isinstance(v, str) else v for k, v in rule.body.items()}


def _send(world, targets, key: str, who: str, *, ui: bool):  # noqa: F811
    method, route = key.split(" ", 1)
    rule = (UI if ui else API)[key]
    path = _concrete(world, targets, route, who)
    path = path if path.startswith("/") else "/" + path
    client, headers = client_for(world, targets, who, ui=ui)
    body = _body(world, rule)
    if method == "GET":
        return client.get(path, data=body or None, headers=headers), rule
    if ui:
        return client.generic(
            method,
            path,
            data=_form(body),
            content_type="application/x-www-form-urlencoded",
            headers=headers,
        ), rule
    if route.endswith("/stream"):
        line = orjson.dumps(
            {"external_id": "s1", "started_at": "2026-11-20T10:00:00Z", "duration_seconds": 5}
        )
        return client.post(
            path, data=line + b"\n", content_type="application/x-ndjson", headers=headers
        ), rule
    data = orjson.dumps(body) if body else None
    return client.generic(
        method, path, data=data or b"", content_type="application/json", headers=headers
    ), rule


def _form(body: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(body, doseq=True)


@pytest.mark.parametrize("who", PRINCIPALS)
@pytest.mark.parametrize("key", sorted(API))
def test_api_route_by_principal(world, targets, key, who):  # noqa: F811
    expected = API[key].expected(who, ui=False)
    before = fingerprint() if _denied(expected) else None
    response, rule = _send(world, targets, key, who, ui=False)
    assert response.status_code == expected, (
        key,
        who,
        response.status_code,
        response.content[:300],
    )
    if before is not None:
        assert_unchanged(before, key, who)


@pytest.mark.parametrize("who", PRINCIPALS)
@pytest.mark.parametrize("key", sorted(UI))
def test_page_by_principal(world, targets, key, who):  # noqa: F811
    rule = UI[key]
    expected = rule.expected(who, ui=True)
    to_login = expected == 302 and who in ("anonymous", "ingest_key") and rule.kind != "public"
    before = fingerprint() if _denied(expected) or to_login else None
    response, _ = _send(world, targets, key, who, ui=True)
    assert response.status_code == expected, (key, who, response.status_code)
    if to_login:
        assert response["Location"].startswith("/accounts/login/")
    if before is not None:
        assert_unchanged(before, key, who)


def _denied(status: int) -> bool:
    """A refusal (401, 403, 404, 405...): it must leave every table as it was."""
    return status >= 400


@pytest.mark.parametrize("route", sorted(ui_routes()))
def test_undeclared_methods_of_a_page_are_refused(world, targets, route):  # noqa: F811
    declared = {key.split(" ", 1)[0] for key in UI if key.split(" ", 1)[1] == route}
    for method in sorted({"GET", "POST"} - declared):
        before = fingerprint()
        response, _ = _send_undeclared(world, targets, method, route)
        assert response.status_code == 405, (method, route, response.status_code)
        assert_unchanged(before, method, route)


def _send_undeclared(world, targets, method, route):  # noqa: F811
    client, headers = client_for(world, targets, "admin", ui=True)
    path = "/" + _concrete(world, targets, route, "admin")
    return client.generic(method, path, headers=headers), None
