import re

from callstudio.calls.models import Call, IngestKey
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
    page = admin.post(
        f"/o/{world.org.id}/api-keys", {"name": "PBX", "scope": "some", "teams": [world.team.id]}
    ).content.decode()
    raw = re.search(r'<code id="new-key"[^>]*>(cs_ik_[^<]+)</code>', page).group(1)
    key = IngestKey.objects.get()
    assert (
        key.team_ids == [world.team.id]
        and raw not in admin.get(f"/o/{world.org.id}/api-keys").content.decode()
    )
    assert (
        ">Confirm</button>"
        in admin.get(f"/o/{world.org.id}/api-keys/{key.id}/revoke").content.decode()
    )
    expect(admin.post(f"/o/{world.org.id}/api-keys/{key.id}/revoke"), 302)
    assert IngestKey.objects.get().revoked_at is not None


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
