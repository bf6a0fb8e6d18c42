"""Alert rules and automations over the API: exact status codes and effects,
every bad input refused with a 422 naming the field and nothing stored, permissions allowed and
denied, audit entries."""

import orjson
import pytest

from callstudio.core.models import AuditLogEntry
from callstudio.rules.models import AlertRule, Automation
from tests.helpers import assert_problem, expect

from .conftest import automations_url, create_automation, create_rule, give_team_role, rules_url

KEYWORD = {"type": "keyword", "phrases": ["refund"]}
HOOK = {"type": "webhook", "url": "https://hooks.example.com/in", "secret": "s3cret-long-enough"}


def state() -> tuple:
    """Everything a refused request must leave as it was."""
    return (
        list(AlertRule.objects.order_by("id").values()),
        list(Automation.objects.order_by("id").values()),
        AuditLogEntry.objects.count(),
    )


# --- alert rules: the happy path ---------------------------------------------------------------


def test_create_list_patch_and_delete_an_alert_rule(world):
    supervisor = world.api("supervisor")
    created = supervisor.post(
        rules_url(world),
        {"name": " Refunds ", "condition": {"type": "keyword", "phrases": ["Refund", "Refund"]}},
    )
    assert created.status_code == 201
    rule = created.json()
    assert rule["id"].startswith("rule_") and len(rule["id"]) == 25
    assert rule["name"] == "Refunds"
    assert rule["condition"] == {"type": "keyword", "phrases": ["Refund"]}
    assert rule["webhook_url"] is None and rule["webhook_secret"] is None
    stored = AlertRule.objects.get(id=rule["id"])
    assert (stored.team_id, stored.organization_id) == (world.team.id, world.org.id)

    listed = supervisor.get(rules_url(world))
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["items"]] == [rule["id"]]
    # Another team's list does not show it.
    admin = world.api("admin")
    other = admin.get(f"{world.org_url}/teams/{world.other_team.id}/alert-rules").json()
    assert other["items"] == []

    url = f"{rules_url(world)}/{rule['id']}"
    renamed = supervisor.patch(url, {"name": "Refund talk"})
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Refund talk"
    assert renamed.json()["condition"] == rule["condition"]  # left out: unchanged

    hooked = expect(supervisor.patch(url, {"webhook_url": "https://hooks.example.com/a"}), 200)
    assert hooked["webhook_url"] == "https://hooks.example.com/a"
    assert hooked["webhook_secret"].startswith("whsec_") and len(hooked["webhook_secret"]) > 20
    # Changing the URL keeps the secret the receiver already knows.
    moved = expect(supervisor.patch(url, {"webhook_url": "http://hooks.example.com/b"}), 200)
    assert moved["webhook_secret"] == hooked["webhook_secret"]
    unhooked = expect(supervisor.patch(url, {"webhook_url": None}), 200)
    assert unhooked["webhook_url"] is None and unhooked["webhook_secret"] is None
    assert AlertRule.objects.get(id=rule["id"]).webhook_secret == ""

    recondition = supervisor.patch(url, {"condition": {"type": "duration_above", "seconds": 600}})
    assert recondition.json()["condition"] == {"type": "duration_above", "seconds": 600}
    assert recondition.json()["name"] == "Refund talk"

    assert supervisor.delete(url).status_code == 204
    assert not AlertRule.objects.filter(id=rule["id"]).exists()
    assert supervisor.get(rules_url(world)).json()["items"] == []
    assert_problem(supervisor.delete(url), 404)
    assert_problem(supervisor.patch(url, {"name": "again"}), 404)


def test_a_rule_created_with_a_webhook_gets_a_generated_secret(world):
    rule = create_rule(world, KEYWORD, webhook_url="https://hooks.example.com/in")
    assert rule["webhook_url"] == "https://hooks.example.com/in"
    assert rule["webhook_secret"].startswith("whsec_")
    assert AlertRule.objects.get(id=rule["id"]).webhook_secret == rule["webhook_secret"]
    # Two rules never share a secret.
    second = create_rule(world, KEYWORD, name="Other", webhook_url="https://hooks.example.com/in")
    assert second["webhook_secret"] != rule["webhook_secret"]


