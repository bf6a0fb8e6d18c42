"""Trackers on the Analytics tab: their counts (a table and a bar chart), the form that adds one
(for those who manage alert rules; the parser's error next to the Query field, nothing stored),
and Delete behind a confirmation page. The POSTs check the permission again; a refusal changes
nothing."""

import re

import pytest

from callstudio.access.policy import org_access, team_access
from callstudio.calls.ingest import store_calls
from callstudio.calls.schemas import CallIn
from callstudio.core.models import AuditLogEntry
from callstudio.pipeline.analysis import analyze_pending
from callstudio.rules.models import Tracker
from callstudio.rules.services import tracker_create
from tests.calls.conftest import call_body
from tests.helpers import expect, fingerprint

RANGE = "from=2026-11-19&to=2026-11-23"


def team_url(world, rest=""):
    return f"/o/{world.org.id}/teams/{world.team.id}/{rest}"


def in_team(world, who="admin"):
    return team_access(org_access(world[who].account, world.org.id), world.team.id)


def field_error(page: str, name: str) -> str:
    match = re.search(
        rf'<div class="field field-invalid">\s*<label for="id_{name}">.*?</div>\s*</div>',
        page,
        re.S,
    )
    assert match, f"no error next to {name}"
    return match.group(0)


@pytest.fixture
def counted(world):
    """Two trackers, then two calls analysed (one matches both, the other one of them)."""
    access = in_team(world)
    refunds = tracker_create(access=access, name="Refunds", query="refund")
    twice = tracker_create(access=access, name="Double charge", query='customer:"charged twice"')
    store_calls(
        team=world.team,
        calls=[
            CallIn.model_validate(call_body("a")),
            CallIn.model_validate(
                call_body(
                    "b",
                    transcript=[{"speaker": "agent", "start": 0, "end": 2, "text": "A refund."}],
                )
            ),
        ],
    )
    analyze_pending()
    return {"refunds": refunds, "twice": twice}


def test_the_tab_shows_each_tracker_with_its_count_and_a_chart(world, browser_as, counted):
    page = browser_as("supervisor").get(team_url(world, f"analytics?{RANGE}")).content.decode()
    section = page[page.index('id="trackers"') :]
    assert re.search(
        r"<th scope=\"row\">Refunds</th>\s*<td><code>refund</code></td>\s*<td>2</td>", section
    )
    assert re.search(
        r"<th scope=\"row\">Double charge</th>\s*<td><code>customer:&quot;charged twice&quot;</code></td>\s*<td>1</td>",
        section,
    )
    assert 'id="calls-per-tracker"' in section and "<title>Refunds: 2</title>" in section
    # Those who manage alert rules get the form and a Delete per tracker (keeping the range).
    assert 'name="query"' in section and "Add tracker" in section
    delete = team_url(world, f"trackers/{counted['refunds'].id}/delete?{RANGE}")
    assert f'href="{delete.replace("&", "&amp;")}"' in section
    assert 'aria-label="Delete tracker Refunds"' in section


def test_an_agent_sees_the_counts_of_their_own_calls_and_no_form(world, browser_as, counted):
    page = browser_as("agent").get(team_url(world, f"analytics?{RANGE}")).content.decode()
    section = page[page.index('id="trackers"') :]
    assert re.search(
        r"<th scope=\"row\">Refunds</th>\s*<td><code>refund</code></td>\s*<td>2</td>", section
    )
    assert "Add tracker" not in section and "Delete" not in section


