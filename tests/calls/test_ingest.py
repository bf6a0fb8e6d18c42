"""Single-call ingestion by workflow ID, as docs/api.md describes it."""

import orjson
import pytest

from callstudio.access.policy import org_access, team_access
from callstudio.calls.models import Call
from callstudio.calls.services import ingest_key_create, ingest_key_revoke
from callstudio.directory.services import (
    team_member_add,
    team_member_set_agent_external_id,
    team_set_archived,
)
from tests.helpers import assert_problem, expect

from .conftest import call_body


def test_a_call_is_stored_with_derived_figures(world, ingest):
    response = ingest.post(ingest.url, call_body())
    assert response.status_code == 201
    body = response.json()
    call = Call.objects.get(id=body["id"])
    assert body == {
        "id": call.id,
        "external_id": "call-1",
        "team_id": world.team.id,
        "created": True,
    }
    assert call.organization_id == world.org.id and call.agent == world["agent"].account
    assert call.agent_talk_seconds == 24 and call.customer_talk_seconds == 10
    assert call.talk_ratio == pytest.approx(24 / 34, abs=1e-4)
    assert call.silence_share == pytest.approx(1 - 34 / 100, abs=1e-4)
    assert call.longest_monologue_seconds == 15  # 45..60, two agent segments in a row
    assert call.ended_at.isoformat() == "2026-11-20T10:01:40+00:00"


def test_the_same_external_id_again_is_200_and_nothing_duplicated(world, ingest):
    first = expect(ingest.post(ingest.url, call_body()), 201)
    again = ingest.post(ingest.url, call_body(duration_seconds=999))
    assert again.status_code == 200
    assert again.json() == {**first, "created": False}
    assert Call.objects.count() == 1 and Call.objects.get().duration_seconds == 100


def test_the_same_external_id_in_another_team_is_another_call(world, ingest):
    expect(ingest.post(ingest.url, call_body()), 201)
    other = ingest.post(f"/api/v1/workflows/{world.other_team.workflow_id}/calls", call_body())
    assert other.status_code == 201 and Call.objects.count() == 2


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer cs_ik_" + "x" * 43])
def test_missing_or_bad_key_is_401(world, ingest, header):
    anonymous = world.api(None)
    response = anonymous.request(
        "POST", ingest.url, call_body(), headers={"Authorization": header} if header else {}
    )
    assert_problem(response, 401)
    assert not Call.objects.exists()


def test_a_personal_token_is_not_an_ingest_key(world):
    assert_problem(
        world.api("admin").post(f"/api/v1/workflows/{world.team.workflow_id}/calls", call_body()),
        401,
    )


@pytest.mark.parametrize("header", [None, "Bearer nope", "Token x"])
@pytest.mark.parametrize("path", ["calls", "calls/stream"])
def test_the_ingest_401_asks_for_an_ingest_key(world, header, path):
    response = world.api(None).request(
        "POST",
        f"/api/v1/workflows/{world.team.workflow_id}/{path}",
        call_body(),
        headers={"Authorization": header} if header else {},
    )
    body = assert_problem(response, 401)
    assert body["detail"] == (
        "Sending calls needs an ingest key (created by an admin under Organization, API keys): "
        "Authorization: Bearer <ingest key>."
    )
    assert response["WWW-Authenticate"] == "Bearer"
    # Elsewhere the API still asks for a personal API token.
    other = world.api(None).get("/api/v1/me")
    assert "personal API token" in assert_problem(other, 401)["detail"]


def test_revoked_key_is_401_at_once(world):
    access = org_access(world["admin"].account, world.org.id)
    key, raw = ingest_key_create(access=access, name="short-lived")
    client = world.api(None).as_(raw)
    assert (
        client.post(f"/api/v1/workflows/{world.team.workflow_id}/calls", call_body()).status_code
        == 201
    )
    ingest_key_revoke(access=access, key_id=key.id)
    assert_problem(
        client.post(f"/api/v1/workflows/{world.team.workflow_id}/calls", call_body("call-2")), 401
    )
    assert Call.objects.count() == 1


def test_unknown_workflow_and_foreign_key_are_the_same_404(world, ingest):
    foreign_key = ingest_key_create(
        access=org_access(world["foreign_admin"].account, world.foreign_org.id), name="g"
    )[1]
    unknown = ingest.post("/api/v1/workflows/wf_doesnotexist0000000/calls", call_body())
    foreign = world.api(None).as_(foreign_key).post(ingest.url, call_body())
    assert_problem(unknown, 404)
    assert_problem(foreign, 404)
    assert unknown.json()["detail"] == foreign.json()["detail"]
    assert not Call.objects.exists()


def test_key_not_allowed_for_the_team_is_403(world):
    key = ingest_key_create(
        access=org_access(world["admin"].account, world.org.id),
        name="retention only",
        team_ids=[world.other_team.id],
    )[1]
    client = world.api(None).as_(key)
    assert_problem(
        client.post(f"/api/v1/workflows/{world.team.workflow_id}/calls", call_body()), 403
    )
    assert (
        client.post(
            f"/api/v1/workflows/{world.other_team.workflow_id}/calls", call_body()
        ).status_code
        == 201
    )


