"""SCIM's HTTP conventions (RFC 7644 §3.1, §3.12): `application/scim+json` both ways, and every
failure as a SCIM error body — `schemas` [...:Error], `status` as a string, `scimType` where the
RFC defines one for the failure, `detail` for people.

Domain errors raised by the directory services are translated here once (`from_domain`), so the
services stay the same for the API, the pages and SCIM."""

import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse

from callstudio.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound

CONTENT_TYPE = "application/scim+json"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
# The request body a SCIM client may send (a user with a thousand-member group fits easily).
MAX_BODY_BYTES = 1_000_000


class ScimError(Exception):
    """A SCIM failure: HTTP status, RFC 7644 `scimType` (or None) and a detail for people."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None, *, headers=None):
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type
        self.headers = headers or {}


def invalid_value(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidValue")


def from_domain(exc: DomainError) -> ScimError:
    """The nearest SCIM failure for a directory service's refusal. A conflict of state that is
    not a duplicate (the last active Admin, an archived member) is `mutability`: RFC 7644 has no
    closer type ("not compatible with ... the current state")."""
    if isinstance(exc, NotFound):
        return ScimError(404, exc.detail)
    if isinstance(exc, Conflict):
        kind = "uniqueness" if exc.code in ("duplicate", "already_member") else "mutability"
        return ScimError(409, exc.detail, kind)
    if isinstance(exc, Forbidden):
        return ScimError(403, exc.detail)
    if isinstance(exc, Invalid):
        return invalid_value(exc.detail)
    return ScimError(exc.status, exc.detail)


def scim_response(data=None, *, status: int = 200, headers=None) -> HttpResponse:
    body = b"" if data is None else json.dumps(data, ensure_ascii=False).encode()
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(exc: ScimError) -> HttpResponse:
    body = {"schemas": [ERROR_SCHEMA], "status": str(exc.status), "detail": exc.detail}
    if exc.scim_type:
        body["scimType"] = exc.scim_type
    return scim_response(body, status=exc.status, headers=exc.headers)


def read_json(request) -> dict:
    """The request's JSON object. SCIM clients send `application/scim+json`; plain
    `application/json` is accepted too (RFC 7644 §3.1 allows it)."""
    try:
        size = len(request.body)
    except RequestDataTooBig:  # over Django's DATA_UPLOAD_MAX_MEMORY_SIZE
        size = MAX_BODY_BYTES + 1
    if size > MAX_BODY_BYTES:
        raise ScimError(413, f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    kind = request.content_type or ""
    if kind not in (CONTENT_TYPE, "application/json"):
        raise ScimError(415, "Send the body as application/scim+json (or application/json).")
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ScimError(400, "The body is not valid JSON.", "invalidSyntax") from None
    if not isinstance(data, dict):
        raise ScimError(400, "The body must be a JSON object.", "invalidSyntax")
    return data


def list_response(resources: list, *, total: int, start_index: int) -> dict:
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