@pytest.mark.parametrize(
    "condition, stored",
    [
        ({"type": "keyword", "phrases": ["cancel", " Refund "]}, None),
        ({"type": "sentiment_below", "value": -0.3}, None),
        ({"type": "sentiment_below", "value": -1}, {"type": "sentiment_below", "value": -1.0}),
        ({"type": "sentiment_below", "value": 1}, {"type": "sentiment_below", "value": 1.0}),
        ({"type": "duration_above", "seconds": 600}, None),
        ({"type": "duration_below", "seconds": 0}, None),
        ({"type": "agent_unknown"}, None),
        ({"type": "metadata_equals", "key": "queue", "value": "vip"}, None),
        ({"type": "metadata_equals", "key": "priority", "value": 3}, None),
        ({"type": "metadata_equals", "key": "escalated", "value": True}, None),
    ],
)
def test_every_condition_type_is_accepted(world, condition, stored):
    rule = create_rule(world, condition)
    expected = stored or (
        {"type": "keyword", "phrases": ["cancel", "Refund"]}
        if condition["type"] == "keyword"
        else condition
    )
    assert rule["condition"] == expected
    assert AlertRule.objects.get(id=rule["id"]).condition == expected


# --- alert rules: bad input --------------------------------------------------------------------

LONG = "x" * 101


@pytest.mark.parametrize(
    "body, field",
    [
        ({"condition": KEYWORD}, "name"),
        ({"name": "", "condition": KEYWORD}, "name"),
        ({"name": "   ", "condition": KEYWORD}, "name"),
        ({"name": LONG, "condition": KEYWORD}, "name"),
        ({"name": "two\nlines", "condition": KEYWORD}, "name"),
        ({"name": "r"}, "condition"),
        ({"name": "r", "condition": "keyword"}, "condition"),
        ({"name": "r", "condition": {}}, "condition.type"),
        ({"name": "r", "condition": {"type": "shouting"}}, "condition.type"),
        ({"name": "r", "condition": {"type": "Keyword", "phrases": ["a"]}}, "condition.type"),
        ({"name": "r", "condition": {"type": "keyword"}}, "condition.phrases"),
        ({"name": "r", "condition": {"type": "keyword", "phrases": []}}, "condition.phrases"),
        ({"name": "r", "condition": {"type": "keyword", "phrases": "refund"}}, "condition.phrases"),
        ({"name": "r", "condition": {"type": "keyword", "phrases": [""]}}, "condition.phrases"),
        ({"name": "r", "condition": {"type": "keyword", "phrases": [7]}}, "condition.phrases"),
        (
            {"name": "r", "condition": {"type": "keyword", "phrases": ["a"] * 51}},
            "condition.phrases",
        ),
        (
            {"name": "r", "condition": {"type": "keyword", "phrases": ["a"], "case": "exact"}},
            "condition.case",
        ),
        ({"name": "r", "condition": {"type": "sentiment_below"}}, "condition.value"),
        ({"name": "r", "condition": {"type": "sentiment_below", "value": 2}}, "condition.value"),
        ({"name": "r", "condition": {"type": "sentiment_below", "value": -1.5}}, "condition.value"),
        (
            {"name": "r", "condition": {"type": "sentiment_below", "value": "low"}},
            "condition.value",
        ),
        ({"name": "r", "condition": {"type": "sentiment_below", "value": True}}, "condition.value"),
        ({"name": "r", "condition": {"type": "sentiment_below", "value": None}}, "condition.value"),
        ({"name": "r", "condition": {"type": "duration_above"}}, "condition.seconds"),
        (
            {"name": "r", "condition": {"type": "duration_above", "seconds": -1}},
            "condition.seconds",
        ),
        (
            {"name": "r", "condition": {"type": "duration_below", "seconds": -0.5}},
            "condition.seconds",
        ),
        (
            {"name": "r", "condition": {"type": "duration_above", "seconds": 10**9}},
            "condition.seconds",
        ),
        (
            {"name": "r", "condition": {"type": "duration_above", "seconds": "600"}},
            "condition.seconds",
        ),
        (
            {"name": "r", "condition": {"type": "duration_above", "value": 600}},
            "condition.value",
        ),
        ({"name": "r", "condition": {"type": "agent_unknown", "x": 1}}, "condition.x"),
        ({"name": "r", "condition": {"type": "metadata_equals", "value": "v"}}, "condition.key"),
        (
            {"name": "r", "condition": {"type": "metadata_equals", "key": "", "value": "v"}},
            "condition.key",
        ),
        ({"name": "r", "condition": {"type": "metadata_equals", "key": "k"}}, "condition.value"),
        (
            {"name": "r", "condition": {"type": "metadata_equals", "key": "k", "value": None}},
            "condition.value",
        ),
        (
            {"name": "r", "condition": {"type": "metadata_equals", "key": "k", "value": {"a": 1}}},
            "condition.value",
        ),
        (
            {"name": "r", "condition": {"type": "metadata_equals", "key": "k", "value": [1]}},
            "condition.value",
        ),
        (
            {"name": "r", "condition": KEYWORD, "webhook_url": "ftp://hooks.example.com/in"},
            "webhook_url",
        ),
        ({"name": "r", "condition": KEYWORD, "webhook_url": "javascript:alert(1)"}, "webhook_url"),
        ({"name": "r", "condition": KEYWORD, "webhook_url": "http://"}, "webhook_url"),
        ({"name": "r", "condition": KEYWORD, "webhook_url": "https:///path"}, "webhook_url"),
        ({"name": "r", "condition": KEYWORD, "webhook_url": "hooks.example.com/in"}, "webhook_url"),
        ({"name": "r", "condition": KEYWORD, "webhook_url": ""}, "webhook_url"),
        ({"name": "r", "condition": KEYWORD, "webhook_url": 12}, "webhook_url"),
        ({"name": "r", "condition": KEYWORD, "webhook_secret": "mine-mine-mine"}, "webhook_secret"),
        ({"name": "r", "condition": KEYWORD, "team_id": "team_x"}, "team_id"),
        ({"name": "r", "condition": KEYWORD, "id": "rule_mine"}, "id"),
    ],
)
def test_a_bad_alert_rule_is_422_naming_the_field_and_nothing_is_stored(world, body, field):
    before = state()
    response = world.api("supervisor").post(rules_url(world), body)
    assert_problem(response, 422, field=field)
    assert state() == before


