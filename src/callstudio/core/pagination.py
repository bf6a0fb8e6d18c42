"""Keyset (cursor) pagination: `{"items": [...], "next_cursor": ...}`.

A page costs one indexed range scan, whatever page it is, because the cursor carries the sort key
of the last row instead of an offset.

A cursor is opaque: the list it was made for (its `scope`: the model and the sort keys) and the key
values, signed with an HMAC of the secret key. Anything else (garbage, NUL bytes, a cursor edited
by hand or made for another list) is 422 naming `cursor`, before the database sees a value: an
edited value could otherwise reach a query as a type the column refuses (a 500)."""

import base64
import binascii
import hmac
from dataclasses import dataclass
from datetime import datetime

import orjson
from django.db.models import Q, QuerySet
from django.utils.crypto import salted_hmac

from .errors import Invalid

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass
class Page:
    items: list
    next_cursor: str | None


NOT_A_CURSOR = "Not a cursor this list returned."


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode("ascii"))


def _signature(payload: bytes) -> bytes:
    return salted_hmac("callstudio.pagination.cursor", payload, algorithm="sha256").digest()[:16]


def scope_of(qs: QuerySet, keys: tuple[str, ...]) -> str:
    """Which list a cursor belongs to: the model and the sort keys."""
    return f"{qs.model._meta.label_lower}:{','.join(keys)}"


def encode_cursor(values: list, *, scope: str) -> str:
    payload = orjson.dumps([scope, values])
    return f"{_b64(payload)}.{_b64(_signature(payload))}"


def decode_cursor(cursor: str, size: int, *, scope: str) -> list:
    """The key values of a cursor this list returned, else Invalid (422, field `cursor`)."""
    try:
        if not isinstance(cursor, str) or "\x00" in cursor or cursor.count(".") != 1:
            raise ValueError
        body, signature = cursor.split(".")
        payload = _unb64(body)
        if not hmac.compare_digest(_unb64(signature), _signature(payload)):
            raise ValueError
        found_scope, values = orjson.loads(payload)
    except (ValueError, TypeError, binascii.Error, UnicodeError, orjson.JSONDecodeError):
        raise Invalid(NOT_A_CURSOR, field="cursor") from None
    if found_scope != scope or not isinstance(values, list) or len(values) != size:
        raise Invalid(NOT_A_CURSOR, field="cursor")
    if not all(
        (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, str) and "\x00" not in v)
        for v in values
    ):
        raise Invalid(NOT_A_CURSOR, field="cursor")
    return values


def clean_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise Invalid(f"Must be between 1 and {MAX_LIMIT}.", field="limit")
    return limit


def paginate(
    qs: QuerySet,
    *,
    keys: tuple[str, ...],
    cursor: str | None,
    limit: int | None,
    descending: bool = False,
    fetch=list,
) -> Page:
    """`keys` are unique together and name the sort order, e.g. ("id",) or ("name_key", "id").
    `fetch` runs the final queryset (default: `list`)."""
    limit = clean_limit(limit)
    scope = scope_of(qs, keys)
    after = decode_cursor(cursor, len(keys), scope=scope) if cursor else None
    return page_of(
        fetch(keyset(qs, keys=keys, after=after, limit=limit, descending=descending)),
        keys=keys,
        limit=limit,
        scope=scope,
    )


def keyset(
    qs: QuerySet, *, keys: tuple[str, ...], after: list | None, limit: int, descending: bool
) -> QuerySet:
    """`qs` ordered by `keys`, from the row after the one whose keys are `after`, `limit` + 1
    rows (the extra row tells whether there is a next page)."""
    op = "lt" if descending else "gt"
    if after is not None:
        condition = Q()
        # (k1, k2, ...) > (v1, v2, ...) spelled out, so every database can use the index.
        for i in range(len(keys) - 1, -1, -1):
            step = Q(**{f"{keys[i]}__{op}": after[i]})
            condition = (
                step if i == len(keys) - 1 else step | (Q(**{keys[i]: after[i]}) & condition)
            )
        qs = qs.filter(condition)
    order = [f"-{k}" if descending else k for k in keys]
    return qs.order_by(*order)[: limit + 1]


def page_of(rows: list, *, keys: tuple[str, ...], limit: int, scope: str) -> Page:
    """The page out of the `limit` + 1 rows `keyset` selects; `scope` names the list (see
    `scope_of`)."""
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor([_key_value(rows[-1], k) for k in keys], scope=scope)
    return Page(items=rows, next_cursor=next_cursor)


def _key_value(row, key: str):
    value = row
    for part in key.split("__"):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    # Datetimes travel as RFC 3339 text; the database compares them back as datetimes.
    return value.isoformat() if isinstance(value, datetime) else value
