"""Domain errors. Services raise them; the API maps them to problem+json (api/errors.py) and the
UI to form errors and messages. Each carries an HTTP status so there is one mapping."""


class DomainError(Exception):
    """`code` is the stable, machine-readable name of the failure carried by every problem body
    (e.g. `last_admin`, `in_teams`, `duplicate`); each class has a general default."""

    status = 400
    title = "Bad request"
    code = "bad_request"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        errors: list | None = None,
        extra: dict | None = None,
        code: str | None = None,
    ):
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.field = field
        # Machine-readable context added to the problem body (e.g. the teams still to revoke).
        self.extra = extra or {}
        self.errors = (
            errors
            if errors is not None
            else ([{"field": field, "message": detail}] if field else [])
        )


class NotFound(DomainError):
    status = 404
    title = "Not found"
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    code = "conflict"


class Invalid(DomainError):
    status = 422
    title = "Invalid input"
    code = "invalid"


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None):
        super().__init__(detail, code=code)
        self.retry_after = retry_after


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"
    code = "unauthenticated"


class Gone(DomainError):
    status = 410
    title = "Gone"


class PayloadTooLarge(DomainError):
    status = 413
    title = "Payload too large"