def test_invalid_json_is_refused_and_nothing_is_stored(world):
    before = state()
    response = world.api("supervisor").post(rules_url(world), raw=b'{"name": "r", "condition": ')
    # The API's JSON parser refuses the body before any field is looked at: 400, not 422.
    assert_problem(response, 400)
    assert state() == before


@pytest.mark.parametrize(
    "patch, field",
    [
        ({"condition": {"type": "sentiment_below", "value": 2}}, "condition.value"),
        ({"condition": {"type": "nope"}}, "condition.type"),
        ({"name": ""}, "name"),
        ({"webhook_url": "ftp://hooks.example.com/in"}, "webhook_url"),
        ({"webhook_url": "javascript:alert(1)"}, "webhook_url"),
        # A valid change in the same request is not applied either.
        ({"name": "Renamed", "webhook_url": "http://"}, "webhook_url"),
        ({"webhook_secret": "mine-mine-mine"}, "webhook_secret"),
        ({"name": None}, "name"),
        ({"condition": None}, "condition"),
    ],
)
def test_a_bad_patch_is_422_and_the_rule_is_unchanged(world, patch, field):
    rule = create_rule(world, KEYWORD, name="Refunds", webhook_url="https://hooks.example.com/in")
    before = state()
    response = world.api("supervisor").patch(f"{rules_url(world)}/{rule['id']}", patch)
    assert_problem(response, 422, field=field)
    assert state() == before


# --- automations: the happy path ---------------------------------------------------------------


