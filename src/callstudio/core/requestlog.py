"""Logs: one line per request, and every log line of the process in one format.

RequestLogMiddleware gives each request an id (the caller's `X-Request-ID` when it is a short
token of letters, digits and `._:-`, otherwise a new one), returns it in `X-Request-ID`, binds
it to every log line written while the request runs, and writes one `request` line: method,
route (the URL pattern, never the path, which can hold an invitation or reset token),
organization (its public id, when the route names one), status and duration. Never headers,
query strings or bodies: no secret reaches the log.

`CALLSTUDIO_LOG_FORMAT`: `json` (one JSON object per line, the production default) or `text`
(the embedded default); `logging_config` builds Django's LOGGING for it."""

import re
import time
import uuid

import orjson
import structlog

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
log = structlog.get_logger("callstudio.request")


def route_of(request) -> str:
    """The URL pattern the request matched (`/api/v1/orgs/<org_id>`…), or `unmatched`."""
    match = getattr(request, "resolver_match", None)
    return ("/" + match.route) if match is not None and match.route else "unmatched"


def organization_of(request) -> str | None:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    return match.kwargs.get("org_id") or match.kwargs.get("org")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = request.headers.get("X-Request-ID", "")
        request_id = sent if REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
        request.request_id = request_id
        start = time.perf_counter()
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            response = self.get_response(request)
            log.info(
                "request",
                method=request.method,
                route=route_of(request),
                organization=organization_of(request),
                status=response.status_code,
                duration_ms=round((time.perf_counter() - start) * 1000, 2),
            )
        response["X-Request-ID"] = request_id
        return response


def _json(event: dict, **kwargs) -> str:
    return orjson.dumps(event, default=str).decode()


_SHARED = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def logging_config(fmt: str, level: str) -> dict:
    """Django's LOGGING for `fmt` (json or text), with structlog writing through it."""
    if fmt not in ("json", "text"):
        raise ValueError(f"CALLSTUDIO_LOG_FORMAT is json or text, not {fmt!r}")
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer = (
        structlog.processors.JSONRenderer(serializer=_json)
        if fmt == "json"
        # Plain tracebacks: a pretty one would print each frame's local variables (secrets).
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    processors = [structlog.processors.format_exc_info] if fmt == "json" else []
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "main": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    *processors,
                    renderer,
                ],
                "foreign_pre_chain": _SHARED,
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "main"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "INFO"}},
    }
