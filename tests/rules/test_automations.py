"""Automations in the analysis pass: when a call arrives (or an alert
fires) and every condition holds, add a tag, archive the call, or queue a webhook."""

import orjson

from callstudio.calls.models import Call
from callstudio.rules.models import Alert, WebhookDelivery

from .conftest import analyze, automations_url, create_automation, create_rule, send

PLAIN = [{"speaker": "agent", "start": 0, "end": 5, "text": "Hello, how can I help?"}]
HOOK = {"type": "webhook", "url": "https://hooks.example.com/in", "secret": "s3cret-long-enough"}


def detail(world, call_id) -> dict:
    response = world.api("supervisor").get(f"{world.team_url}/calls/{call_id}")
    assert response.status_code == 200, response.content
    return response.json()


def analytics(world) -> dict:
    response = world.api("supervisor").get(
        f"{world.team_url}/analytics", **{"from": "2026-11-01", "to": "2026-11-30"}
    )
    assert response.status_code == 200, response.content
    return response.json()


def terms(figures, kind="tags") -> dict[str, int]:
    return {t["term"]: t["calls"] for t in figures[kind]}


def test_add_tag_tags_the_call_and_counts_in_analytics(world, ingest):
    create_automation(
        world,
        conditions=[{"type": "keyword", "phrases": ["charged twice"]}],
        actions=[{"type": "add_tag", "tag": "double-charge"}, {"type": "add_tag", "tag": "refund"}],
    )
    hit = send(ingest, "hit")
    miss = send(ingest, "miss", transcript=PLAIN)
    analyze()
    # Added once, after the call's own tags; a tag the call already has is not repeated.
    assert detail(world, hit)["tags"] == ["refund", "double-charge"]
    assert detail(world, miss)["tags"] == ["refund"]
    assert terms(analytics(world)) == {"refund": 2, "double-charge": 1}


def test_archive_call_archives_it_and_keeps_it_out_of_analytics(world, ingest):
    create_automation(
        world,
        conditions=[{"type": "metadata_equals", "key": "queue", "value": "spam"}],
        actions=[{"type": "archive_call"}],
    )
    spam = send(ingest, "spam", metadata={"queue": "spam"}, duration_seconds=50)
    kept = send(ingest, "kept", duration_seconds=100)
    analyze()
    assert detail(world, spam)["archived"] is True
    assert detail(world, kept)["archived"] is False
    supervisor = world.api("supervisor")
    listed = supervisor.get(f"{world.team_url}/calls").json()["items"]
    assert [c["id"] for c in listed] == [kept]
    archived = supervisor.get(f"{world.team_url}/calls", archived="true").json()["items"]
    assert [c["id"] for c in archived] == [spam]
    figures = analytics(world)
    assert figures["calls"] == 1 and figures["total_duration_seconds"] == 100
    # Unarchived by hand, it is counted exactly once.
    assert supervisor.post(f"{world.team_url}/calls/{spam}/unarchive").status_code == 200
    figures = analytics(world)
    assert figures["calls"] == 2 and figures["total_duration_seconds"] == 150


def test_alert_raised_automations_run_only_when_an_alert_is_raised(world, ingest):
    create_automation(
        world, trigger="alert.raised", actions=[{"type": "add_tag", "tag": "alerted"}]
    )
    quiet = send(ingest, "before-any-rule")
    analyze()
    assert detail(world, quiet)["tags"] == ["refund"]  # no rule, no alert, no action

    create_rule(world, {"type": "keyword", "phrases": ["charged twice"]})
    hit = send(ingest, "hit")
    miss = send(ingest, "miss", transcript=PLAIN)
    analyze()
    assert "alerted" in detail(world, hit)["tags"]
    assert "alerted" not in detail(world, miss)["tags"]
    assert Alert.objects.filter(call_id=hit).count() == 1