def test_create_list_patch_and_delete_an_automation(world):
    supervisor = world.api("supervisor")
    created = supervisor.post(
        automations_url(world),
        {
            "name": "Tag long calls",
            "trigger": "call.ingested",
            "conditions": [{"type": "duration_above", "seconds": 600}],
            "actions": [{"type": "add_tag", "tag": "long"}, HOOK],
        },
    )
    assert created.status_code == 201
    automation = created.json()
    assert automation["id"].startswith("auto_")
    assert automation["trigger"] == "call.ingested" and automation["enabled"] is True
    assert automation["conditions"] == [{"type": "duration_above", "seconds": 600}]
    assert automation["actions"] == [{"type": "add_tag", "tag": "long"}, HOOK]
    stored = Automation.objects.get(id=automation["id"])
    assert (stored.team_id, stored.organization_id) == (world.team.id, world.org.id)

    # Conditions may be left out (always) and an automation may start disabled.
    bare = expect(
        supervisor.post(
            automations_url(world),
            {
                "name": "Archive everything",
                "trigger": "alert.raised",
                "actions": [{"type": "archive_call"}],
                "enabled": False,
            },
        ),
        201,
    )
    assert bare["conditions"] == [] and bare["enabled"] is False

    listed = supervisor.get(automations_url(world)).json()["items"]
    assert [a["name"] for a in listed] == ["Archive everything", "Tag long calls"]

    url = f"{automations_url(world)}/{automation['id']}"
    off = supervisor.patch(url, {"enabled": False})
    assert off.status_code == 200 and off.json()["enabled"] is False
    assert off.json()["actions"] == automation["actions"]
    changed = expect(
        supervisor.patch(
            url,
            {"trigger": "alert.raised", "conditions": [], "actions": [{"type": "archive_call"}]},
        ),
        200,
    )
    assert changed["trigger"] == "alert.raised" and changed["conditions"] == []
    assert changed["actions"] == [{"type": "archive_call"}] and changed["enabled"] is False
    assert Automation.objects.get(id=automation["id"]).actions == [{"type": "archive_call"}]

    assert supervisor.delete(url).status_code == 204
    assert not Automation.objects.filter(id=automation["id"]).exists()
    assert_problem(supervisor.delete(url), 404)
    assert_problem(supervisor.patch(url, {"enabled": True}), 404)


# --- automations: bad input --------------------------------------------------------------------

TAG = {"type": "add_tag", "tag": "x"}


def auto(**over):
    body = {"name": "a", "trigger": "call.ingested", "conditions": [], "actions": [TAG]}
    body.update(over)
    return {k: v for k, v in body.items() if v is not ...}


@pytest.mark.parametrize(
    "body, field",
    [
        (auto(name=...), "name"),
        (auto(name=""), "name"),
        (auto(trigger=...), "trigger"),
        (auto(trigger="call.created"), "trigger"),
        (auto(trigger="CALL.INGESTED"), "trigger"),
        (auto(trigger=""), "trigger"),
        (auto(actions=...), "actions"),
        (auto(actions=[]), "actions"),
        (auto(actions=[TAG] * 11), "actions"),
        (auto(actions="add_tag"), "actions"),
        (auto(actions=[{"type": "email", "to": "x@y.z"}]), "actions[0].type"),
        (auto(actions=[{}]), "actions[0].type"),
        (auto(actions=[{"type": "add_tag"}]), "actions[0].tag"),
        (auto(actions=[{"type": "add_tag", "tag": ""}]), "actions[0].tag"),
        (auto(actions=[{"type": "add_tag", "tag": "x" * 101}]), "actions[0].tag"),
        (auto(actions=[{"type": "add_tag", "tag": "x", "color": "red"}]), "actions[0].color"),
        (auto(actions=[{"type": "archive_call", "reason": "spam"}]), "actions[0].reason"),
        (auto(actions=[TAG, {**HOOK, "url": "ftp://hooks.example.com/in"}]), "actions[1].url"),
        (auto(actions=[{**HOOK, "url": "javascript:alert(1)"}]), "actions[0].url"),
        (auto(actions=[{**HOOK, "url": "https://"}]), "actions[0].url"),
        (auto(actions=[{**HOOK, "url": "file:///etc/passwd"}]), "actions[0].url"),
        (auto(actions=[{"type": "webhook", "secret": HOOK["secret"]}]), "actions[0].url"),
        (auto(actions=[{"type": "webhook", "url": HOOK["url"]}]), "actions[0].secret"),
        (auto(actions=[{**HOOK, "secret": "short"}]), "actions[0].secret"),
        (auto(actions=[{**HOOK, "secret": "       x       "}]), "actions[0].secret"),
        (auto(actions=[{**HOOK, "headers": {"a": "b"}}]), "actions[0].headers"),
        (auto(conditions="always"), "conditions"),
        (auto(conditions=[{"type": "agent_unknown"}] * 11), "conditions"),
        (auto(conditions=[{"type": "sentiment_below", "value": 2}]), "conditions[0].value"),
        (
            auto(conditions=[{"type": "agent_unknown"}, {"type": "nope"}]),
            "conditions[1].type",
        ),
        (
            auto(conditions=[{"type": "duration_below", "seconds": -3}]),
            "conditions[0].seconds",
        ),
        (auto(enabled="maybe"), "enabled"),
        (auto(team="team_x"), "team"),
        (auto(id="auto_mine"), "id"),
    ],
)
def test_a_bad_automation_is_422_naming_the_field_and_nothing_is_stored(world, body, field):
    before = state()
    response = world.api("supervisor").post(automations_url(world), body)
    assert_problem(response, 422, field=field)
    assert state() == before


