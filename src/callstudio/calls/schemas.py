"""The shape of a call as senders send it. Strict: unknown fields, wrong types,
NUL bytes and oversized parts are refused with the field named."""

from datetime import datetime
from typing import Annotated, Literal

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from typing_extensions import TypedDict

MAX_SEGMENTS = 10_000
MAX_METADATA_BYTES = 16 * 1024


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL bytes")
    return value


Short = Annotated[str, StringConstraints(max_length=200), AfterValidator(_no_nul)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False, str_strip_whitespace=False)


class AgentRef(Strict):
    account_id: Short | None = None
    email: Annotated[str, StringConstraints(max_length=254), AfterValidator(_no_nul)] | None = None
    external_id: Short | None = None

    @model_validator(mode="after")
    def exactly_one(self):
        given = [k for k in ("account_id", "email", "external_id") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of account_id, email or external_id")
        return self

    @property
    def ref(self) -> str:
        return agent_ref(self)


def agent_ref(agent) -> str:
    """How a call names its agent, as the team's agent directory keys it (calls/ingest.py)."""
    if agent.account_id:
        return f"account_id:{agent.account_id}"
    if agent.email:
        return f"email:{agent.email.strip().lower()}"
    return f"external_id:{agent.external_id}"


class Customer(Strict):
    name: Short | None = None
    phone: Annotated[str, StringConstraints(max_length=50), AfterValidator(_no_nul)] | None = None


class Segment(TypedDict):
    # A TypedDict, not a model: a call carries many segments, and dicts validate ~4x faster.
    __pydantic_config__ = ConfigDict(extra="forbid")
    speaker: Annotated[
        str, StringConstraints(min_length=1, max_length=100), AfterValidator(_no_nul)
    ]
    start: Annotated[float, Field(ge=0, le=7 * 86400)]
    end: Annotated[float, Field(ge=0, le=7 * 86400)]
    text: Annotated[str, StringConstraints(max_length=20_000), AfterValidator(_no_nul)]


def _ordered(segment: Segment) -> Segment:
    if segment["end"] < segment["start"]:
        raise ValueError("end must not be before start")
    return segment


def _metadata_size(value: dict) -> dict:
    try:
        dumped = orjson.dumps(value)
    except orjson.JSONEncodeError:  # a TypeError, which pydantic would not turn into a 422
        raise ValueError("must be plain JSON (integers of at most 64 bits)") from None
    if len(dumped) > MAX_METADATA_BYTES:
        raise ValueError(f"must be at most {MAX_METADATA_BYTES} bytes as JSON")
    if b"\\u0000" in dumped:
        raise ValueError("must not contain NUL bytes")
    if orjson.loads(dumped) != value:  # NaN and Infinity, which orjson writes as null
        raise ValueError("must be plain JSON (no NaN or Infinity)")
    return value


class CallIn(Strict):
    external_id: Annotated[
        str, StringConstraints(min_length=1, max_length=200), AfterValidator(_no_nul)
    ]
    started_at: datetime
    ended_at: datetime | None = None
    duration_seconds: Annotated[float, Field(ge=0, le=7 * 86400)] | None = None
    direction: Literal["inbound", "outbound"] | None = None
    agent: AgentRef | None = None
    customer: Customer | None = None
    transcript: Annotated[
        list[Annotated[Segment, AfterValidator(_ordered)]], Field(max_length=MAX_SEGMENTS)
    ] = []
    recording_url: (
        Annotated[
            str,
            StringConstraints(max_length=2000, pattern=r"^https?://\S+$"),
            AfterValidator(_no_nul),
        ]
        | None
    ) = None
    tags: Annotated[
        list[
            Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_no_nul)]
        ],
        Field(max_length=50),
    ] = []
    metadata: Annotated[dict, AfterValidator(_metadata_size)] = {}

    @model_validator(mode="after")
    def timing(self):
        if self.started_at.tzinfo is None:
            raise ValueError("started_at needs a time zone (RFC 3339, e.g. 2026-11-28T09:30:00Z)")
        if self.ended_at is not None:
            if self.ended_at.tzinfo is None:
                raise ValueError("ended_at needs a time zone")
            if self.ended_at < self.started_at:
                raise ValueError("ended_at must not be before started_at")
        if self.ended_at is None and self.duration_seconds is None:
            raise ValueError("give duration_seconds or ended_at")
        return self


def errors_of(exc) -> list[dict]:
    """pydantic errors as [{field, message}], fields dotted (transcript.3.end)."""
    out = []
    for e in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(p) for p in e["loc"]) or "call"
        out.append({"field": loc, "message": e["msg"]})
    return out
