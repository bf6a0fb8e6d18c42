import html
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from callstudio.calls.ingest import store_calls
from callstudio.calls.models import Call, IngestKey
from callstudio.calls.schemas import CallIn
from tests.calls.conftest import call_body, ingest  # noqa: F401  (fixture)
from tests.helpers import expect, fingerprint


def team_url(world, rest=""):
    return f"/o/{world.org.id}/teams/{world.team.id}/{rest}"


def test_agent_sees_only_their_calls_in_the_calls_tab(world, ingest, browser_as):  # noqa: F811
    expect(ingest.post(ingest.url, call_body("mine", agent={"email": "agent@acme.test"})), 201)
    expect(
        ingest.post(ingest.url, call_body("theirs", agent={"email": "supervisor@acme.test"})), 201
    )
    agent_page = browser_as("agent").get(team_url(world, "calls")).content.decode()
    supervisor_page = browser_as("supervisor").get(team_url(world, "calls")).content.decode()
    mine, theirs = Call.objects.get(external_id="mine"), Call.objects.get(external_id="theirs")
    assert f"/calls/{mine.id}" in agent_page and f"/calls/{theirs.id}" not in agent_page
    assert f"/calls/{mine.id}" in supervisor_page and f"/calls/{theirs.id}" in supervisor_page
    assert browser_as("agent").get(team_url(world, f"calls/{theirs.id}")).status_code == 404
    assert 'name="agent"' not in agent_page and 'name="agent"' in supervisor_page


def test_call_page_shows_the_transcript_by_speaker(world, ingest, browser_as):  # noqa: F811
    expect(ingest.post(ingest.url, call_body("c1")), 201)
    call = Call.objects.get()
    page = browser_as("supervisor").get(team_url(world, f"calls/{call.id}")).content.decode()
    assert (
        page.count('class="turn turn-agent"') == 3 and page.count('class="turn turn-customer"') == 1
    )
    assert "I was charged twice" in page and "queue" in page and ">Archive</button>" in page
    agent_page = browser_as("agent").get(team_url(world, f"calls/{call.id}")).content.decode()
    assert ">Archive</button>" not in agent_page


def test_archive_from_the_call_page_needs_calls_archive(world, ingest, browser_as):  # noqa: F811
    expect(ingest.post(ingest.url, call_body("c1")), 201)
    call = Call.objects.get()
    before = fingerprint()
    assert (
        browser_as("agent")
        .post(team_url(world, f"calls/{call.id}/archive"), {"archived": "1"})
        .status_code
        == 403
    )
    assert fingerprint() == before and not Call.objects.get().archived
    expect(
        browser_as("supervisor").post(
            team_url(world, f"calls/{call.id}/archive"), {"archived": "1"}
        ),
        302,
    )
    assert Call.objects.get().archived


def test_api_keys_page_creates_shows_once_and_revokes(world, browser_as):
    admin = browser_as("admin")
    keys_url = f"/o/{world.org.id}/api-keys"
    created = admin.post(keys_url, {"name": "PBX", "scope": "some", "teams": [world.team.id]})
    assert (
        created.status_code == 302 and created["Location"] == keys_url
    )  # a reload resends nothing
    assert "cs_ik_" not in created["Location"] and IngestKey.objects.count() == 1
    shown = admin.get(keys_url)
    assert shown.status_code == 200
    raw = re.search(r'<code id="new-key"[^>]*>(cs_ik_[^<]+)</code>', shown.content.decode()).group(
        1
    )
    key = IngestKey.objects.get()
    again = admin.get(keys_url)
    assert again.status_code == 200 and raw not in again.content.decode()
    assert 'id="new-key"' not in again.content.decode() and "PBX" in again.content.decode()
    assert key.team_ids == [world.team.id] and IngestKey.objects.count() == 1
    assert raw not in browser_as("admin").get(keys_url).content.decode()  # another session
    assert (
        ">Confirm</button>"
        in admin.get(f"/o/{world.org.id}/api-keys/{key.id}/revoke").content.decode()
    )
    expect(admin.post(f"/o/{world.org.id}/api-keys/{key.id}/revoke"), 302)
    assert IngestKey.objects.get().revoked_at is not None


def test_a_new_api_key_is_shown_only_in_its_own_organization(world, browser_as):
    from callstudio.directory.services import organization_create

    admin = browser_as("admin")
    other = organization_create(actor=world["admin"].account, name="Zeta")
    admin.post(f"/o/{world.org.id}/api-keys", {"name": "PBX", "scope": "all"})
    assert 'id="new-key"' not in admin.get(f"/o/{other.id}/api-keys").content.decode()
    assert 'id="new-key"' in admin.get(f"/o/{world.org.id}/api-keys").content.decode()


def test_api_key_form_errors(world, browser_as):
    before = fingerprint()
    page = browser_as("admin").post(f"/o/{world.org.id}/api-keys", {"name": "PBX", "scope": "some"})
    assert page.status_code == 422 and "Choose at least one team" in page.content.decode()
    assert fingerprint() == before


def test_agent_id_is_editable_and_links_calls(world, ingest, browser_as):  # noqa: F811
    expect(ingest.post(ingest.url, call_body("ext", agent={"external_id": "PBX-7"})), 201)
    expect(
        browser_as("admin").post(
            team_url(world, f"members/{world['qa'].account_id}/agent-id"),
            {"agent_external_id": "PBX-7"},
        ),
        302,
    )
    assert Call.objects.get().agent_id == world["qa"].account.pk


