"""calls/wire.py reads a call with msgspec and leaves to the model (`CallIn`) whatever it is
unsure of. Its promise: whatever it accepts, the model accepts, with equal values; what it
refuses, the model decides. Checked on hand-picked edge cases and on generated calls, valid and
broken."""

import json

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from callstudio.calls import wire
from callstudio.calls.ingest import _customer
from callstudio.calls.schemas import CallIn


def good(**changes) -> dict:
    call = {
        "external_id": "c-1",
        "started_at": "2026-09-01T08:00:00Z",
        "duration_seconds": 61.5,
        "direction": "inbound",
        "agent": {"email": "Ann@Example.com"},
        "customer": {"name": "Zoë", "phone": "+44 20 1234 5678"},
        "transcript": [
            {"speaker": "agent", "start": 0, "end": 2.5, "text": "Hello, how can I help?"},
            {"speaker": "customer", "start": 3, "end": 9.25, "text": "I'd like a refund 😀."},
        ],
        "recording_url": "https://rec.example.com/1.mp3",
        "tags": ["vip", "vip", "q3"],
        "metadata": {"queue": "sales", "ivr": [1, 2.5, None, True], "n": 2**63 - 1},
    }
    call.update(changes)
    return {k: v for k, v in call.items() if v is not ...}


def values(call) -> dict:
    """What ingestion reads of a call, comparable across the two readers."""

    def time(t):
        return None if t is None else (t, t.utcoffset())

    return {
        "external_id": call.external_id,
        "started_at": time(call.started_at),
        "ended_at": time(call.ended_at),
        "duration_seconds": call.duration_seconds,
        "direction": call.direction,
        "agent": call.agent.ref if call.agent else None,
        "customer": _customer(call),
        "transcript": orjson.dumps(call.transcript),
        "recording_url": call.recording_url,
        "tags": call.tags,
        "metadata": orjson.dumps(call.metadata),
    }


def model(line: bytes):
    try:
        return CallIn.model_validate_json(line)
    except ValidationError:
        return None


def check(line: bytes):
    """The promise, for one line. Returns the fast reader's call (or None)."""
    fast, slow = wire._fast(line), model(line)
    if fast is not None:
        assert slow is not None, line
        assert values(fast) == values(slow), line
    read = None
    try:
        read = wire.read_call(line)
    except ValidationError:
        assert slow is None
    if read is not None:
        assert slow is not None and values(read) == values(slow)
    return fast


def test_an_ordinary_call_takes_the_fast_path_with_the_models_values():
    for call in (
        good(),
        good(ended_at="2026-09-01T09:05:00+01:00", duration_seconds=...),
        good(agent=None, customer=None, transcript=[], tags=[], metadata={}),
    ):
        assert isinstance(check(json.dumps(call).encode()), wire.Call)
        assert isinstance(check(orjson.dumps(call) + b"\n"), wire.Call)


