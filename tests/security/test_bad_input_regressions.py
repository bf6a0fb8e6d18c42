"""Bad input that once reached the server as a 500 (found probing the analytics, alerts and
automations operations): each is now a 422 naming the field, and changes nothing."""

import pytest

from tests.helpers import assert_problem, assert_unchanged, fingerprint

from .principals import targets  # noqa: F401  (fixture)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "0001-01-01T00:00:00+05:00"}, "from"),  # its UTC time is before year 1
        ({"to": "9999-12-31T23:59:59-23:59"}, "to"),  # after 9999
    ],
)
def test_call_list_times_outside_the_calendar(world, query, field):
    assert_problem(world.api("admin").get(f"{world.team_url}/calls", **query), 422, field=field)


BAD_URLS = ["http://[::1", "https://[x/hook", "http://hooks.example.test:99999/", "http://a:port/"]


@pytest.mark.parametrize("url", BAD_URLS)
def test_unparsable_webhook_urls(world, targets, url):  # noqa: F811
    api, team = world.api("admin"), world.team_url
    before = fingerprint()
    assert_problem(
        api.post(
            f"{team}/alert-rules",
            {"name": "Hook", "condition": {"type": "agent_unknown"}, "webhook_url": url},
        ),
        422,
        field="webhook_url",
    )
    assert_problem(
        api.patch(f"{team}/alert-rules/{targets['rule']}", {"webhook_url": url}),
        422,
        field="webhook_url",
    )
    action = {"type": "webhook", "url": url, "secret": "s3cret-s3cret"}
    assert_problem(
        api.post(
            f"{team}/automations",
            {"name": "Hook", "trigger": "call.ingested", "actions": [action]},
        ),
        422,
        field="actions[0].url",
    )
    assert_problem(
        api.patch(f"{team}/automations/{targets['automation']}", {"actions": [action]}),
        422,
        field="actions[0].url",
    )
    assert_unchanged(before, url)
