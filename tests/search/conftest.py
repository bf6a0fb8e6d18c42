import pytest

from callstudio.access.policy import org_access
from callstudio.calls.services import ingest_key_create


def segment(speaker, text, start=0.0):
    return {"speaker": speaker, "start": start, "end": start + 5, "text": text}


def call(external_id, *segments, started_at="2026-11-20T10:00:00Z", **over):
    body = {
        "external_id": external_id,
        "started_at": started_at,
        "duration_seconds": 120,
        "direction": "inbound",
        "transcript": list(segments),
    }
    body.update(over)
    return body


@pytest.fixture
def send(world):
    """send(team, *calls): stores calls through the real ingestion endpoint."""
    keys = {}

    def _send(team, *calls):
        org_id = team.organization_id
        if org_id not in keys:
            admin = world["admin" if org_id == world.org.id else "foreign_admin"]
            _, keys[org_id] = ingest_key_create(
                access=org_access(admin.account, org_id), name="search tests"
            )
        api = world.api(None).as_(keys[org_id])
        for body in calls:
            response = api.post(f"/api/v1/workflows/{team.workflow_id}/calls", body)
            assert response.status_code == 201, response.content

    return _send
