"""PRODUCT §7.7: call archive/unarchive and alert acknowledge/resolve are audited through declared
actions; `GET .../audit-log?action=` filters by one (an unknown action is 422); the audit log
page's filter lists every declared organization action."""

from urllib.parse import urlencode

import pytest
from django.test import Client

from callstudio.core.audit_actions import ORG_ACTIONS
from callstudio.core.models import AuditLogEntry
from tests.calls.conftest import ingest  # noqa: F401  (the `ingest` fixture)
from tests.helpers import assert_problem, assert_unchanged, fingerprint
from tests.rules.conftest import analyze, create_rule, send

KEYWORD = {"type": "keyword", "phrases": ["charged twice"]}


def audit(world, **query) -> list[dict]:
    response = world.api("admin").get(f"{world.org_url}/audit-log?{urlencode(query)}")
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_archiving_and_unarchiving_a_call_are_audited(world, ingest):  # noqa: F811
    call_id = send(ingest, "call-1")
    calls = f"{world.team_url}/calls/{call_id}"
    assert world.api("supervisor").post(f"{calls}/archive").status_code == 200
    assert world.api("supervisor").post(f"{calls}/archive").status_code == 200  # no-op: no entry
    assert world.api("supervisor").post(f"{calls}/unarchive").status_code == 200
    (archived,) = audit(world, action="call.archive")
    assert archived["actor"]["account_id"] == world["supervisor"].account_id
    assert archived["target"]["type"] == "call" and archived["target"]["id"] == str(call_id)
    assert (archived["details"]["before"], archived["details"]["after"]) == (
        {"archived": False},
        {"archived": True},
    )
    (unarchived,) = audit(world, action="call.unarchive")
    assert unarchived["details"]["after"] == {"archived": False}
    assert {e["action"] for e in audit(world)} >= {"call.archive", "call.unarchive"}


def test_a_refused_archive_writes_no_entry(world, ingest):  # noqa: F811
    call_id = send(ingest, "call-1")
    before = fingerprint()
    response = world.api("agent").post(f"{world.team_url}/calls/{call_id}/archive")
    assert response.status_code in (403, 404)
    assert_unchanged(before)


def test_acknowledging_and_resolving_an_alert_are_audited(world, ingest):  # noqa: F811
    create_rule(world, KEYWORD, name="Double charge")
    send(ingest, "call-1")
    analyze()
    alerts = world.api("supervisor").get(f"{world.team_url}/alerts").json()["items"]
    alert_id = alerts[0]["id"]
    base = f"{world.team_url}/alerts/{alert_id}"
    assert world.api("supervisor").post(f"{base}/acknowledge").status_code == 200
    assert world.api("supervisor").post(f"{base}/resolve").status_code == 200
    (ack,) = audit(world, action="alert.acknowledge")
    assert ack["target"] == {"type": "alert", "id": alert_id, "label": "Double charge"}
    assert (ack["details"]["before"], ack["details"]["after"]) == (
        {"status": "open"},
        {"status": "acknowledged"},
    )
    (resolved,) = audit(world, action="alert.resolve")
    assert resolved["details"]["after"] == {"status": "resolved"}


def test_the_action_filter_returns_only_that_action(world):
    entries = audit(world, action="team.create")
    assert entries and {e["action"] for e in entries} == {"team.create"}


@pytest.mark.parametrize("action", ["nonsense", "team.created", "TEAM.CREATE", "team.create\x00"])
def test_an_unknown_action_filter_is_422_naming_action(world, action):
    response = world.api("admin").get(f"{world.org_url}/audit-log?{urlencode({'action': action})}")
    assert_problem(response, 422, field="action")


def test_the_page_filter_lists_every_declared_action_including_the_new_ones(world):
    browser = Client()
    browser.force_login(world["admin"].account)
    page = browser.get(f"/o/{world.org.id}/audit-log").content.decode()
    for action in ORG_ACTIONS:
        assert f'<option value="{action.value}"' in page
    for name in ("call.archive", "call.unarchive", "alert.acknowledge", "alert.resolve"):
        assert f'<option value="{name}"' in page
    assert browser.get(f"/o/{world.org.id}/audit-log", {"action": "nonsense"}).status_code == 422


def test_the_page_shows_an_archive_as_words(world, ingest):  # noqa: F811
    call_id = send(ingest, "call-9")
    world.api("supervisor").post(f"{world.team_url}/calls/{call_id}/archive")
    browser = Client()
    browser.force_login(world["admin"].account)
    page = browser.get(f"/o/{world.org.id}/audit-log", {"action": "call.archive"}).content.decode()
    assert "Call archived" in page and "call-9" in page and "(Call)" in page
    assert "Archived: no → yes" in page
    assert AuditLogEntry.objects.filter(action="call.archive").count() == 1
