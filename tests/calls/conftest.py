import pytest

from callstudio.access.policy import org_access
from callstudio.calls.services import ingest_key_create


def call_body(external_id="call-1", **over):
    body = {
        "external_id": external_id,
        "started_at": "2026-11-20T10:00:00Z",
        "duration_seconds": 100,
        "direction": "inbound",
        "agent": {"email": "agent@acme.test"},
        "customer": {"name": "Jordan", "phone": "+15550001"},
        "transcript": [
            {"speaker": "agent", "start": 0, "end": 10, "text": "Hello, billing."},
            {
                "speaker": "customer",
                "start": 12,
                "end": 22,
                "text": "I was charged twice for my refund.",
            },
            {"speaker": "agent", "start": 45, "end": 55, "text": "Let me fix that."},
            {"speaker": "agent", "start": 56, "end": 60, "text": "Done."},
        ],
        "tags": ["refund"],
        "metadata": {"queue": "billing"},
    }
    body.update(over)
    return body


@pytest.fixture
def ingest(world):
    """An ingest key for every team of Acme, and helpers to send with it."""
    _, raw = ingest_key_create(
        access=org_access(world["admin"].account, world.org.id), name="tests"
    )
    api = world.api(None).as_(raw)
    api.workflow = world.team.workflow_id
    api.url = f"/api/v1/workflows/{world.team.workflow_id}/calls"
    return api
