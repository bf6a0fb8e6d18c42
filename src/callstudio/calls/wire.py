"""Reading a call as it comes over the wire: one pass of msgspec, the model's errors when it fails.

`calls/schemas.py` (`CallIn`, pydantic) is the definition of a valid call: it names every
field at fault, documents the API, and decides. Reading a streamed call with it cost ~21 µs of
~75 µs of Python per call, most of it in Python validators called once per segment string. So a
line is first read by msgspec into the structs below (~5 µs), which accept a **subset** of what
`CallIn` accepts, with the same values:

- the same fields, types and limits, written once more in msgspec's terms (tests/calls/
  test_wire.py checks, on generated calls valid and invalid, that whatever this module accepts
  the model accepts, with equal values);
- anything it is unsure of goes to the model: a NUL escape anywhere in the line, a time that is
  not plain RFC 3339 with at most microseconds (the model truncates further digits; msgspec
  would round), lax values the model converts (`"1.5"` for a number, `true` for 1);
- the model's own checks that are Python (segments in order, exactly one agent reference,
  metadata's size and plainness, time zones) run here too, on the decoded values; a call that
  fails one goes to the model, which says why.

So the answer for any line is the model's: accepted with the values it would give, or refused
with its errors. `read_call` returns a call that ingestion reads by attribute, as it reads a
`CallIn`."""

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from .schemas import MAX_SEGMENTS, CallIn, _metadata_size, agent_ref

_SECONDS = msgspec.Meta(ge=0, le=7 * 86400)
# RFC 3339 as both readers read it identically: `T` or a space, `Z` or an offset, at most six
# decimals of a second.
_TIME = msgspec.Meta(pattern=r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)\Z")


def _text(max_length: int, min_length: int = 0):
    return Annotated[str, msgspec.Meta(min_length=min_length, max_length=max_length)]


class Segment(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    speaker: _text(100, 1)
    start: Annotated[float, _SECONDS]
    end: Annotated[float, _SECONDS]
    text: _text(20_000)


class AgentRef(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    account_id: _text(200) | None = None
    email: _text(254) | None = None
    external_id: _text(200) | None = None

    @property
    def ref(self) -> str:
        return agent_ref(self)


class Customer(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    name: _text(200) | None = None
    phone: _text(50) | None = None


class Call(msgspec.Struct, forbid_unknown_fields=True):
    external_id: _text(200, 1)
    started_at: Annotated[str, _TIME]
    ended_at: Annotated[str, _TIME] | None = None
    duration_seconds: Annotated[float, _SECONDS] | None = None
    direction: Literal["inbound", "outbound"] | None = None
    agent: AgentRef | None = None
    customer: Customer | None = None
    transcript: Annotated[list[Segment], msgspec.Meta(max_length=MAX_SEGMENTS)] = []
    recording_url: (
        Annotated[str, msgspec.Meta(max_length=2000, pattern=r"^https?://\S+\Z")] | None
    ) = None
    tags: Annotated[list[_text(64, 1)], msgspec.Meta(max_length=50)] = []
    metadata: dict = {}


_decoder = msgspec.json.Decoder(Call)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] == "Z" else text)


def read_call(line: bytes):
    """The call on this line (a `Call` read here, or the model's `CallIn`), or the model's
    `pydantic.ValidationError`."""
    call = _fast(line)
    return call if call is not None else CallIn.model_validate_json(line)


def _fast(line: bytes) -> Call | None:
    if b"\\u0000" in line:  # maybe a NUL in a string: the model names the field
        return None
    try:
        call = _decoder.decode(line)
        started = _time(call.started_at)
        ended = _time(call.ended_at) if call.ended_at is not None else None
    except (msgspec.DecodeError, ValueError):  # DecodeError includes ValidationError
        return None
    if ended is not None and ended < started:
        return None
    if ended is None and call.duration_seconds is None:
        return None
    for segment in call.transcript:
        if segment.end < segment.start:
            return None
    agent = call.agent
    if (
        agent is not None
        and sum(map(bool, (agent.account_id, agent.email, agent.external_id))) != 1
    ):
        return None
    if call.metadata:
        try:
            _metadata_size(call.metadata)
        except ValueError:
            return None
    call.started_at, call.ended_at = started, ended
    # Segments as plain dicts, as the model gives them (TypedDict), in the fields' order.
    call.transcript = msgspec.to_builtins(call.transcript)
    return call