def store(world, count, *, text="Hello, billing.", started=None, agent="agent@acme.test"):
    """`count` calls in Billing, one minute apart, each saying `text`."""
    start = started or datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    bodies = [
        call_body(
            f"bulk-{i}-{start:%Y%m%d}",
            started_at=(start + timedelta(minutes=i)).isoformat(),
            agent={"email": agent},
            transcript=[{"speaker": "customer", "start": 0, "end": 5, "text": text}],
        )
        for i in range(count)
    ]
    store_calls(team=world.team, calls=[CallIn.model_validate(b) for b in bodies])


def older_link(page: str) -> str:
    """The link's query as a browser reads it (a `#` starts the fragment)."""
    match = re.search(r'<a class="btn" href="([^"]*)">Older calls</a>', page)
    assert match, "no Older calls link"
    return urlsplit(html.unescape(match.group(1))).query


@pytest.mark.parametrize("q", ["a&b", "#1", "50% off + more=yes"])
def test_older_calls_keeps_every_filter_exactly(world, browser_as, q):
    store(world, 51, text=f"Customer said {q} twice.")
    store(world, 3, text="Nothing to see.")
    supervisor = browser_as("supervisor")
    filters = {
        "agent": world["agent"].account_id,
        "from": "2026-11-20",
        "to": "2026-11-21",
        "q": q,
    }
    first = supervisor.get(team_url(world, "calls"), filters)
    assert first.status_code == 200
    assert first.content.decode().count('<th scope="row"><a href=') == 50
    query = parse_qs(older_link(first.content.decode()), keep_blank_values=True)
    assert {k: v for k, v in query.items() if k != "cursor"} == {k: [v] for k, v in filters.items()}
    assert len(query["cursor"]) == 1
    second = supervisor.get(team_url(world, "calls"), {k: v[0] for k, v in query.items()})
    assert second.status_code == 200
    assert second.content.decode().count('<th scope="row"><a href=') == 1
    assert "Older calls" not in second.content.decode()


def test_older_calls_keeps_the_archived_filter(world, browser_as):
    store(world, 51)
    Call.objects.update(archived=True)
    page = browser_as("supervisor").get(team_url(world, "calls"), {"archived": "1"})
    query = parse_qs(older_link(page.content.decode()))
    assert query["archived"] == ["1"] and set(query) == {"archived", "cursor"}


def test_an_empty_team_says_no_calls_yet(world, browser_as):
    page = browser_as("supervisor").get(team_url(world, "calls")).content.decode()
    assert "No calls yet" in page and "No calls match" not in page


def test_filters_that_hide_every_call_say_no_calls_match_with_a_way_out(world, browser_as):
    store(world, 2)
    supervisor = browser_as("supervisor")
    for filters in ({"q": "nowhere"}, {"from": "2020-01-01", "to": "2020-01-02"}):
        response = supervisor.get(team_url(world, "calls"), filters)
        page = response.content.decode()
        assert response.status_code == 200
        assert "No calls match" in page and "No calls yet" not in page
        assert f'href="{team_url(world, "calls")}">Clear filters</a>' in page


def test_only_archived_calls_say_no_calls_match_and_offer_the_archived_ones(world, browser_as):
    store(world, 1)
    Call.objects.update(archived=True)
    page = browser_as("supervisor").get(team_url(world, "calls")).content.decode()
    assert "No calls match" in page and "No calls yet" not in page
    assert f'href="{team_url(world, "calls")}?archived=1"' in page


def test_call_metadata_is_shown_in_words_not_python(world, ingest, browser_as):  # noqa: F811
    metadata = {
        "queue": "billing",
        "vip": True,
        "callback": False,
        "note": None,
        "hops": ["ivr", "queue"],
        "ivr": {"menu": 2},  # one key: jsonb (PostgreSQL) does not keep key order
        "score": 4.5,
    }
    assert ingest.post(ingest.url, call_body("c1", metadata=metadata)).status_code == 201
    page = browser_as("supervisor").get(team_url(world, f"calls/{Call.objects.get().id}"))
    facts = re.search(
        r"<h3 class=\"flush\">Metadata</h3>(.*?)</section>", page.content.decode(), re.S
    )
    shown = dict(re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", facts.group(1)))
    assert shown == {
        "queue": "billing",
        "vip": "Yes",
        "callback": "No",
        "note": "—",
        "hops": "ivr, queue",
        "ivr": "menu: 2",
        "score": "4.5",
    }


def test_the_leaderboard_note_names_no_permission(world, ingest, browser_as):  # noqa: F811
    """A role that sees the team's figures but not agent data is told so in words."""
    from callstudio.access.policy import org_access, team_access
    from callstudio.access.services import role_create
    from callstudio.directory.services import team_member_add

    admin = org_access(world["admin"].account, world.org.id)
    role = role_create(
        access=admin,
        name="Figures only",
        scope="team",
        permissions=["team.read", "analytics.read.all"],
    )
    team_member_add(
        access=team_access(admin, world.team.id),
        account_id=world["member"].account_id,
        role=role.id,
    )
    page = browser_as("member").get(team_url(world, "analytics")).content.decode()
    assert 'id="scope-note"' in page and "agents.read" not in page
    assert "roles that may see agent data" in page


def test_the_overview_of_a_team_whose_calls_are_all_archived_does_not_say_no_calls_yet(
    world, browser_as
):
    store(world, 1)
    Call.objects.update(archived=True)
    page = browser_as("supervisor").get(team_url(world)).content.decode()
    assert "No calls yet" not in page and "No recent calls" in page
    assert f'href="{team_url(world, "calls")}?archived=1"' in page
