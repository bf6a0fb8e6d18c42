"""Compile a hot queryset once per shape, then only bind each request's values.

Building and compiling a Django queryset costs a fixed ~0.4 ms, more than a first page of calls
takes to read from an index. For a read that runs on every page view, `ShapeCache` builds the
queryset once per *shape* (everything that changes the SQL text: the actor's permissions, which
filters are present, the page size) from **marker** values, compiles it, and remembers where
each marker's database form landed among the parameters. A request then substitutes its own
values there, converted exactly as the ORM converts them (`Slot.to_db`).

The queryset stays the source of truth: the same builder function runs for the marker compile,
and tests compare every bound statement with a fresh compile of the real queryset."""

from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock

from django.db import connection
from django.db.models import Model, QuerySet


@dataclass(frozen=True)
class Slot:
    """One request value: the marker that stands for it in the compile, and how the ORM turns a
    Python value into the database parameter."""

    marker: object
    to_db: Callable[[object], object]


def field_slot(model: type[Model], field_name: str, marker: object) -> Slot:
    """A value compared with `model.field_name` by exact/lt/gt/gte/lte, converted by the field
    itself (for a foreign key, by the field it points to)."""
    field = model._meta.get_field(field_name)

    def to_db(value):
        return field.get_db_prep_value(field.get_prep_value(value), connection, prepared=True)

    return Slot(marker, to_db)


def contains_slot(marker: str) -> Slot:
    """A value searched with `__contains`/`__icontains`: the ORM's LIKE pattern."""
    return Slot(marker, lambda value: f"%{connection.ops.prep_for_like_query(value)}%")


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    # For each parameter: the slot whose marker it is, or None for a constant of the shape.
    slots: tuple[str | None, ...]


class ShapeCache:
    def __init__(self, slots: dict[str, Slot], maxsize: int = 512):
        self.slots = slots
        self.maxsize = maxsize
        self._compiled: dict[tuple, _Compiled] = {}
        self._lock = Lock()

    def bind(
        self, shape: tuple, values: dict[str, object], build: Callable[[dict], QuerySet]
    ) -> tuple[str, list]:
        """The SQL and parameters of `build(values)`. `shape` must capture everything but the
        slot values that `build` reads; `values` names the slots present (their keys are part of
        the shape)."""
        key = (connection.alias, connection.vendor, shape, frozenset(values))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compile(values, build)
            with self._lock:
                if len(self._compiled) >= self.maxsize:
                    self._compiled.pop(next(iter(self._compiled)))
                self._compiled[key] = compiled
        converted = {name: self.slots[name].to_db(value) for name, value in values.items()}
        return compiled.sql, [
            param if slot is None else converted[slot]
            for param, slot in zip(compiled.params, compiled.slots, strict=True)
        ]

    def _compile(self, values: dict, build: Callable[[dict], QuerySet]) -> _Compiled:
        markers = {name: self.slots[name].marker for name in values}
        sql, params = build(markers).query.sql_with_params()
        in_db = {name: self.slots[name].to_db(marker) for name, marker in markers.items()}
        slots = []
        for param in params:
            found = [n for n, v in in_db.items() if type(v) is type(param) and v == param]
            if len(found) > 1:
                raise AssertionError(f"Markers {found} are not distinct in the database.")
            slots.append(found[0] if found else None)
        return _Compiled(sql=sql, params=tuple(params), slots=tuple(slots))
