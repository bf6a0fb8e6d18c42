"""Assertions shared by the tests."""

import functools
import time
from collections.abc import Callable

from django.apps import apps
from django.db import connection

# Tables whose rows are not the product's data: a request may change them without changing
# anything a user owns. Every other table Django knows is in fingerprint(), column by column.
# (The task queue is not here because it is not a table of ours: Huey keeps it in its own SQLite
# file or in Redis, see core/tasks.py; tests run tasks immediately.)
EXCLUDED_MODELS = {
    # The signed-in client's session (login state, messages): the browser's, not the tenant's.
    "sessions.session",
    # The same session's description (address, browser, last seen): written when the signed-in
    # client is seen, whatever the answer. Tests of ending sessions count these rows themselves.
    "usersessions.usersession",
    # Django's static catalogue of models and of its own permission system, which we do not use
    # (permissions are callstudio/access): written by migrate only.
    "contenttypes.contenttype",
    "auth.permission",
    "auth.group",
    "auth.group_permissions",
}

# Columns a denied request may legitimately touch: authenticating is not acting. Every other
# column of every fingerprinted model is compared.
EXCLUDED_FIELDS = {
    # Set when a personal token or an ingest key authenticates, whatever the answer.
    "accounts.personaltoken": {"last_used_at"},
    "calls.ingestkey": {"last_used_at"},
    "scim.scimtoken": {"last_used_at"},
    # last_login: set by a browser sign-in (the test client's force_login), before the request.
    "accounts.account": {"last_login"},
}


def fingerprinted_models() -> list:
    """Every concrete model of every installed app, minus EXCLUDED_MODELS: derived, so a new model
    is compared from the day it is added."""
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if not model._meta.proxy
        and model._meta.managed
        and model._meta.label_lower not in EXCLUDED_MODELS
    ]


def _columns(model) -> list:
    skip = EXCLUDED_FIELDS.get(model._meta.label_lower, set())
    return [f for f in model._meta.concrete_fields if f.name not in skip]


@functools.cache
def _selects() -> tuple[tuple[str, str], ...]:
    """One `SELECT every compared column ORDER BY pk` per table, built once."""
    qn = connection.ops.quote_name
    return tuple(
        (
            model._meta.label_lower,
            "SELECT {} FROM {} ORDER BY {}".format(
                ", ".join(qn(f.column) for f in _columns(model)),
                qn(model._meta.db_table),
                qn(model._meta.pk.column),
            ),
        )
        for model in fingerprinted_models()
    )


def fingerprint() -> dict:
    """Every row of every domain table, every column (but the few in EXCLUDED_FIELDS), as the
    database stores it: a denial must leave this exactly as it was.

    Plain SQL, one statement per table: the route matrix takes it twice per request, and the ORM
    (a queryset compiled per table, values converted) made it ~35x slower for the same rows."""
    with connection.cursor() as cursor:
        result = {}
        for label, sql in _selects():
            cursor.execute(sql)
            result[label] = cursor.fetchall()
        return result


def assert_unchanged(before: dict, *context) -> None:
    """Assert fingerprint() still equals `before`; on a difference, name the tables and show the
    rows that were added, removed or changed (old -> new)."""
    after = fingerprint()
    if after == before:
        return
    changes = []
    for label in before:
        old, new = set(before[label]), set(after[label])
        if old != new:
            changes.append(
                f"{label}: -{sorted(old - new, key=repr)} +{sorted(new - old, key=repr)}"
            )
    raise AssertionError(f"{context}: a refused request changed stored data: " + "; ".join(changes))


def expect(response, status: int):
    """Assert a setup request's status: state a test builds over HTTP is checked as it is built.
    Returns the JSON body when there is one, else the response (a page, a redirect). Works for
    Django's and httpx's responses."""
    content = response.content
    assert response.status_code == status, (status, response.status_code, content[:500])
    if content and "json" in response.headers.get("content-type", ""):
        return response.json()
    return response


def assert_problem(
    response, status: int, *, field: str | None = None, code: str | None = None
) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert body["code"] and (code is None or body["code"] == code), body
    if field is not None:
        assert field in {e["field"] for e in body.get("errors", [])}, body
    return body


def wait_until(condition: Callable[[], object], *, seconds: float = 30, what: str, poll=0.05):
    """Poll `condition` until it is truthy (returned) or `seconds` pass (the test fails, saying
    `what` was awaited). Tests wait for a state, never for a guessed duration."""
    deadline = time.monotonic() + seconds
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"gave up after {seconds:g} s waiting for {what}")
        time.sleep(poll)