def test_archived_team_is_410(world, ingest):
    team_set_archived(
        access=team_access(org_access(world["admin"].account, world.org.id), world.team.id),
        archived=True,
    )
    assert_problem(ingest.post(ingest.url, call_body()), 410)
    assert not Call.objects.exists()


def test_rotated_workflow_id_stops_working_at_once(world, ingest):
    expect(world.api("admin").post(f"{world.team_url}/rotate-workflow-id"), 200)
    assert_problem(ingest.post(ingest.url, call_body()), 404)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"external_id": ""}, "external_id"),
        ({"external_id": 5}, "external_id"),
        ({"external_id": "x" * 201}, "external_id"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"direction": "sideways"}, "direction"),
        ({"agent": {"email": "a@b.test", "external_id": "x"}}, "agent"),
        ({"agent": {"name": "Ann"}}, "agent.name"),
        ({"transcript": [{"speaker": "agent", "start": 5, "end": 1, "text": "x"}]}, "transcript.0"),
        ({"transcript": [{"speaker": "agent", "start": 0, "end": 1}]}, "transcript.0.text"),
        ({"tags": "refund"}, "tags"),
        ({"recording_url": "javascript:alert(1)"}, "recording_url"),
        ({"customer": {"name": "Nul\x00l"}}, "customer.name"),
        ({"team_id": "team_other"}, "team_id"),
        ({"organization": "org_other"}, "organization"),
    ],
)
def test_invalid_call_is_422_naming_the_field_and_stores_nothing(world, ingest, changes, field):
    body = assert_problem(ingest.post(ingest.url, call_body(**changes)), 422)
    assert field in {e["field"] for e in body["errors"]}, body
    assert not Call.objects.exists()


def test_a_call_needs_a_duration_or_an_end(world, ingest):
    body = call_body()
    del body["duration_seconds"]
    assert_problem(ingest.post(ingest.url, body), 422)
    body["ended_at"] = "2026-11-20T10:05:00Z"
    assert ingest.post(ingest.url, body).status_code == 201
    assert Call.objects.get().duration_seconds == 300


def test_malformed_json_is_422_and_stores_nothing(world, ingest):
    """The body is read and validated as one call by pydantic, for which broken JSON is one more
    invalid input (`json_invalid`): 422, like any other invalid call."""
    response = ingest.post(ingest.url, raw=b'{"external_id": "x", ')
    assert_problem(response, 422)
    assert not Call.objects.exists()


def test_limits(world, ingest):
    big_meta = call_body(metadata={"blob": "x" * (16 * 1024)})
    assert "metadata" in {
        e["field"] for e in assert_problem(ingest.post(ingest.url, big_meta), 422)["errors"]
    }
    segments = [
        {"speaker": "agent", "start": i, "end": i + 0.5, "text": "a"} for i in range(10_001)
    ]
    assert "transcript" in {
        e["field"]
        for e in assert_problem(ingest.post(ingest.url, call_body(transcript=segments)), 422)[
            "errors"
        ]
    }
    assert ingest.post(ingest.url, call_body(transcript=segments[:10_000])).status_code == 201
    huge = orjson.dumps(
        call_body(
            "huge",
            metadata={},
            tags=[],
            transcript=[{"speaker": "agent", "start": 0, "end": 1, "text": "y" * 19_000}] * 300,
        )
    )
    assert len(huge) > 5 * 1024 * 1024
    assert_problem(ingest.post(ingest.url, raw=huge), 413)
    assert Call.objects.count() == 1


def test_unknown_agent_is_kept_and_linked_when_the_member_joins(world, ingest):
    expect(ingest.post(ingest.url, call_body("by-email", agent={"email": "Member@Acme.test"})), 201)
    expect(
        ingest.post(
            ingest.url, call_body("by-id", agent={"account_id": world["member"].account_id})
        ),
        201,
    )
    expect(ingest.post(ingest.url, call_body("by-ext", agent={"external_id": "A-17"})), 201)
    assert set(Call.objects.values_list("agent_id", flat=True)) == {None}
    access = team_access(org_access(world["admin"].account, world.org.id), world.team.id)
    team_member_add(access=access, account_id=world["member"].account_id, role="agent")
    linked = dict(Call.objects.values_list("external_id", "agent_id"))
    assert linked == {
        "by-email": world["member"].account.pk,
        "by-id": world["member"].account.pk,
        "by-ext": None,
    }
    team_member_set_agent_external_id(
        access=access, account_id=world["member"].account_id, agent_external_id="A-17"
    )
    assert Call.objects.get(external_id="by-ext").agent_id == world["member"].account.pk


def test_calls_of_a_member_of_another_team_are_not_linked(world, ingest):
    other = f"/api/v1/workflows/{world.other_team.workflow_id}/calls"
    expect(ingest.post(other, call_body()), 201)  # names agent@acme.test, who is only in Billing
    assert Call.objects.get().agent_id is None