@pytest.mark.parametrize(
    "changes",
    [
        {"started_at": "2026-09-01T08:00:00.1234567Z"},  # the model truncates, msgspec rounds
        {"started_at": "2026-09-01t08:00:00z"},
        {"started_at": "2026-09-01T08:00Z"},
        {"started_at": "2026-09-01T08:00:00,5Z"},
        {"started_at": "2026-09-01"},
        {"started_at": "2026-09-01T08:00:00"},  # no time zone: refused
        {"started_at": "2026-02-30T08:00:00Z"},
        {"started_at": "2026-09-01T08:00:00+99:00"},
        {"ended_at": "2026-09-01T07:00:00Z"},  # before the start
        {"duration_seconds": ...},  # neither duration nor end
        {"duration_seconds": "61.5"},  # lax: the model converts it
        {"duration_seconds": True},
        {"duration_seconds": -1},
        {"duration_seconds": 1e400},
        {"direction": "sideways"},
        {"agent": {}},
        {"agent": {"email": "a@example.com", "external_id": "E1"}},
        {"agent": {"email": "", "external_id": "E1"}},
        {"agent": {"email": "x" * 255}},
        {"customer": {"name": "x" * 201}},
        {"customer": {"name": "a\u0000b"}},
        {"transcript": [{"speaker": "agent", "start": 5, "end": 4, "text": "x"}]},
        {"transcript": [{"speaker": "", "start": 0, "end": 1, "text": "x"}]},
        {"transcript": [{"speaker": "agent", "start": 0, "end": 1, "text": "x", "extra": 1}]},
        {"transcript": [{"speaker": "agent", "start": 0, "end": 1, "text": "nul\u0000"}]},
        {"transcript": [{"speaker": "agent", "start": 0, "end": 1}]},
        {"transcript": None},
        {"recording_url": "https://rec.example.com/1.mp3\n"},
        {"recording_url": "ftp://rec.example.com/1.mp3"},
        {"recording_url": "https://rec.example.com/a b"},
        {"tags": [""]},
        {"tags": ["x" * 65]},
        {"tags": ["t"] * 51},
        {"metadata": {"big": 2**64}},
        {"metadata": {"blob": "x" * 17_000}},
        {"metadata": None},
        {"unknown": 1},
        {"external_id": ""},
        {"external_id": 7},
    ],
)
def test_edge_cases_are_the_models_to_decide(changes):
    check(json.dumps(good(**changes)).encode())


@pytest.mark.parametrize(
    "line",
    [
        b'{"external_id":"a","external_id":"b","started_at":"2026-09-01T08:00:00Z","duration_seconds":1}',
        b'{"external_id":"\\ud83d\\ude00","started_at":"2026-09-01T08:00:00Z","duration_seconds":1}',
        b'{"external_id":"\\ud800","started_at":"2026-09-01T08:00:00Z","duration_seconds":1}',
        b'{"external_id":"\\\\u0000","started_at":"2026-09-01T08:00:00Z","duration_seconds":1}',
        b'{"external_id":"a","started_at":"2026-09-01T08:00:00Z","duration_seconds":NaN}',
        b'{"external_id":"a","started_at":"2026-09-01T08:00:00Z","duration_seconds":1} x',
        b"[]",
        b"",
        b"\xff",
    ],
)
def test_odd_json_is_the_models_to_decide(line):
    check(line)


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
_time = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat() + "Z"),
    st.sampled_from(["2026-09-01T08:00:00Z", "2026-09-01 08:00:00.5+02:00", "bad"]),
)
_number = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-10, max_value=7 * 86400 + 10),
    st.integers(-5, 10**6),
    st.just("3.5"),
)
_segment = st.fixed_dictionaries(
    {
        "speaker": st.one_of(st.sampled_from(["agent", "customer", ""]), _text),
        "start": _number,
        "end": _number,
        "text": _text,
    },
    optional={"extra": st.just(1)},
)
_call = st.fixed_dictionaries(
    {"external_id": st.one_of(_text, st.just("")), "started_at": _time},
    optional={
        "ended_at": st.one_of(_time, st.none()),
        "duration_seconds": st.one_of(_number, st.none()),
        "direction": st.sampled_from(["inbound", "outbound", "other", None]),
        "agent": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {}, optional={"email": _text, "account_id": _text, "external_id": _text}
            ),
        ),
        "customer": st.one_of(
            st.none(), st.fixed_dictionaries({}, optional={"name": _text, "phone": _text})
        ),
        "transcript": st.lists(_segment, max_size=4),
        "recording_url": st.one_of(st.none(), _text.map(lambda t: "https://x.test/" + t)),
        "tags": st.lists(_text, max_size=3),
        "metadata": st.dictionaries(
            _text, st.one_of(_text, st.integers(-(2**70), 2**70), st.floats(), st.none())
        ),
    },
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_call, st.booleans())
def test_generated_calls_the_fast_reader_never_accepts_more_or_differently(call, ascii_only):
    # ensure_ascii writes every other character as a \\u escape (astral ones as pairs).
    check(json.dumps(call, ensure_ascii=ascii_only).encode())