def test_a_supervisor_adds_a_tracker_from_the_tab(world, browser_as):
    supervisor = browser_as("supervisor")
    page = supervisor.get(team_url(world, "analytics")).content.decode()
    assert "No trackers yet." in page and "Add tracker" in page
    response = supervisor.post(
        team_url(world, f"trackers/new?{RANGE}"),
        {"name": "Cancellations", "query": 'customer:"cancel my subscription"'},
    )
    assert response.status_code == 302
    assert response["Location"] == team_url(world, f"analytics?{RANGE}")
    tracker = Tracker.objects.get()
    assert (tracker.name, tracker.query, tracker.team_id) == (
        "Cancellations",
        'customer:"cancel my subscription"',
        world.team.id,
    )
    assert AuditLogEntry.objects.filter(action="tracker.create", target_id=tracker.id).exists()
    page = supervisor.get(response["Location"]).content.decode()
    assert "Tracker “Cancellations” saved." in page
    assert '<th scope="row">Cancellations</th>' in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"query": '"cancel my'}, "query", "This quote is never closed (at character 1)."),
        ({"query": "refund OR"}, "query", "OR needs a term on each side (at character 8)."),
        ({"query": "-refund"}, "query", "Give at least one word to find"),
        ({"query": ""}, "query", "This field is required."),
        ({"query": "x" * 501}, "query", "at most 500 characters"),
        ({"name": ""}, "name", "This field is required."),
        ({"name": "REFUNDS"}, "name", "A tracker with this name already exists in the team."),
    ],
)
def test_a_bad_tracker_shows_the_tab_again_with_the_message_next_to_the_field(
    world, browser_as, data, field, message
):
    tracker_create(access=in_team(world), name="Refunds", query="refund")
    before = fingerprint()
    response = browser_as("supervisor").post(
        team_url(world, f"trackers/new?{RANGE}"), {"name": "Cancellations", "query": "x", **data}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert message in field_error(page, field)
    assert "2026-11-19 to 2026-11-23" in page  # the tab, in the range it was posted from
    assert fingerprint() == before


def test_delete_asks_first_then_deletes(world, browser_as, counted):
    supervisor = browser_as("supervisor")
    url = team_url(world, f"trackers/{counted['refunds'].id}/delete?{RANGE}")
    supervisor.get(team_url(world, "analytics"))  # the organization last used is now Acme
    before = fingerprint()
    page = supervisor.get(url).content.decode()
    assert "Delete the tracker “Refunds”?" in page and ">Delete</button>" in page
    assert fingerprint() == before  # a GET changes nothing
    response = supervisor.post(url)
    assert response.status_code == 302
    assert response["Location"] == team_url(world, f"analytics?{RANGE}")
    assert not Tracker.objects.filter(id=counted["refunds"].id).exists()
    assert AuditLogEntry.objects.filter(action="tracker.delete").count() == 1
    page = supervisor.get(response["Location"]).content.decode()
    assert "Tracker “Refunds” deleted." in page and '<th scope="row">Refunds</th>' not in page


@pytest.mark.parametrize("who", ["agent", "qa", "member"])
def test_those_who_may_not_manage_trackers_are_refused_and_nothing_changes(
    world, browser_as, counted, who
):
    client = browser_as(who)
    before = fingerprint()
    for response in (
        client.post(team_url(world, "trackers/new"), {"name": "Mine", "query": "refund"}),
        client.get(team_url(world, f"trackers/{counted['refunds'].id}/delete")),
        client.post(team_url(world, f"trackers/{counted['refunds'].id}/delete")),
    ):
        assert response.status_code == 403, (who, response.status_code)
    assert fingerprint() == before


def test_another_teams_tracker_is_not_found_through_this_team(world, browser_as):
    theirs = tracker_create(
        access=team_access(org_access(world["admin"].account, world.org.id), world.other_team.id),
        name="Retention",
        query="stay",
    )
    before = fingerprint()
    admin = browser_as("admin")
    assert admin.get(team_url(world, f"trackers/{theirs.id}/delete")).status_code == 404
    assert admin.post(team_url(world, f"trackers/{theirs.id}/delete")).status_code == 404
    assert fingerprint() == before
    expect(
        admin.post(f"/o/{world.org.id}/teams/{world.other_team.id}/trackers/{theirs.id}/delete"),
        302,
    )
