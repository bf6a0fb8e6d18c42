"""NDJSON stream ingestion: line by line, in batches, bad lines reported and good ones stored."""

import orjson

from callstudio.calls.models import Call
from tests.helpers import assert_problem

from .conftest import call_body


def ndjson(*bodies) -> bytes:
    return b"".join((b if isinstance(b, bytes) else orjson.dumps(b)) + b"\n" for b in bodies)


def stream(ingest, data: bytes, content_type="application/x-ndjson"):
    return ingest.client.post(
        f"{ingest.url}/stream",
        data=data,
        content_type=content_type,
        headers={"Authorization": f"Bearer {ingest.token}"},
    )


def test_good_lines_stored_bad_lines_reported_by_number(world, ingest):
    data = ndjson(
        call_body("a"), b'{"external_id": "b"', call_body("c", direction="up"), b"", call_body("d")
    )
    response = stream(ingest, data)
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 2 and body["duplicates"] == 0
    assert [r["line"] for r in body["rejected"]] == [2, 3]
    assert body["rejected"][1]["errors"] == [
        {"field": "direction", "message": "Input should be 'inbound' or 'outbound'"}
    ]
    assert sorted(Call.objects.values_list("external_id", flat=True)) == ["a", "d"]


def test_resending_a_stream_duplicates_nothing(world, ingest):
    data = ndjson(*[call_body(f"c{i}") for i in range(30)])
    assert stream(ingest, data).json() == {"accepted": 30, "duplicates": 0, "rejected": []}
    assert stream(ingest, data).json() == {"accepted": 0, "duplicates": 30, "rejected": []}
    assert Call.objects.count() == 30


def test_repeats_within_one_stream_count_once(world, ingest):
    result = stream(ingest, ndjson(call_body("same"), call_body("same"), call_body("other"))).json()
    assert result == {"accepted": 2, "duplicates": 1, "rejected": []}


def test_many_lines_over_several_batches(world, ingest):
    data = ndjson(*[call_body(f"n{i}", transcript=[]) for i in range(1234)])
    assert stream(ingest, data).json() == {"accepted": 1234, "duplicates": 0, "rejected": []}
    assert Call.objects.filter(team=world.team).count() == 1234


def test_a_final_line_without_newline_counts(world, ingest):
    assert stream(ingest, orjson.dumps(call_body("last"))).json()["accepted"] == 1


def test_a_line_over_5_mb_is_413_after_storing_what_came_before(world, ingest):
    huge = orjson.dumps(
        call_body(
            "huge", transcript=[{"speaker": "a", "start": 0, "end": 1, "text": "z" * 19_000}] * 300
        )
    )
    response = stream(ingest, ndjson(call_body("before"), huge, call_body("after")))
    body = assert_problem(response, 413)
    assert body["line"] == 2 and body["accepted"] == 1
    assert list(Call.objects.values_list("external_id", flat=True)) == ["before"]


def test_stream_needs_a_valid_key_and_an_allowed_team(world, ingest):
    data = ndjson(call_body())
    assert_problem(
        world.api(None).client.post(
            f"{ingest.url}/stream", data=data, content_type="application/x-ndjson"
        ),
        401,
    )
    assert_problem(
        world.api(None).client.post(
            "/api/v1/workflows/wf_nope/calls/stream",
            data=data,
            content_type="application/x-ndjson",
            headers={"Authorization": f"Bearer {ingest.token}"},
        ),
        404,
    )
    assert not Call.objects.exists()


def test_wrong_content_type_is_refused(world, ingest):
    assert_problem(stream(ingest, b"a=b", content_type="application/x-www-form-urlencoded"), 422)
    assert not Call.objects.exists()


def test_non_json_numbers_are_rejected_lines_not_a_failed_stream(world, ingest):
    data = (
        orjson.dumps(call_body("ok-1"))
        + b"\n"
        + b'{"external_id": "nan", "started_at": "2026-11-20T10:00:00Z", "duration_seconds": 5, "metadata": {"x": NaN}}\n'
        + b'{"external_id": "big", "started_at": "2026-11-20T10:00:00Z", "duration_seconds": 5, "metadata": {"x": 1e400}}\n'
        + b'{"external_id": "huge", "started_at": "2026-11-20T10:00:00Z", "duration_seconds": 5, "metadata": {"x": 123456789012345678901234567890}}\n'
        + orjson.dumps(call_body("ok-2"))
        + b"\n"
    )
    body = stream(ingest, data).json()
    assert body["accepted"] == 2 and [r["line"] for r in body["rejected"]] == [2, 3, 4]
    assert sorted(Call.objects.values_list("external_id", flat=True)) == ["ok-1", "ok-2"]