@pytest.mark.parametrize(
    "patch, field",
    [
        ({"trigger": "call.deleted"}, "trigger"),
        ({"actions": []}, "actions"),
        ({"actions": [{**HOOK, "secret": "short"}]}, "actions[0].secret"),
        ({"conditions": [{"type": "keyword", "phrases": []}]}, "conditions[0].phrases"),
        ({"enabled": False, "conditions": [{"type": "x"}]}, "conditions[0].type"),
        ({"enabled": "maybe"}, "enabled"),
        ({"enabled": "yes"}, "enabled"),
        ({"enabled": 1}, "enabled"),
        ({"name": None}, "name"),
        ({"trigger": None}, "trigger"),
        ({"actions": None}, "actions"),
        ({"conditions": None}, "conditions"),
    ],
)
def test_a_bad_automation_patch_is_422_and_nothing_changes(world, patch, field):
    automation = create_automation(world, actions=[TAG])
    before = state()
    response = world.api("supervisor").patch(f"{automations_url(world)}/{automation['id']}", patch)
    assert_problem(response, 422, field=field)
    assert state() == before


# --- permissions -------------------------------------------------------------------------------


def manage_requests(world, rule_id: str, automation_id: str):
    """Every reading and writing request of the rules and automations API."""
    rules, automations = rules_url(world), automations_url(world)
    return [
        ("get", rules, None),
        ("post", rules, {"name": "x", "condition": KEYWORD}),
        ("patch", f"{rules}/{rule_id}", {"name": "hijacked"}),
        ("delete", f"{rules}/{rule_id}", None),
        ("get", automations, None),
        ("post", automations, auto()),
        ("patch", f"{automations}/{automation_id}", {"enabled": False}),
        ("delete", f"{automations}/{automation_id}", None),
    ]


def call(api, method, url, body):
    return (
        api.delete(url)
        if method == "delete"
        else getattr(api, method)(url, *([body] if body else []))
    )


@pytest.fixture
def existing(world):
    rule = create_rule(world, KEYWORD, webhook_url="https://hooks.example.com/in")
    automation = create_automation(world, actions=[HOOK])
    return rule, automation


@pytest.mark.parametrize("who", ["supervisor", "manager", "admin"])
def test_supervisors_managers_and_admins_manage_rules_and_automations(world, who):
    api = world.api(who)
    rule = create_rule(world, KEYWORD, who=who)
    automation = expect(api.post(automations_url(world), auto()), 201)
    statuses = [
        call(api, method, url, body).status_code
        for method, url, body in manage_requests(world, rule["id"], automation["id"])
    ]
    assert statuses == [200, 201, 200, 204, 200, 201, 200, 204]


@pytest.mark.parametrize("who", ["agent", "member", "qa"])
def test_roles_without_alert_or_automation_permissions_get_403_and_change_nothing(
    world, existing, who
):
    rule, automation = existing
    before = state()
    api = world.api(who)
    for method, url, body in manage_requests(world, rule["id"], automation["id"]):
        assert_problem(call(api, method, url, body), 403)
    assert state() == before


