"""The denial helper itself: fingerprint() compares every table of the product, every column but
the few named in tests/helpers.py, and notices a change to any one of them."""

from django.apps import apps

from tests.helpers import EXCLUDED_FIELDS, EXCLUDED_MODELS, fingerprint, fingerprinted_models

from .principals import targets  # noqa: F401  (fixture)


def _ours():
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m.__module__.startswith("callstudio.") and not m._meta.proxy
    ]


def test_every_model_of_ours_is_compared_or_excluded_on_purpose():
    compared = {m._meta.label_lower for m in fingerprinted_models()}
    for model in _ours():
        label = model._meta.label_lower
        assert label in compared or label in EXCLUDED_MODELS, (
            f"{label} is neither in fingerprint() nor in tests/helpers.py EXCLUDED_MODELS"
        )
    # No model of ours is excluded: every callstudio table is domain data.
    assert not {m._meta.label_lower for m in _ours()} & EXCLUDED_MODELS


def test_exclusions_name_real_models_and_columns():
    known = {m._meta.label_lower for m in apps.get_models(include_auto_created=True)}
    assert known >= EXCLUDED_MODELS
    for label, names in EXCLUDED_FIELDS.items():
        model = apps.get_model(label)
        assert names <= {f.name for f in model._meta.concrete_fields}, label


def test_fingerprint_holds_every_compared_column(db):
    shape = fingerprint()
    assert set(shape) == {m._meta.label_lower for m in fingerprinted_models()}
    for model in fingerprinted_models():
        label = model._meta.label_lower
        skip = EXCLUDED_FIELDS.get(label, set())
        assert len([f for f in model._meta.concrete_fields if f.name not in skip]) >= 1, label
        for row in shape[label]:
            assert len(row) == len(model._meta.concrete_fields) - len(skip), label


def test_the_route_matrix_world_has_rows_in_every_table_of_ours(world, targets):  # noqa: F811
    """The route matrix and the BOLA tests compare this world: an empty table would compare
    nothing, so each of ours holds at least one row there."""
    shape = fingerprint()
    empty = [m._meta.label_lower for m in _ours() if not shape[m._meta.label_lower]]
    assert not empty, f"no row in {empty}: give the targets fixture one"


def test_a_change_to_any_column_of_any_table_shows(world, targets):  # noqa: F811
    """Each compared column of each table of ours, changed in one row (through the ORM, bypassing
    services): the fingerprint differs every time. Taken twice without a change, it is equal."""
    assert fingerprint() == fingerprint()
    for model in _ours():
        label = model._meta.label_lower
        row = model._default_manager.order_by("pk").first()
        for field in _plain_columns(model):
            value = getattr(row, field.attname)
            rows = model._default_manager.filter(pk=row.pk)
            # Put back first: the ORM may store a JSON value in other bytes than the service did.
            rows.update(**{field.attname: value})
            before = fingerprint()
            rows.update(**{field.attname: _other(field, value)})
            assert fingerprint() != before, (label, field.name)
            rows.update(**{field.attname: value})
            assert fingerprint() == before, (label, field.name)


def _plain_columns(model):
    """The compared columns that are neither the key nor a reference to another row."""
    skip = EXCLUDED_FIELDS.get(model._meta.label_lower, set())
    return [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key or f.is_relation or f.name in skip)
    ]


def _other(field, value):
    import datetime

    kind = field.get_internal_type()
    if kind in ("CharField", "TextField"):  # same length: a full-length value stays valid
        return value[:-1] + ("y" if value.endswith("x") else "x") if value else "x"
    if kind in ("IntegerField", "BigIntegerField", "FloatField"):
        return (value or 0) + 1
    if kind == "BooleanField":
        return not value
    if kind == "JSONField":
        return {"changed": value}
    if kind == "DateField":
        return (value or datetime.date(2026, 1, 1)) + datetime.timedelta(days=1)
    return (value or datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)) + datetime.timedelta(
        seconds=1
    )
