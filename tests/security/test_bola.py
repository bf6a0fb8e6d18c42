"""BOLA / IDOR: every object identifier in a route, given another organization's real identifier,
answers 404 to Acme's Admin (who may do everything in Acme), whatever the method; and lists hold
no row of another organization."""

import orjson
import pytest

from callstudio.access.policy import org_access, team_access
from callstudio.access.services import role_create
from callstudio.accounts.models import PersonalToken
from callstudio.calls.ingest import ingest_one
from callstudio.calls.schemas import CallIn
from callstudio.calls.services import ingest_key_create
from callstudio.directory.services import invitation_create
from callstudio.pipeline.analysis import analyze_pending
from callstudio.rules.models import Alert
from callstudio.rules.services import alert_rule_create, automation_create, tracker_create
from callstudio.scim.tokens import scim_token_create
from tests.calls.conftest import call_body
from tests.helpers import assert_unchanged, fingerprint

from .principals import targets  # noqa: F401  (fixture)
from .routes import API

PARAMS = [
    "{org}",
    "{invitation_id}",
    "{team}",
    "{account_id}",
    "{role}",
    "{key_id}",
    "{scim_token}",
    "{call}",
    "{token_id}",
    "{workflow_id}",
    "{rule}",
    "{alert}",
    "{automation}",
    "{tracker}",
]


@pytest.fixture
def foreign(world):
    access = org_access(world["foreign_admin"].account, world.foreign_org.id)
    role = role_create(access=access, name="Globex role", scope="team", permissions=["team.read"])
    key, raw = ingest_key_create(access=access, name="globex")
    scim_token, _ = scim_token_create(access=access, name="Globex Okta")
    call_id, _ = ingest_one(
        team=world.foreign_team, call=CallIn.model_validate(call_body("globex-call"))
    )
    rule, automation, alert, tracker = rules_in(access, world.foreign_team, call_id)
    invitation, _ = invitation_create(access=access, email="someone@globex.test")
    return {
        "{invitation_id}": invitation.id,
        "{rule}": rule,
        "{automation}": automation,
        "{alert}": alert,
        "{tracker}": tracker,
        "{org}": world.foreign_org.id,
        "{team}": world.foreign_team.id,
        "{account_id}": world["foreign_admin"].account_id,
        "{role}": role.id,
        "{key_id}": key.id,
        "{scim_token}": scim_token.id,
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
        "{scim_token}": targets["scim_token"],
        "{call}": str(targets["call"]),
        "{workflow_id}": world.team.workflow_id,
        "{token_id}": PersonalToken.objects.get(account=world["admin"].account).id,
        "{rule}": targets["rule"],
        "{alert}": targets["alert"],
        "{automation}": targets["automation"],
        "{tracker}": targets["tracker"],
        "{invitation_id}": targets["invitation"],
    }


def rules_in(access, team, call_id) -> tuple[str, str, str, str]:
    """An alert rule, an automation, an alert (raised on `call_id`) and a tracker in `team`."""
    in_team = team_access(access, team.id)
    rule = alert_rule_create(
        access=in_team, name="Theirs", condition={"type": "keyword", "phrases": ["refund"]}
    )
    automation = automation_create(
        access=in_team,
        name="Theirs",
        trigger="call.ingested",
        actions=[{"type": "add_tag", "tag": "theirs"}],
    )
    tracker = tracker_create(access=in_team, name="Theirs", query="refund")
    analyze_pending()
    alert = Alert.objects.get(rule=rule, call_id=call_id).id
    return rule.id, automation.id, alert, tracker.id


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
    before = fingerprint()
    response = world.api(None).client.generic(
        method,
        route,
        data=body if method != "GET" else b"",
        content_type="application/x-ndjson" if route.endswith("/stream") else "application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 404, (key, param, response.status_code, response.content[:200])
    assert_unchanged(before, key, param)


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
    "{org}/invitations",
    "{org}/api-keys",
    "{team}/calls",
    "/api/v1/auth/tokens",
    "{team}/alert-rules",
    "{team}/alerts",
    "{team}/automations",
    "{team}/webhook-deliveries",
    "{team}/trackers",
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


RULE_PARAMS = ("{rule}", "{alert}", "{automation}", "{tracker}")
RULE_CASES = [
    (key, param, source)
    for key in sorted(API)
    for param in RULE_PARAMS
    if param in key
    for source in ("other_org", "other_team")
]


@pytest.mark.parametrize(("key", "param", "source"), RULE_CASES)
def test_a_rule_alert_or_automation_of_another_team_is_not_found(
    world,
    targets,  # noqa: F811
    foreign,
    key,
    param,
    source,
):
    """Acme's Admin (allowed everything in both of Acme's teams), through Billing's path, with the
    id of an object of Globex or of Acme's other team: 404, and nothing changes anywhere."""
    if source == "other_team":
        call_id, _ = ingest_one(
            team=world.other_team, call=CallIn.model_validate(call_body("retention-call"))
        )
        admin = org_access(world["admin"].account, world.org.id)
        rule, automation, alert, tracker = rules_in(admin, world.other_team, call_id)
        ids = {"{rule}": rule, "{automation}": automation, "{alert}": alert, "{tracker}": tracker}
    else:
        ids = foreign
    method, route = key.split(" ", 1)
    values = {**own(world, targets), param: ids[param]}
    for placeholder, value in values.items():
        route = route.replace(placeholder, value)
    before = fingerprint()
    response = world.api("admin").request(method, route, _valid_body(world, key) or None)
    assert response.status_code == 404, (key, param, source, response.content[:200])
    assert_unchanged(before, key, param, source)
    # The right team's path reaches the object: the 404 came from the team, not the id's shape.
    if source == "other_team":
        right = route.replace(world.team.id, world.other_team.id)
        response = world.api("admin").request(method, right, _valid_body(world, key) or None)
        assert response.status_code == API[key].ok, (key, right, response.content[:200])