@pytest.mark.parametrize("who", ["foreign_admin", "outsider"])
def test_another_organization_gets_404_and_changes_nothing(world, existing, who):
    rule, automation = existing
    before = state()
    api = world.api(who)
    for method, url, body in manage_requests(world, rule["id"], automation["id"]):
        assert_problem(call(api, method, url, body), 404)
    assert state() == before


def test_no_credentials_is_401(world, existing):
    rule, automation = existing
    for method, url, body in manage_requests(world, rule["id"], automation["id"]):
        assert_problem(call(world.api(None), method, url, body), 401)


def test_a_supervisor_of_billing_cannot_touch_another_teams_rules(world):
    admin = world.api("admin")
    retention = f"{world.org_url}/teams/{world.other_team.id}"
    theirs = expect(
        admin.post(f"{retention}/alert-rules", {"name": "R", "condition": KEYWORD}), 201
    )
    their_automation = expect(admin.post(f"{retention}/automations", auto()), 201)
    supervisor = world.api("supervisor")
    before = state()
    # In Retention the supervisor holds no role.
    assert_problem(supervisor.get(f"{retention}/alert-rules"), 403)
    assert_problem(supervisor.patch(f"{retention}/alert-rules/{theirs['id']}", {"name": "x"}), 403)
    # Through Billing's URL, Retention's rule and automation do not exist.
    assert_problem(supervisor.patch(f"{rules_url(world)}/{theirs['id']}", {"name": "x"}), 404)
    assert_problem(supervisor.delete(f"{rules_url(world)}/{theirs['id']}"), 404)
    assert_problem(
        supervisor.patch(f"{automations_url(world)}/{their_automation['id']}", {"name": "x"}),
        404,
    )
    assert_problem(supervisor.delete(f"{automations_url(world)}/{their_automation['id']}"), 404)
    assert state() == before


def test_a_foreign_organizations_rule_is_not_found_through_our_team(world):
    foreign = world.api("foreign_admin")
    foreign_team = f"/api/v1/orgs/{world.foreign_org.id}/teams/{world.foreign_team.id}"
    theirs = foreign.post(f"{foreign_team}/alert-rules", {"name": "G", "condition": KEYWORD})
    assert theirs.status_code == 201
    admin = world.api("admin")
    assert_problem(admin.patch(f"{rules_url(world)}/{theirs.json()['id']}", {"name": "x"}), 404)
    assert_problem(admin.get(f"{foreign_team}/alert-rules"), 404)


def test_a_custom_role_with_alerts_read_reads_rules_but_manages_nothing(world, existing):
    rule, automation = existing
    give_team_role(world, "member", ["team.read", "alerts.read"], name="Alert watcher")
    reader = world.api("member")
    listed = reader.get(rules_url(world))
    assert listed.status_code == 200
    [seen] = listed.json()["items"]
    assert seen["id"] == rule["id"] and seen["webhook_url"] == "https://hooks.example.com/in"
    assert seen["webhook_secret"] is None  # the signing secret is for those who manage alerts
    assert world.api("supervisor").get(rules_url(world)).json()["items"][0]["webhook_secret"]
    assert reader.get(f"{world.team_url}/alerts").status_code == 200
    before = state()
    for method, url, body in manage_requests(world, rule["id"], automation["id"])[1:]:
        assert_problem(call(reader, method, url, body), 403)
    assert state() == before


def test_a_custom_role_with_automations_read_sees_automations_without_secrets(world, existing):
    rule, automation = existing
    give_team_role(world, "member", ["team.read", "automations.read"], name="Automation reader")
    reader = world.api("member")
    listed = reader.get(automations_url(world))
    assert listed.status_code == 200
    [seen] = listed.json()["items"]
    assert seen["actions"] == [{"type": "webhook", "url": HOOK["url"]}]
    assert HOOK["secret"].encode() not in listed.content
    assert_problem(reader.get(rules_url(world)), 403)
    assert_problem(reader.post(automations_url(world), auto()), 403)
    assert_problem(
        reader.patch(f"{automations_url(world)}/{automation['id']}", {"enabled": False}), 403
    )


