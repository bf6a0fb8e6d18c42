"""PRODUCT §7.7: a malformed or foreign cursor is 422 naming `cursor`, never a 500, on every list
endpoint that takes one: garbage, NUL bytes (PostgreSQL refuses them in text), a cursor edited by
hand, an unsigned one, and a well-formed cursor that another list returned."""

import base64

import orjson
import pytest

from tests.helpers import assert_problem

LISTS = {
    "teams": "{org}/teams",
    "org members": "{org}/members",
    "audit log": "{org}/audit-log",
    "team members": "{team}/members",
    "calls": "{team}/calls",
    "alerts": "{team}/alerts",
    "webhook deliveries": "{team}/webhook-deliveries",
}


def url(world, name: str) -> str:
    return LISTS[name].format(org=world.org_url, team=world.team_url)


def real_cursor(world, name: str) -> str:
    response = world.api("admin").get(f"{url(world, name)}?limit=1")
    assert response.status_code == 200, response.content
    cursor = response.json()["next_cursor"]
    assert cursor, f"{name} has a second page"
    return cursor


def unsigned(values) -> str:
    """What a cursor looked like before they were signed: base64 of the key values."""
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


GARBAGE = [
    "garbage",
    "%00",
    "abc%00def",
    "%00.%00",
    "e30.e30",  # "{}" . "{}"
    "..",
    "%E2%80%AE",  # a bidi override
    "x" * 3000,
    unsigned([1]),
    unsigned(["2026-11-20T10:00:00+00:00", 1]),
    unsigned(["\x00", "\x00"]),
]


@pytest.mark.parametrize("name", sorted(LISTS))
@pytest.mark.parametrize("cursor", GARBAGE, ids=lambda c: c[:20])
def test_a_malformed_cursor_is_422_naming_cursor(world, name, cursor):
    response = world.api("admin").get(f"{url(world, name)}?cursor={cursor}")
    assert_problem(response, 422, field="cursor")


@pytest.mark.parametrize("name", sorted(LISTS))
def test_a_cursor_another_list_returned_is_422(world, name):
    other = "teams" if name != "teams" else "audit log"
    response = world.api("admin").get(f"{url(world, name)}?cursor={real_cursor(world, other)}")
    assert_problem(response, 422, field="cursor")


@pytest.mark.parametrize("name", ["teams", "audit log", "org members"])
def test_an_edited_cursor_is_422_and_the_real_one_still_works(world, name):
    cursor = real_cursor(world, name)
    body, signature = cursor.split(".")
    payload = orjson.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload[1][-1] = "\x00" if isinstance(payload[1][-1], str) else payload[1][-1] + 1000
    forged = base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")
    response = world.api("admin").get(f"{url(world, name)}?cursor={forged}.{signature}")
    assert_problem(response, 422, field="cursor")
    ok = world.api("admin").get(f"{url(world, name)}?cursor={cursor}&limit=1")
    assert ok.status_code == 200 and len(ok.json()["items"]) == 1
