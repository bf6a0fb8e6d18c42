"""Caps per team (CALLSTUDIO_MAX_*_PER_TEAM): alert rules, automations, and webhooks (rules with
a webhook_url and automations' webhook actions, counted together). Beyond a cap: 422 naming it,
and nothing changes; below it, and in another team, everything works as before."""

import pytest

from callstudio.rules.models import AlertRule, Automation
from tests.helpers import assert_problem

from .conftest import automations_url, create_automation, create_rule, rules_url

KEYWORD = {"type": "keyword", "phrases": ["refund"]}
HOOK = "https://hooks.example.com/callstudio"


def webhook(n=0):
    return {"type": "webhook", "url": f"{HOOK}/{n}", "secret": "a-secret-of-ours"}


@pytest.fixture
def caps(settings):
    settings.CALLSTUDIO_MAX_ALERT_RULES_PER_TEAM = 2
    settings.CALLSTUDIO_MAX_AUTOMATIONS_PER_TEAM = 2
    settings.CALLSTUDIO_MAX_WEBHOOKS_PER_TEAM = 3


def test_a_team_has_at_most_its_cap_of_alert_rules(world, caps):
    create_rule(world, KEYWORD, name="One")
    create_rule(world, KEYWORD, name="Two")
    response = world.api("supervisor").post(rules_url(world), {"name": "3", "condition": KEYWORD})
    body = assert_problem(response, 422, code="limit_reached")
    assert "at most 2 alert rules" in body["detail"]
    assert AlertRule.objects.filter(team=world.team).count() == 2
    # Deleting one makes room; the cap is per team, not per organization.
    rule_id = AlertRule.objects.filter(team=world.team).first().id
    assert world.api("supervisor").delete(f"{rules_url(world)}/{rule_id}").status_code == 204
    create_rule(world, KEYWORD, name="Three")


def test_a_team_has_at_most_its_cap_of_automations(world, caps):
    tag = [{"type": "add_tag", "tag": "x"}]
    create_automation(world, actions=tag, name="One")
    create_automation(world, actions=tag, name="Two")
    body = {"name": "3", "trigger": "call.ingested", "conditions": [], "actions": tag}
    response = world.api("supervisor").post(automations_url(world), body)
    assert_problem(response, 422, code="limit_reached")
    assert Automation.objects.filter(team=world.team).count() == 2


def test_webhooks_of_rules_and_automations_count_together(world, caps):
    create_rule(world, KEYWORD, name="Hooked", webhook_url=f"{HOOK}/rule")
    automation = create_automation(world, actions=[webhook(1), webhook(2)], name="Two hooks")
    # A rule without a webhook still fits; one with a webhook does not.
    create_rule(world, KEYWORD, name="Quiet")
    AlertRule.objects.filter(name="Quiet").delete()
    response = world.api("supervisor").post(
        rules_url(world), {"name": "Fourth", "condition": KEYWORD, "webhook_url": f"{HOOK}/4"}
    )
    body = assert_problem(response, 422, field="webhook_url", code="limit_reached")
    assert "at most 3 webhooks" in body["detail"] and "it has 3 besides" in body["detail"]
    # An update adding a webhook action is refused too, and changes nothing...
    url = f"{automations_url(world)}/{automation['id']}"
    more = {"actions": [webhook(1), webhook(2), webhook(3)]}
    assert_problem(world.api("supervisor").patch(url, more), 422, field="actions")
    assert len(Automation.objects.get(id=automation["id"]).actions) == 2
    # ... while editing within the cap (same count, another URL) works.
    same = {"actions": [webhook(1), webhook(5)]}
    assert world.api("supervisor").patch(url, same).status_code == 200
    # Adding a webhook to an existing rule counts as one more.
    quiet = create_rule(world, KEYWORD, name="Quiet again")
    response = world.api("supervisor").patch(
        f"{rules_url(world)}/{quiet['id']}", {"webhook_url": f"{HOOK}/late"}
    )
    assert_problem(response, 422, field="webhook_url", code="limit_reached")
    assert AlertRule.objects.get(id=quiet["id"]).webhook_url == ""


def test_the_cap_is_per_team(world, caps):
    create_rule(world, KEYWORD, name="One")
    create_rule(world, KEYWORD, name="Two")
    other = f"{world.org_url}/teams/{world.other_team.id}/alert-rules"
    response = world.api("admin").post(other, {"name": "Elsewhere", "condition": KEYWORD})
    assert response.status_code == 201, response.content
