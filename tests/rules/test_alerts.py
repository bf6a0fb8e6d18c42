"""Alert rules raising alerts in the analysis pass, and the alert inbox: each
condition type raises on a matching call and stays quiet otherwise; one alert per (rule, call),
never two; acknowledge and resolve; who sees and changes which alerts."""

import threading

import orjson
import pytest
from django.db import IntegrityError, connection, transaction

from callstudio.calls.models import Call
from callstudio.pipeline.analysis import analyze_pending
from callstudio.rules.models import Alert
from tests.helpers import assert_problem

from .conftest import analyze, call_body, create_rule, give_team_role, rules_url, send

ANGRY = [
    {"speaker": "customer", "start": 0, "end": 5, "text": "This is terrible. I hate this."},
    {"speaker": "agent", "start": 6, "end": 9, "text": "Awful, I am so sorry, that is horrible."},
]
HAPPY = [
    {"speaker": "customer", "start": 0, "end": 5, "text": "Thank you so much, this is great!"},
    {
        "speaker": "agent",
        "start": 6,
        "end": 9,
        "text": "Wonderful, happy to help. Have a nice day!",
    },
]
PLAIN = [{"speaker": "agent", "start": 0, "end": 5, "text": "Hello, how can I help?"}]


def alerts_url(world) -> str:
    return f"{world.team_url}/alerts"


def inbox(world, who="supervisor", **query) -> list[dict]:
    response = world.api(who).get(alerts_url(world), **query)
    assert response.status_code == 200, response.content
    return response.json()["items"]


CASES = [
    # (condition, the matching call's fields, the non-matching call's fields)
    pytest.param(
        {"type": "keyword", "phrases": ["CHARGED TWICE"]},
        {},  # the customer says "I was charged twice for my refund."
        {"transcript": PLAIN},
        id="keyword-said-by-the-customer-any-case",
    ),
    pytest.param(
        {"type": "keyword", "phrases": ["supervisor", "let me fix"]},
        {},  # the agent says "Let me fix that."
        {"transcript": PLAIN},
        id="keyword-said-by-the-agent-any-phrase",
    ),
    pytest.param(
        {"type": "sentiment_below", "value": -0.3},
        {"transcript": ANGRY},
        {"transcript": HAPPY},
        id="sentiment_below",
    ),
    pytest.param(
        {"type": "duration_above", "seconds": 600},
        {"duration_seconds": 601},
        {"duration_seconds": 600},
        id="duration_above",
    ),
    pytest.param(
        {"type": "duration_below", "seconds": 30},
        {"duration_seconds": 29.5, "transcript": PLAIN},
        {"duration_seconds": 30, "transcript": PLAIN},
        id="duration_below",
    ),
    pytest.param(
        {"type": "agent_unknown"},
        {"agent": {"email": "temp@agency.test"}},
        {"agent": {"email": "agent@acme.test"}},
        id="agent_unknown-not-a-member",
    ),
    pytest.param(
        {"type": "agent_unknown"},
        {"agent": None},
        {"agent": {"account_id": "ACCOUNT_OF_AGENT"}},
        id="agent_unknown-no-agent",
    ),
    pytest.param(
        {"type": "metadata_equals", "key": "queue", "value": "vip"},
        {"metadata": {"queue": "vip"}},
        {"metadata": {"queue": "billing", "other": "vip"}},
        id="metadata_equals",
    ),
    pytest.param(
        {"type": "metadata_equals", "key": "priority", "value": 1},
        {"metadata": {"priority": 1}},
        {"metadata": {}},
        id="metadata_equals-number-missing-key",
    ),
]


@pytest.mark.parametrize("condition, matching, other", CASES)
def test_each_condition_raises_on_a_matching_call_and_not_on_another(
    world, ingest, condition, matching, other
):
    def fill(fields):
        if fields.get("agent") == {"account_id": "ACCOUNT_OF_AGENT"}:
            return {**fields, "agent": {"account_id": world["agent"].account_id}}
        return fields

    rule = create_rule(world, condition, name="Watch")
    hit = send(ingest, "match", **fill(matching))
    miss = send(ingest, "other", **fill(other))
    assert not Alert.objects.exists()  # ingestion only stores; the analysis pass raises
    assert analyze() == 2
    alert = Alert.objects.get()
    assert (alert.rule_id, alert.call_id, alert.status) == (rule["id"], hit, "open")
    assert (alert.team_id, alert.organization_id, alert.rule_name) == (
        world.team.id,
        world.org.id,
        "Watch",
    )
    assert not Alert.objects.filter(call_id=miss).exists()
    [item] = inbox(world)
    assert item["id"] == alert.id and item["status"] == "open" and item["raised_at"]
    assert item["rule"] == {"id": rule["id"], "name": "Watch"}
    assert item["call"]["id"] == hit and item["call"]["external_id"] == "match"


