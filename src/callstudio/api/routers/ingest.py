"""Calls in, by workflow ID: one call, or an NDJSON stream stored in batches (docs/api.md)."""

from django.conf import settings
from ninja import Router, Status
from pydantic import ValidationError

from callstudio.api.ingest_auth import IngestKeyAuth
from callstudio.api.schemas import CallCreatedOut, Problem, StreamResultOut
from callstudio.calls.ingest import BATCH_SIZE, ingest_one, ingest_team
from callstudio.calls.schemas import errors_of
from callstudio.calls.stream import StreamWriter
from callstudio.calls.wire import read_call
from callstudio.core.errors import Invalid, PayloadTooLarge

router = Router(tags=["ingestion"], auth=IngestKeyAuth())
ERRORS = {
    401: Problem,
    403: Problem,
    404: Problem,
    410: Problem,
    413: Problem,
    422: Problem,
    503: Problem,
}


@router.post(
    "/workflows/{workflow_id}/calls", response={200: CallCreatedOut, 201: CallCreatedOut, **ERRORS}
)
def ingest_call(request, workflow_id: str):
    """One call. The same `external_id` again answers 200 with `created: false`, storing nothing."""
    team = ingest_team(request.auth, workflow_id)
    body = request.read(settings.CALLSTUDIO_MAX_BODY_BYTES + 1)
    if len(body) > settings.CALLSTUDIO_MAX_BODY_BYTES:
        raise PayloadTooLarge(f"A call must be at most {settings.CALLSTUDIO_MAX_BODY_BYTES} bytes.")
    try:
        call = read_call(body)
    except ValidationError as exc:
        errors = errors_of(exc)
        raise Invalid(
            "Invalid call: " + ", ".join(sorted({e["field"] for e in errors})) + ".", errors=errors
        ) from None
    call_id, created = ingest_one(team=team, call=call)
    return Status(
        201 if created else 200,
        {"id": call_id, "external_id": call.external_id, "team_id": team.id, "created": created},
    )


@router.post(
    "/workflows/{workflow_id}/calls/stream",
    response={200: StreamResultOut, **ERRORS},
    openapi_extra={
        "requestBody": {
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
            "description": "One call per line (NDJSON).",
        }
    },
)
def ingest_stream(request, workflow_id: str):
    """Any number of calls, one JSON object per line, read as a stream and stored in batches of
    1,000. A call counts as accepted once its batch is committed; bad lines are reported by their
    1-based number and the fields at fault, and do not stop the good ones."""
    team = ingest_team(request.auth, workflow_id)
    content_type = request.content_type or ""
    if content_type not in (
        "application/x-ndjson",
        "application/jsonl",
        "application/json-seq",
        "text/plain",
        "",
    ):
        raise Invalid(
            "Send Content-Type: application/x-ndjson, one call per line.", field="Content-Type"
        )
    max_line = settings.CALLSTUDIO_MAX_BODY_BYTES
    rejected, batch, number = [], [], 0
    # Batches are stored on a second thread while this one reads the next (calls/stream.py).
    with StreamWriter(team) as writer:
        while True:
            line = request.readline(max_line + 1)
            if not line:
                break
            number += 1
            if len(line) > max_line and not line.endswith(b"\n"):
                if batch:
                    writer.store(batch)
                writer.flush()
                raise PayloadTooLarge(
                    f"Line {number} is over {max_line} bytes.",
                    extra={
                        "line": number,
                        "accepted": writer.accepted,
                        "duplicates": writer.duplicates,
                        "rejected": rejected,
                    },
                )
            if not line.strip():
                continue
            try:
                batch.append(read_call(line))
            except ValidationError as exc:
                rejected.append({"line": number, "errors": errors_of(exc)})
                continue
            if len(batch) >= BATCH_SIZE:
                writer.store(batch)
                batch = []
        if batch:
            writer.store(batch)
        writer.flush()
    return Status(
        200, {"accepted": writer.accepted, "duplicates": writer.duplicates, "rejected": rejected}
    )
