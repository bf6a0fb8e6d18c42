"""Reading calls only through the access layer's row filter."""

import pytest

from callstudio.calls.models import Call
from tests.helpers import assert_problem, expect

from .conftest import call_body


@pytest.fixture
def calls(world, ingest):
    """Six calls in Billing: three by the agent, two by the supervisor, one unlinked; one in Retention."""
    for i, (agent, day) in enumerate(
        [("agent", 1), ("agent", 2), ("agent", 3), ("supervisor", 4), ("supervisor", 5)]
    ):
        expect(
            ingest.post(
                ingest.url,
                call_body(
                    f"b{i}",
                    agent={"email": f"{agent}@acme.test"},
                    started_at=f"2026-11-{10 + day:02d}T10:00:00Z",
                ),
            ),
            201,
        )
    expect(
        ingest.post(
            ingest.url,
            call_body(
                "unlinked",
                agent={"external_id": "X-9"},
                started_at="2026-11-09T10:00:00Z",
                transcript=[
                    {"speaker": "customer", "start": 0, "end": 3, "text": "Where is my parcel?"}
                ],
            ),
        ),
        201,
    )
    expect(
        ingest.post(f"/api/v1/workflows/{world.other_team.workflow_id}/calls", call_body("r0")), 201
    )
    return {c.external_id: c for c in Call.objects.all()}


def ids(response):
    assert response.status_code == 200, response.content
    return [c["external_id"] for c in response.json()["items"]]


def test_supervisor_sees_the_team_newest_first(world, calls):
    assert ids(world.api("supervisor").get(f"{world.team_url}/calls")) == [
        "b4",
        "b3",
        "b2",
        "b1",
        "b0",
        "unlinked",
    ]


def test_agent_sees_only_their_own(world, calls):
    assert ids(world.api("agent").get(f"{world.team_url}/calls")) == ["b2", "b1", "b0"]
    own = calls["b0"].id
    assert world.api("agent").get(f"{world.team_url}/calls/{own}").status_code == 200
    assert_problem(world.api("agent").get(f"{world.team_url}/calls/{calls['b3'].id}"), 404)


def test_no_call_permission_is_403_and_other_orgs_404(world, calls):
    assert_problem(world.api("member").get(f"{world.team_url}/calls"), 403)
    assert_problem(world.api("foreign_admin").get(f"{world.team_url}/calls"), 404)
    assert_problem(
        world.api("admin").get(
            f"{world.org_url}/teams/{world.other_team.id}/calls/{calls['b0'].id}"
        ),
        404,
    )
    assert_problem(world.api("admin").get(f"{world.team_url}/calls/not-a-number"), 404)


def test_filters(world, calls):
    sup = world.api("supervisor")
    assert ids(sup.get(f"{world.team_url}/calls", agent=world["agent"].account_id)) == [
        "b2",
        "b1",
        "b0",
    ]
    assert ids(
        sup.get(f"{world.team_url}/calls", **{"from": "2026-11-13", "to": "2026-11-15T00:00:00Z"})
    ) == ["b3", "b2"]
    assert ids(sup.get(f"{world.team_url}/calls", q="PARCEL")) == ["unlinked"]
    assert_problem(sup.get(f"{world.team_url}/calls", **{"from": "someday"}), 422)


def test_pagination(world, calls):
    sup = world.api("supervisor")
    first = sup.get(f"{world.team_url}/calls", limit=4).json()
    second = sup.get(f"{world.team_url}/calls", limit=4, cursor=first["next_cursor"]).json()
    assert [c["external_id"] for c in first["items"] + second["items"]] == [
        "b4",
        "b3",
        "b2",
        "b1",
        "b0",
        "unlinked",
    ]
    assert second["next_cursor"] is None


def test_detail_has_transcript_and_figures(world, calls):
    body = world.api("supervisor").get(f"{world.team_url}/calls/{calls['b0'].id}").json()
    assert body["transcript"][0]["text"] == "Hello, billing."
    assert (
        body["agent"]["account_id"] == world["agent"].account_id
        and body["agent"]["ref"] == "email:agent@acme.test"
    )
    assert body["metadata"] == {"queue": "billing"} and body["longest_monologue_seconds"] == 15


def test_archive_leaves_the_default_list_and_comes_back(world, calls):
    sup, call = world.api("supervisor"), calls["b4"]
    assert expect(sup.post(f"{world.team_url}/calls/{call.id}/archive"), 200)["archived"] is True
    assert "b4" not in ids(sup.get(f"{world.team_url}/calls"))
    assert ids(sup.get(f"{world.team_url}/calls", archived="true")) == ["b4"]
    expect(sup.post(f"{world.team_url}/calls/{call.id}/unarchive"), 200)
    assert "b4" in ids(sup.get(f"{world.team_url}/calls"))


def test_archiving_needs_calls_archive(world, calls):
    for who in ("agent", "qa"):
        assert_problem(
            world.api(who).post(f"{world.team_url}/calls/{calls['b0'].id}/archive"),
            403,
        )
    assert Call.objects.filter(archived=True).count() == 0
