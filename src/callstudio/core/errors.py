"""Domain errors. Services raise them; the API maps them to problem+json (api/errors.py) and the
UI to form errors and messages. Each carries an HTTP status so there is one mapping."""


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        errors: list | None = None,
        extra: dict | None = None,
    ):
        super().__init__(detail)
        self.detail = detail
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


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class Invalid(DomainError):
    status = 422
    title = "Invalid input"


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"


class Gone(DomainError):
    status = 410
    title = "Gone"


class PayloadTooLarge(DomainError):
    status = 413
    title = "Payload too large"
