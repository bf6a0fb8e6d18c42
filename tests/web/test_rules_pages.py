"""The Alerts tab (inbox, alert rules) and the Automations tab (automations, delivery log): forms
put a service's error next to its field and change nothing; buttons show by permission and the
POSTs behind them check again."""

import re

import pytest

from callstudio.access.policy import org_access, team_access
from callstudio.access.services import role_create
from callstudio.calls.ingest import store_calls
from callstudio.calls.models import Call
from callstudio.calls.schemas import CallIn
from callstudio.core.models import AuditLogEntry
from callstudio.directory.services import team_member_add
from callstudio.pipeline.analysis import analyze_pending
from callstudio.rules.models import Alert, AlertRule, Automation, WebhookDelivery
from callstudio.rules.services import alert_rule_create, automation_create
from tests.calls.conftest import call_body
from tests.helpers import expect


def team_url(world, rest=""):
    return f"/o/{world.org.id}/teams/{world.team.id}/{rest}"


def in_team(world, who="admin"):
    return team_access(org_access(world[who].account, world.org.id), world.team.id)


def state() -> tuple:
    """Every rule, alert and automation as stored, and the audit log's length."""
    return (
        list(AlertRule.objects.order_by("id").values()),
        list(Alert.objects.order_by("id").values()),
        list(Automation.objects.order_by("id").values()),
        AuditLogEntry.objects.count(),
    )


def field_error(page: str, name: str) -> str:
    """The error shown next to form field `name` (its `<div class="field ...">`)."""
    match = re.search(
        rf'<div class="field field-invalid">\s*<label for="id_{name}">.*?</div>\s*</div>',
        page,
        re.S,
    )
    assert match, f"no error next to {name}"
    return match.group(0)


RULE = {"name": "Refunds", "type": "keyword", "phrases": "refund, cancel\nchargeback"}


def test_supervisor_creates_an_alert_rule_and_sees_it_listed(world, browser_as):
    supervisor = browser_as("supervisor")
    page = supervisor.get(team_url(world, "alerts")).content.decode()
    assert "Create alert rule" in page and "No alert rules yet" in page
    form = supervisor.get(team_url(world, "alert-rules/new"))
    assert form.status_code == 200 and 'name="phrases"' in form.content.decode()
    response = supervisor.post(
        team_url(world, "alert-rules/new"), {**RULE, "webhook_url": "https://hooks.acme.test/a"}
    )
    assert response.status_code == 302 and response["Location"] == team_url(world, "alerts")
    rule = AlertRule.objects.get()
    assert rule.condition == {"type": "keyword", "phrases": ["refund", "cancel", "chargeback"]}
    assert rule.webhook_url == "https://hooks.acme.test/a" and rule.webhook_secret
    page = supervisor.get(team_url(world, "alerts")).content.decode()
    assert "Refunds" in page and "Said: “refund”, “cancel”, “chargeback”" in page
    assert rule.webhook_secret in page  # to those who manage alerts
    assert f'href="{team_url(world, f"alert-rules/{rule.id}/edit")}"' in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"phrases": " , \n"}, "phrases", "one or more phrases"),
        ({"type": "sentiment_below", "value": "very"}, "value", "Must be a number."),
        ({"type": "sentiment_below", "value": "5"}, "value", "between -1 and 1"),
        ({"type": "duration_above", "seconds": ""}, "seconds", "This field is required."),
        ({"type": "duration_below", "seconds": "-4"}, "seconds", "between 0 and"),
        ({"type": "metadata_equals", "key": "", "meta_value": "x"}, "key", "required"),
        ({"type": "metadata_equals", "key": "queue"}, "meta_value", "required"),
        ({"webhook_url": "ftp://files.acme.test"}, "webhook_url", "http:// or https://"),
        ({"name": ""}, "name", "This field is required."),
        ({"name": "x" * 101}, "name", "at most 100 characters"),
        ({"type": "telepathy"}, "type", "Select a valid choice"),
    ],
)
def test_an_invalid_rule_shows_the_form_again_with_the_message_next_to_the_field(
    world, browser_as, data, field, message
):
    before = state()
    response = browser_as("supervisor").post(team_url(world, "alert-rules/new"), {**RULE, **data})
    assert response.status_code == 422
    assert message in field_error(response.content.decode(), field)
    assert state() == before