def test_an_alert_per_matching_rule_and_call_never_two(world, ingest):
    refund = create_rule(world, {"type": "keyword", "phrases": ["refund"]}, name="Refund")
    long = create_rule(world, {"type": "duration_above", "seconds": 60}, name="Long")
    create_rule(world, {"type": "duration_above", "seconds": 6000}, name="Never")
    first = send(ingest, "c1")  # 100 s and says "refund": both rules
    second = send(ingest, "c2", transcript=PLAIN)  # only Long
    analyze()
    pairs = sorted(Alert.objects.values_list("rule_id", "call_id"))
    assert pairs == sorted([(refund["id"], first), (long["id"], first), (long["id"], second)])

    # Analysing again, resending the calls, and analysing after the resend add nothing.
    assert analyze() == 0
    resent = ingest.post(ingest.url, call_body("c1"))
    assert resent.status_code == 200 and resent.json()["created"] is False
    analyze()
    assert sorted(Alert.objects.values_list("rule_id", "call_id")) == pairs
    assert len(inbox(world)) == 3


def test_the_database_refuses_a_second_alert_for_the_same_rule_and_call(world, ingest):
    create_rule(world, {"type": "agent_unknown"})
    send(ingest, "c1", agent=None)
    analyze()
    alert = Alert.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            organization_id=alert.organization_id,
            team_id=alert.team_id,
            rule_id=alert.rule_id,
            rule_name=alert.rule_name,
            call_id=alert.call_id,
            raised_at=alert.raised_at,
        )


def test_a_rule_of_another_team_does_not_raise_on_this_teams_calls(world, ingest):
    admin = world.api("admin")
    retention = f"{world.org_url}/teams/{world.other_team.id}"
    response = admin.post(
        f"{retention}/alert-rules",
        {"name": "Any", "condition": {"type": "duration_above", "seconds": 0}},
    )
    assert response.status_code == 201
    send(ingest, "c1")
    analyze()
    assert not Alert.objects.exists()
    assert admin.get(f"{retention}/alerts").json()["items"] == []


def test_the_inbox_filters_by_status_newest_first(world, ingest):
    create_rule(world, {"type": "duration_above", "seconds": 0})
    for n in range(3):
        send(ingest, f"c{n}")
        analyze()  # one pass each: raised at three different times
    items = inbox(world)
    assert [i["call"]["external_id"] for i in items] == ["c2", "c1", "c0"]
    supervisor = world.api("supervisor")
    by_call = {i["call"]["external_id"]: i["id"] for i in items}
    assert supervisor.post(f"{alerts_url(world)}/{by_call['c0']}/acknowledge").status_code == 200
    assert supervisor.post(f"{alerts_url(world)}/{by_call['c1']}/resolve").status_code == 200
    assert [i["id"] for i in inbox(world, status="open")] == [by_call["c2"]]
    assert [i["id"] for i in inbox(world, status="acknowledged")] == [by_call["c0"]]
    assert [i["id"] for i in inbox(world, status="resolved")] == [by_call["c1"]]
    assert len(inbox(world)) == 3
    assert_problem(supervisor.get(alerts_url(world), status="closed"), 422, field="status")


def test_the_inbox_pages_with_a_cursor(world, ingest):
    create_rule(world, {"type": "duration_above", "seconds": 0})
    for n in range(5):
        send(ingest, f"c{n}")
    analyze()
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = world.api("supervisor").get(alerts_url(world), **query).json()
        assert len(page["items"]) <= 2
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(Alert.objects.values_list("id", flat=True)) and len(seen) == 5


@pytest.fixture
def one_alert(world, ingest) -> str:
    create_rule(world, {"type": "duration_above", "seconds": 0}, name="Any")
    send(ingest, "c1")
    analyze()
    return Alert.objects.get().id


def test_acknowledge_then_resolve_and_never_back(world, one_alert):
    supervisor = world.api("supervisor")
    url = f"{alerts_url(world)}/{one_alert}"
    acked = supervisor.post(f"{url}/acknowledge")
    assert acked.status_code == 200
    assert acked.json()["status"] == "acknowledged" and acked.json()["acknowledged_at"]
    assert acked.json()["resolved_at"] is None
    alert = Alert.objects.get()
    assert alert.acknowledged_by_id == world["supervisor"].account.pk
    # Acknowledging again changes nothing.
    again = supervisor.post(f"{url}/acknowledge")
    assert (
        again.status_code == 200
        and again.json()["acknowledged_at"] == acked.json()["acknowledged_at"]
    )
    resolved = world.api("manager").post(f"{url}/resolve")
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "resolved" and resolved.json()["resolved_at"]
    assert Alert.objects.get().resolved_by_id == world["manager"].account.pk
    back = supervisor.post(f"{url}/acknowledge")
    assert_problem(back, 409)
    assert Alert.objects.get().status == "resolved"
    assert supervisor.post(f"{url}/resolve").status_code == 200  # resolving again: no-op


def test_an_open_alert_may_be_resolved_directly(world, one_alert):
    response = world.api("supervisor").post(f"{alerts_url(world)}/{one_alert}/resolve")
    assert response.status_code == 200 and response.json()["status"] == "resolved"
    assert response.json()["acknowledged_at"] is None