# --- audit ---------------------------------------------------------------------------------------


def audit(world, action):
    return world.api("admin").get(f"{world.org_url}/audit-log", action=action).json()["items"]


def test_rule_changes_are_audited_with_before_and_after(world):
    rule = create_rule(world, KEYWORD, name="Refunds", webhook_url="https://hooks.example.com/in")
    supervisor = world.api("supervisor")
    url = f"{rules_url(world)}/{rule['id']}"
    expect(supervisor.patch(url, {"name": "Refund talk"}), 200)
    expect(supervisor.delete(url), 204)
    [created] = audit(world, "alert_rule.create")
    [updated] = audit(world, "alert_rule.update")
    [deleted] = audit(world, "alert_rule.delete")
    for entry in (created, updated, deleted):
        assert entry["actor"]["account_id"] == world["supervisor"].account_id
        assert entry["target"]["type"] == "alert_rule" and entry["target"]["id"] == rule["id"]
        assert entry["team"]["id"] == world.team.id
    assert created["details"]["after"] == {
        "name": "Refunds",
        "condition": KEYWORD,
        "webhook_url": "https://hooks.example.com/in",
    }
    assert updated["details"]["before"]["name"] == "Refunds"
    assert updated["details"]["after"]["name"] == "Refund talk"
    assert deleted["details"]["before"]["name"] == "Refund talk"
    everything = orjson.dumps([created, updated, deleted])
    assert rule["webhook_secret"].encode() not in everything


def test_automation_changes_are_audited_without_secrets(world):
    automation = create_automation(world, name="Notify", actions=[TAG, HOOK])
    supervisor = world.api("supervisor")
    url = f"{automations_url(world)}/{automation['id']}"
    expect(supervisor.patch(url, {"enabled": False}), 200)
    expect(supervisor.delete(url), 204)
    [created] = audit(world, "automation.create")
    [updated] = audit(world, "automation.update")
    [deleted] = audit(world, "automation.delete")
    assert created["target"] == {"type": "automation", "id": automation["id"], "label": "Notify"}
    assert created["details"]["after"]["actions"] == [TAG, {"type": "webhook", "url": HOOK["url"]}]
    assert updated["details"]["before"]["enabled"] is True
    assert updated["details"]["after"]["enabled"] is False
    assert deleted["details"]["before"]["name"] == "Notify"
    everything = orjson.dumps([created, updated, deleted])
    assert HOOK["secret"].encode() not in everything
    # Refused changes write nothing.
    count = AuditLogEntry.objects.count()
    assert_problem(world.api("agent").post(automations_url(world), auto()), 403)
    assert_problem(
        world.api("supervisor").post(automations_url(world), auto(trigger="nope")),
        422,
        field="trigger",
    )
    assert AuditLogEntry.objects.count() == count


def test_managing_without_reading_changes_rules_and_automations_by_id(world):
    """The services look rules and automations up through the selectors under the permission
    they act with: `alerts.manage` / `automations.manage` alone is enough to change one by id,
    while listing still needs the read permission."""
    rule = create_rule(world, {"type": "agent_unknown"})
    automation = create_automation(world, actions=[{"type": "archive_call"}])
    give_team_role(world, "qa", ["team.read", "alerts.manage", "automations.manage"])
    qa = world.api("qa")
    response = qa.patch(f"{rules_url(world)}/{rule['id']}", {"name": "Renamed"})
    assert response.status_code == 200 and response.json()["name"] == "Renamed"
    response = qa.patch(f"{automations_url(world)}/{automation['id']}", {"enabled": False})
    assert response.status_code == 200 and response.json()["enabled"] is False
    assert AlertRule.objects.get().name == "Renamed"
    assert Automation.objects.get().enabled is False
    assert qa.get(rules_url(world)).status_code == 403
    assert qa.get(automations_url(world)).status_code == 403
    missing = qa.patch(f"{rules_url(world)}/alr_missing", {"name": "x"})
    assert missing.status_code == 404
    assert qa.delete(f"{automations_url(world)}/{automation['id']}").status_code == 204
    assert not Automation.objects.exists()