def test_edit_and_delete_an_alert_rule(world, browser_as):
    rule = alert_rule_create(
        access=in_team(world),
        name="Refunds",
        condition={"type": "metadata_equals", "key": "queue", "value": 42},
        webhook_url="https://hooks.acme.test/a",
    )
    supervisor = browser_as("supervisor")
    page = supervisor.get(team_url(world, f"alert-rules/{rule.id}/edit")).content.decode()
    assert 'value="Refunds"' in page and 'name="meta_value" value="42"' in page
    response = supervisor.post(
        team_url(world, f"alert-rules/{rule.id}/edit"),
        {"name": "Long calls", "type": "duration_above", "seconds": "600", "webhook_url": ""},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.name == "Long calls" and rule.condition == {
        "type": "duration_above",
        "seconds": 600.0,
    }
    assert rule.webhook_url == "" and rule.webhook_secret == ""
    page = supervisor.get(team_url(world, f"alert-rules/{rule.id}/delete")).content.decode()
    assert "Delete the alert rule “Long calls”?" in page and ">Delete</button>" in page
    assert AlertRule.objects.exists()  # a GET changes nothing
    expect(supervisor.post(team_url(world, f"alert-rules/{rule.id}/delete")), 302)
    assert not AlertRule.objects.exists()


def test_a_metadata_value_keeps_its_type(world, browser_as):
    supervisor = browser_as("supervisor")
    for typed, stored in [("true", True), ("4.5", 4.5), ('"42"', "42"), ("billing", "billing")]:
        expect(
            supervisor.post(
                team_url(world, "alert-rules/new"),
                {"name": typed, "type": "metadata_equals", "key": "k", "meta_value": typed},
            ),
            302,
        )
        rule = AlertRule.objects.get(name=typed)
        assert rule.condition["value"] == stored and type(rule.condition["value"]) is type(stored)
        page = supervisor.get(team_url(world, f"alert-rules/{rule.id}/edit")).content.decode()
        assert 'name="meta_value" value="{}"'.format(typed.replace('"', "&quot;")) in page


@pytest.fixture
def alert(world):
    """An open alert raised on an agent's call by a keyword rule (with a webhook)."""
    alert_rule_create(
        access=in_team(world),
        name="Refunds",
        condition={"type": "keyword", "phrases": ["refund"]},
        webhook_url="https://hooks.acme.test/a",
    )
    store_calls(team=world.team, calls=[CallIn.model_validate(call_body("c1"))])
    analyze_pending()
    return Alert.objects.get()


def test_acknowledge_and_resolve_from_the_inbox(world, alert, browser_as):
    supervisor = browser_as("supervisor")
    page = supervisor.get(team_url(world, "alerts")).content.decode()
    assert f'href="{team_url(world, f"calls/{alert.call_id}")}"' in page
    assert ">Acknowledge</button>" in page and ">Resolve</button>" in page
    response = supervisor.post(team_url(world, f"alerts/{alert.id}/acknowledge"), {"back": "open"})
    assert response["Location"] == team_url(world, "alerts") + "?status=open"
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledged_by == world["supervisor"].account
    assert "No open alerts" in supervisor.get(team_url(world, "alerts")).content.decode()
    page = supervisor.get(team_url(world, "alerts"), {"status": "acknowledged"}).content.decode()
    assert ">Acknowledge</button>" not in page and ">Resolve</button>" in page
    expect(supervisor.post(team_url(world, f"alerts/{alert.id}/resolve")), 302)
    alert.refresh_from_db()
    assert alert.status == "resolved"
    page = supervisor.get(team_url(world, "alerts"), {"status": "resolved"}).content.decode()
    assert (
        "Refunds" in page
        and "</button>" not in page.split("Alert inbox")[1].split("Alert rules")[0]
    )
    response = supervisor.post(team_url(world, f"alerts/{alert.id}/acknowledge"), follow=True)
    assert "already resolved" in response.content.decode()
    assert Alert.objects.get().status == "resolved"


def test_the_inbox_is_paginated(world, browser_as):
    alert_rule_create(
        access=in_team(world), name="Any", condition={"type": "duration_above", "seconds": 1}
    )
    store_calls(
        team=world.team,
        calls=[CallIn.model_validate(call_body(f"c{i}")) for i in range(55)],
    )
    analyze_pending()
    supervisor = browser_as("supervisor")
    page = supervisor.get(team_url(world, "alerts")).content.decode()
    assert page.count(">Acknowledge</button>") == 50
    cursor = re.search(r'href="\?status=open&amp;cursor=([^"]+)"', page).group(1)
    page = supervisor.get(team_url(world, "alerts"), {"status": "open", "cursor": cursor})
    assert page.content.decode().count(">Acknowledge</button>") == 5


@pytest.fixture
def watcher(world):
    """The org's Member, in Billing with a custom role that reads alerts and automations only."""
    admin = org_access(world["admin"].account, world.org.id)
    role = role_create(
        access=admin,
        name="Watcher",
        scope="team",
        permissions=["team.read", "calls.read.all", "alerts.read", "automations.read"],
    )
    team_member_add(
        access=team_access(admin, world.team.id),
        account_id=world["member"].account_id,
        role=role.id,
    )
    return "member"


def test_readers_see_alerts_and_automations_without_controls(world, alert, watcher, browser_as):
    automation_create(
        access=in_team(world),
        name="Hook",
        trigger="call.ingested",
        actions=[
            {"type": "webhook", "url": "https://hooks.acme.test/b", "secret": "s3cret-s3cret"}
        ],
    )
    reader = browser_as(watcher)
    page = reader.get(team_url(world, "alerts")).content.decode()
    assert "Refunds" in page and "</button>" not in page.split("tab-body")[1]
    assert "Create alert rule" not in page and ">Edit</a>" not in page
    assert AlertRule.objects.get().webhook_secret not in page
    page = reader.get(team_url(world, "automations")).content.decode()
    assert "Hook" in page and "Create automation" not in page and "s3cret-s3cret" not in page
    before = state()
    rule = AlertRule.objects.get()
    automation = Automation.objects.get()
    # GET: the form pages refuse the reader (403); acknowledge and resolve are POST-only
    # actions, so a GET is refused for its method (405) before anyone's permission is looked at.
    for path, data, get_status in [
        (f"alerts/{alert.id}/acknowledge", {}, 405),
        (f"alerts/{alert.id}/resolve", {}, 405),
        ("alert-rules/new", RULE, 403),
        (f"alert-rules/{rule.id}/edit", RULE, 403),
        (f"alert-rules/{rule.id}/delete", {}, 403),
        (
            "automations/new",
            {"name": "x", "trigger": "call.ingested", "a0-type": "archive_call"},
            403,
        ),
        (f"automations/{automation.id}/delete", {}, 403),
    ]:
        assert reader.post(team_url(world, path), data).status_code == 403, path
        assert reader.get(team_url(world, path)).status_code == get_status, path
    assert state() == before


def test_people_without_alerts_or_automations_are_refused(world, alert, browser_as):
    before = state()
    for who in ("agent", "qa", "member"):
        client = browser_as(who)
        for path in ("alerts", "automations", "alert-rules/new", "automations/new"):
            assert client.get(team_url(world, path)).status_code == 403, (who, path)
        assert client.post(team_url(world, "alert-rules/new"), RULE).status_code == 403
        assert client.post(team_url(world, f"alerts/{alert.id}/resolve")).status_code == 403
    assert browser_as("foreign_admin").get(team_url(world, "alerts")).status_code == 404
    assert state() == before


AUTOMATION = {
    "name": "Escalate",
    "trigger": "call.ingested",
    "enabled": "on",
    "c0-type": "keyword",
    "c0-phrases": "lawyer",
    "c1-type": "",
    "c2-type": "duration_above",
    "c2-seconds": "60",
    "a0-type": "add_tag",
    "a0-tag": "escalate",
    "a1-type": "",
    "a2-type": "webhook",
    "a2-url": "https://hooks.acme.test/esc",
    "a2-secret": "",
}


def test_create_edit_and_delete_an_automation(world, browser_as):
    supervisor = browser_as("supervisor")
    page = supervisor.get(team_url(world, "automations")).content.decode()
    assert "Create automation" in page and "No automations yet" in page
    page = supervisor.get(team_url(world, "automations/new")).content.decode()
    assert page.count('name="c') >= 3 * 6 and 'name="a2-secret"' in page
    response = supervisor.post(team_url(world, "automations/new"), AUTOMATION)
    assert response.status_code == 302, response.content.decode()
    automation = Automation.objects.get()
    assert automation.conditions == [
        {"type": "keyword", "phrases": ["lawyer"]},
        {"type": "duration_above", "seconds": 60.0},
    ]
    assert automation.actions[0] == {"type": "add_tag", "tag": "escalate"}
    webhook = automation.actions[1]
    assert webhook["url"] == "https://hooks.acme.test/esc" and len(webhook["secret"]) >= 8
    assert automation.enabled and automation.trigger == "call.ingested"
    page = supervisor.get(team_url(world, "automations")).content.decode()
    assert "Escalate" in page and "Add tag “escalate”" in page and "Said: “lawyer”" in page

    edit = team_url(world, f"automations/{automation.id}/edit")
    page = supervisor.get(edit).content.decode()
    assert 'value="Escalate"' in page and webhook["secret"] in page
    data = {
        **AUTOMATION,
        "name": "Escalate later",
        "trigger": "alert.raised",
        "c0-type": "",
        "a2-secret": webhook["secret"],
    }
    del data["enabled"]
    assert supervisor.post(edit, data).status_code == 302
    automation.refresh_from_db()
    assert automation.name == "Escalate later" and not automation.enabled
    assert automation.trigger == "alert.raised"
    assert automation.conditions == [{"type": "duration_above", "seconds": 60.0}]
    assert automation.actions[1]["secret"] == webhook["secret"]

    delete = team_url(world, f"automations/{automation.id}/delete")
    assert ">Delete</button>" in supervisor.get(delete).content.decode()
    assert supervisor.post(delete).status_code == 302
    assert not Automation.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"a0-type": "", "a2-type": ""}, "a0-type", "one or more actions"),
        # the first action row is blank: the service's actions[0] is the form's third row
        ({"a0-type": "", "a2-url": "mailto:ops@acme.test"}, "a2-url", "http:// or https://"),
        ({"a2-secret": "short"}, "a2-secret", "At least 8 characters"),
        ({"a0-tag": ""}, "a0-tag", "required"),
        ({"c2-seconds": "soon"}, "c2-seconds", "Must be a number."),
        ({"c0-phrases": ""}, "c0-phrases", "one or more phrases"),
        ({"name": " "}, "name", ""),
        ({"trigger": "call.deleted"}, "trigger", "Select a valid choice"),
    ],
)
def test_an_invalid_automation_changes_nothing(world, browser_as, change, field, message):
    before = state()
    response = browser_as("supervisor").post(
        team_url(world, "automations/new"), {**AUTOMATION, **change}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert message in field_error(page, field)
    assert "nothing was saved" in page
    assert state() == before


def test_an_automation_with_more_rows_than_offered_keeps_them_all(world, browser_as):
    conditions = [{"type": "duration_above", "seconds": s} for s in (1, 2, 3, 4)]
    automation = automation_create(
        access=in_team(world),
        name="Many",
        trigger="call.ingested",
        conditions=conditions,
        actions=[{"type": "archive_call"}],
    )
    edit = team_url(world, f"automations/{automation.id}/edit")
    page = browser_as("supervisor").get(edit).content.decode()
    assert 'name="c3-seconds" value="4"' in page
    data = {"name": "Many", "trigger": "call.ingested", "enabled": "on", "a0-type": "archive_call"}
    data.update({f"c{i}-type": "duration_above" for i in range(4)})
    data.update({f"c{i}-seconds": str(i + 1) for i in range(4)})
    assert browser_as("supervisor").post(edit, data).status_code == 302
    automation.refresh_from_db()
    assert automation.conditions == [{**c, "seconds": float(c["seconds"])} for c in conditions]


def test_the_delivery_log_lists_webhook_deliveries(world, alert, browser_as):
    delivery = WebhookDelivery.objects.get()
    page = browser_as("supervisor").get(team_url(world, "automations")).content.decode()
    assert delivery.id in page and "Alert rule: Refunds" in page
    assert "https://hooks.acme.test/a" in page and "Pending" in page
    assert delivery.secret not in page and "Older deliveries" not in page


def test_a_call_the_alert_names_is_one_the_reader_may_open(world, alert, browser_as):
    page = browser_as("supervisor").get(team_url(world, "alerts")).content.decode()
    call = Call.objects.get()
    assert browser_as("supervisor").get(team_url(world, f"calls/{call.id}")).status_code == 200
    assert call.external_id in page


def label_texts(page: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", t).strip()
        for t in re.findall(r"<label for=[^>]*>(.*?)</label>", page, re.S)
    ]


def test_automation_form_rows_are_labelled_by_position(world, browser_as):
    page = browser_as("supervisor").get(team_url(world, "automations/new")).content.decode()
    labels = label_texts(page)
    assert len(labels) == len(set(labels)), "two fields of the editor share a label"
    for n in (1, 2, 3):
        assert f"Condition {n} type" in labels and f"Condition {n} seconds" in labels
        assert f"Action {n} type" in labels and f"Action {n} webhook URL" in labels
    assert '<label for="id_c1-seconds">Condition 2 seconds</label>' in page
    assert '<label for="id_a2-url">Action 3 webhook URL</label>' in page
    # The single condition of an alert rule needs no number.
    rule_form = browser_as("supervisor").get(team_url(world, "alert-rules/new")).content.decode()
    rule_labels = label_texts(rule_form)
    assert "Condition" in rule_labels and "Seconds" in rule_labels
    assert len(rule_labels) == len(set(rule_labels))


def test_pages_name_triggers_and_events_in_words(world, alert, browser_as):
    automation_create(
        access=in_team(world),
        name="Ping",
        trigger="alert.raised",
        actions=[{"type": "webhook", "url": "https://hooks.acme.test/p", "secret": "s" * 12}],
    )
    supervisor = browser_as("supervisor")
    form = supervisor.get(team_url(world, "automations/new")).content.decode()
    assert '<option value="call.ingested">A call arrives</option>' in form
    assert '<option value="alert.raised">An alert is raised</option>' in form
    page = supervisor.get(team_url(world, "automations")).content.decode()
    assert "<td>An alert is raised</td>" in page  # the automation's trigger, and the delivery's
    assert page.count("<td>An alert is raised</td>") == 2
    for raw in ("call.ingested", "alert.raised"):
        assert raw not in re.sub(r'value="[^"]*"', "", form)
        assert raw not in page