@pytest.mark.parametrize("who", ["agent", "member", "qa"])
def test_acknowledging_and_resolving_need_alerts_manage(world, one_alert, who):
    api = world.api(who)
    for action in ("acknowledge", "resolve"):
        assert_problem(api.post(f"{alerts_url(world)}/{one_alert}/{action}"), 403)
    assert Alert.objects.get().status == "open"


def test_a_reader_of_all_alerts_without_manage_sees_them_but_cannot_change_them(world, one_alert):
    give_team_role(world, "qa", ["team.read", "calls.read.all", "alerts.read"], name="Watcher")
    assert [i["id"] for i in inbox(world, who="qa")] == [one_alert]
    assert_problem(world.api("qa").post(f"{alerts_url(world)}/{one_alert}/acknowledge"), 403)
    assert Alert.objects.get().status == "open"


@pytest.mark.parametrize("who", ["agent", "member", "qa"])
def test_the_inbox_needs_alerts_read(world, one_alert, who):
    assert_problem(world.api(who).get(alerts_url(world)), 403)


@pytest.mark.parametrize("who", ["foreign_admin", "outsider"])
def test_another_organization_gets_404_on_alerts(world, one_alert, who):
    api = world.api(who)
    assert_problem(api.get(alerts_url(world)), 404)
    assert_problem(api.post(f"{alerts_url(world)}/{one_alert}/acknowledge"), 404)
    assert Alert.objects.get().status == "open"


def test_an_alert_of_another_team_or_unknown_is_404(world, ingest, one_alert):
    supervisor = world.api("supervisor")
    assert_problem(supervisor.post(f"{alerts_url(world)}/alert_nope/acknowledge"), 404)
    retention = f"{world.org_url}/teams/{world.other_team.id}"
    # The admin sees Billing's alert only through Billing.
    assert_problem(world.api("admin").post(f"{retention}/alerts/{one_alert}/resolve"), 404)
    assert Alert.objects.get().status == "open"


def test_an_agent_reading_alerts_sees_only_alerts_on_their_own_calls(world, ingest):
    give_team_role(
        world, "agent", ["team.read", "calls.read.own", "alerts.read"], name="Agent with alerts"
    )
    create_rule(world, {"type": "duration_above", "seconds": 0})
    own = send(ingest, "own", agent={"email": "agent@acme.test"})
    send(ingest, "colleague", agent={"email": "supervisor@acme.test"})
    send(ingest, "unknown", agent={"email": "temp@agency.test"})
    analyze()
    assert Alert.objects.count() == 3
    items = inbox(world, who="agent")
    assert [i["call"]["id"] for i in items] == [own]
    assert items[0]["call"]["agent"]["account_id"] == world["agent"].account_id
    assert len(inbox(world, who="agent", status="open")) == 1
    # Reading is not managing.
    others = Alert.objects.exclude(call_id=own).values_list("id", flat=True)
    for alert_id in [items[0]["id"], *others]:
        assert_problem(world.api("agent").post(f"{alerts_url(world)}/{alert_id}/resolve"), 403)
    assert set(Alert.objects.values_list("status", flat=True)) == {"open"}


def test_deleting_a_rule_keeps_its_alerts(world, ingest):
    rule = create_rule(world, {"type": "duration_above", "seconds": 0}, name="Any call")
    send(ingest, "c1")
    analyze()
    supervisor = world.api("supervisor")
    assert supervisor.delete(f"{rules_url(world)}/{rule['id']}").status_code == 204
    [item] = inbox(world)
    assert item["rule"] == {"id": None, "name": "Any call"}
    assert supervisor.post(f"{alerts_url(world)}/{item['id']}/resolve").status_code == 200
    # And the deleted rule raises nothing more.
    send(ingest, "c2")
    analyze()
    assert Alert.objects.count() == 1


def test_concurrent_analysis_passes_raise_each_alert_once(
    transactional_db, world, ingest, monkeypatch
):
    """Several workers analysing at once (PostgreSQL: SKIP LOCKED; SQLite: one writer at a
    time) never raise an alert twice nor miss one."""
    monkeypatch.setattr("callstudio.pipeline.tasks.nudge", lambda: None)  # no worker here
    create_rule(world, {"type": "duration_above", "seconds": 0}, name="Any")
    create_rule(world, {"type": "keyword", "phrases": ["refund"]}, name="Refund")
    lines = b"".join(
        orjson.dumps(call_body(f"c{n:03d}", transcript=PLAIN if n % 2 else ANGRY)) + b"\n"
        for n in range(120)
    )
    stored = ingest.post(
        f"{ingest.url}/stream", raw=lines, headers={"Content-Type": "application/x-ndjson"}
    )
    assert stored.json()["accepted"] == 120
    done, errors = [], []

    def worker():
        try:
            done.append(analyze_pending(batch=7))
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert not Call.objects.filter(analyzed_at__isnull=True).exists()
    assert Alert.objects.filter(rule__name="Any").count() == 120
    assert Alert.objects.filter(rule__name="Refund").count() == 0  # neither transcript says it
    assert Alert.objects.values("rule_id", "call_id").distinct().count() == Alert.objects.count()
