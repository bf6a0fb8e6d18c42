"""Keyset (cursor) pagination: `{"items": [...], "next_cursor": ...}`.

A page costs one indexed range scan, whatever page it is, because the cursor carries the sort key
of the last row instead of an offset."""

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

import orjson
from django.db.models import Q, QuerySet

from .errors import Invalid

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass
class Page:
    items: list
    next_cursor: str | None


def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, orjson.JSONDecodeError):
        raise Invalid("Not a cursor this API returned.", field="cursor") from None
    if not isinstance(values, list) or len(values) != size:
        raise Invalid("Not a cursor this API returned.", field="cursor")
    if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
        raise Invalid("Not a cursor this API returned.", field="cursor")
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
    after = decode_cursor(cursor, len(keys)) if cursor else None
    return page_of(
        fetch(keyset(qs, keys=keys, after=after, limit=limit, descending=descending)),
        keys=keys,
        limit=limit,
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


def page_of(rows: list, *, keys: tuple[str, ...], limit: int) -> Page:
    """The page out of the `limit` + 1 rows `keyset` selects."""
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor([_key_value(rows[-1], k) for k in keys])
    return Page(items=rows, next_cursor=next_cursor)


def _key_value(row, key: str):
    value = row
    for part in key.split("__"):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    # Datetimes travel as RFC 3339 text; the database compares them back as datetimes.
    return value.isoformat() if isinstance(value, datetime) else value