def test_an_alert_raised_webhook_is_queued_once_per_alert(world, ingest):
    create_automation(world, trigger="alert.raised", actions=[HOOK], name="Page on-call")
    first = create_rule(world, {"type": "keyword", "phrases": ["refund"]}, name="Refund")
    second = create_rule(world, {"type": "duration_above", "seconds": 10}, name="Long")
    send(ingest, "c1")
    analyze()
    alerts = {a.id: a.rule_id for a in Alert.objects.all()}
    assert sorted(alerts.values()) == sorted([first["id"], second["id"]])
    deliveries = list(WebhookDelivery.objects.all())
    assert len(deliveries) == 2
    bodies = [orjson.loads(d.body) for d in deliveries]
    assert sorted(b["alert"]["id"] for b in bodies) == sorted(alerts)
    assert {b["event"] for b in bodies} == {"alert.raised"}
    assert {d.source for d in deliveries} == {"Automation: Page on-call"}


def test_every_condition_of_an_automation_must_hold(world, ingest):
    create_automation(
        world,
        conditions=[
            {"type": "keyword", "phrases": ["refund"]},
            {"type": "duration_above", "seconds": 60},
        ],
        actions=[{"type": "add_tag", "tag": "long-refund"}],
    )
    both = send(ingest, "both", duration_seconds=100)
    short = send(ingest, "short", duration_seconds=30)
    plain = send(ingest, "plain", duration_seconds=100, transcript=PLAIN)
    analyze()
    assert "long-refund" in detail(world, both)["tags"]
    assert "long-refund" not in detail(world, short)["tags"]
    assert "long-refund" not in detail(world, plain)["tags"]


def test_an_automation_without_conditions_acts_on_every_call(world, ingest):
    create_automation(world, actions=[{"type": "add_tag", "tag": "seen"}])
    ids = [send(ingest, f"c{n}", transcript=PLAIN, metadata={"n": n}) for n in range(3)]
    analyze()
    assert all("seen" in detail(world, i)["tags"] for i in ids)


def test_a_disabled_automation_does_nothing_until_enabled(world, ingest):
    automation = create_automation(
        world,
        actions=[{"type": "add_tag", "tag": "auto"}, {"type": "archive_call"}, HOOK],
        enabled=False,
    )
    alerted = create_automation(
        world, trigger="alert.raised", actions=[HOOK], name="On alert", enabled=False
    )
    create_rule(world, {"type": "duration_above", "seconds": 0})
    off = send(ingest, "off")
    analyze()
    call = Call.objects.get(id=off)
    assert call.tags == ["refund"] and not call.archived
    assert not WebhookDelivery.objects.exists()
    assert Alert.objects.count() == 1  # the rule itself still raises

    supervisor = world.api("supervisor")
    for a in (automation, alerted):
        url = f"{automations_url(world)}/{a['id']}"
        assert supervisor.patch(url, {"enabled": True}).status_code == 200
    on = send(ingest, "on")
    analyze()
    call = Call.objects.get(id=on)
    assert call.tags == ["refund", "auto"] and call.archived
    assert WebhookDelivery.objects.count() == 2
    assert Call.objects.get(id=off).tags == ["refund"]  # nothing retroactive


def test_call_ingested_automations_run_before_alert_rules(world, ingest):
    """A tag added on arrival is in the alert's webhook body."""
    create_automation(world, actions=[{"type": "add_tag", "tag": "vip"}])
    create_rule(world, {"type": "duration_above", "seconds": 0}, webhook_url="https://h.example/x")
    send(ingest, "c1")
    analyze()
    delivery = WebhookDelivery.objects.get()
    assert orjson.loads(delivery.body)["call"]["tags"] == ["refund", "vip"]


def test_another_teams_automation_does_not_act_on_this_teams_calls(world, ingest):
    admin = world.api("admin")
    retention = f"{world.org_url}/teams/{world.other_team.id}"
    response = admin.post(
        f"{retention}/automations",
        {"name": "Archive", "trigger": "call.ingested", "actions": [{"type": "archive_call"}]},
    )
    assert response.status_code == 201
    call_id = send(ingest, "c1")
    analyze()
    assert Call.objects.get(id=call_id).archived is False
    assert analytics(world)["calls"] == 1
