"""One mapping from failures to RFC 9457 problem+json."""

import logging

import orjson
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from ninja.errors import AuthenticationError, HttpError, ValidationError
from redis.exceptions import RedisError

from callstudio.core.errors import DomainError, TooManyRequests

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    422: "Invalid input",
    429: "Too many requests",
    503: "Service unavailable",
}
# The `code` of a problem raised without a more specific one.
CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
}


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    errors: list | None = None,
    headers: dict | None = None,
    code: str | None = None,
    **extra,
) -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": title or TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code or CODES.get(status, "error"),
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = HttpResponse(orjson.dumps(body), status=status, content_type=PROBLEM)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field_of(loc) -> str:
    # ("body", "payload", "name") -> "name"; ("query", "limit") -> "limit"
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


def install(api) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        headers = (
            {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        )
        if exc.status == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        return problem(
            exc.status,
            exc.detail,
            title=exc.title,
            errors=exc.errors,
            headers=headers,
            code=exc.code,
            **exc.extra,
        )

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        errors = [
            {"field": _field_of(e.get("loc", ())), "message": e.get("msg", "Invalid value.")}
            for e in exc.errors
        ]
        fields = ", ".join(sorted({e["field"] for e in errors}))
        return problem(422, f"Invalid input: {fields}.", errors=errors)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return problem(
            401,
            "Authenticate with a personal API token: Authorization: Bearer <token>.",
            headers={"WWW-Authenticate": "Bearer"},
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return problem(exc.status_code, str(exc))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        return problem(413, "The request body is too large.")

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return problem(404, "Not found.")

    @api.exception_handler(RedisError)
    def redis_down(request, exc):
        # Only what needs Redis gets here (shared rate limits, with REDIS_URL): a retryable
        # outage, never a 500 and never a check skipped. Ingestion does not need it.
        log.warning("redis unavailable: %s", exc)
        return problem(
            503,
            "A service this request needs is unavailable. Retry shortly.",
            headers={"Retry-After": "5"},
        )

    @api.exception_handler(DatabaseError)
    def database_down(request, exc):
        # An unreachable or overloaded database is a retryable outage, never a 500.
        if isinstance(exc, OperationalError | InterfaceError):
            log.warning("database unavailable: %s", exc)
            return problem(
                503, "The database is unavailable. Retry shortly.", headers={"Retry-After": "5"}
            )
        raise exc
