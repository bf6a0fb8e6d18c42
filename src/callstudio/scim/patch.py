"""PATCH (RFC 7644 §3.5.2) applied to a resource's writable attributes as a plain dict; the
caller then stores the result exactly as a PUT would, so PATCH and PUT share one validation
and one write.

Accepts the shapes identity providers send, not only the RFC's spelling:
- ops in any case ("Replace", "Add", Entra);
- no `path` and a dict value (`{"op": "replace", "value": {"active": false}}`, Okta), whose
  keys may be dotted (`"name.givenName"`) or URN-prefixed;
- paths with a sub-attribute (`name.givenName`) and value filters
  (`members[value eq "acc_..."]`, `emails[type eq "work"].value`, Entra): setting a
  sub-attribute through a filter that matches nothing adds an element built from the filter's
  `eq` terms (Entra's first work address); replacing whole elements that do not exist is
  400 `noTarget`;
- `remove` of `members` with a value list (`[{"value": "acc_..."}]`, Entra's other spelling).
Unknown attributes are 400 `invalidPath`; a remove without a path 400 `noTarget`."""

import copy

from scim2_models import Path
from scim2_models.exceptions import SCIMException
from scim2_models.path.expressions import (
    AttrPath,
    CompareOperator,
    Comparison,
    LogicalExpr,
    LogicalOperator,
    ValuePath,
)

from .http import PATCH_SCHEMA, ScimError
from .shape import Shape

OPS = ("add", "remove", "replace")
MAX_OPERATIONS = 1000


def invalid_path(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidPath")


def apply_patch(resource: dict, body: dict, shape: Shape) -> dict:
    if PATCH_SCHEMA not in (body.get("schemas") or []):
        raise ScimError(400, f"A PATCH body names the schema {PATCH_SCHEMA}.", "invalidSyntax")
    operations = body.get("Operations", body.get("operations"))
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, "Give a non-empty list of Operations.", "invalidSyntax")
    if len(operations) > MAX_OPERATIONS:
        raise ScimError(400, f"At most {MAX_OPERATIONS} operations per PATCH.", "tooMany")
    result = copy.deepcopy(resource)
    for operation in operations:
        if not isinstance(operation, dict):
            raise ScimError(400, "Each operation is an object.", "invalidSyntax")
        op = str(operation.get("op", "")).lower()
        if op not in OPS:
            raise ScimError(
                400, f"Unknown op {operation.get('op')!r}: add, remove or replace.", "invalidSyntax"
            )
        path, value = operation.get("path"), operation.get("value")
        if path in (None, ""):
            _pathless(result, op, value, shape)
        else:
            if not isinstance(path, str):
                raise invalid_path("A path is a string.")
            _apply(result, op, _parse_path(path, shape), value, shape)
    return result


def _pathless(result: dict, op: str, value, shape: Shape) -> None:
    if op == "remove":
        raise ScimError(400, "A remove operation needs a path.", "noTarget")
    if not isinstance(value, dict):
        raise ScimError(
            400, "Without a path, the value is an object of attributes.", "invalidValue"
        )
    for key, item in value.items():
        if shape.strip_urn(key).lower() in {name.lower() for name in shape.read_only}:
            # Okta repeats the resource's `id` (and sometimes `schemas`) in the value: those
            # are the server's, ignored as RFC 7643 §7 asks of read-only attributes.
            continue
        _apply(result, op, _parse_path(key, shape), item, shape)


def _parse_path(raw: str, shape: Shape):
    """(attribute, value filter or None, sub-attribute or None), all canonical."""
    try:
        ast = Path(shape.strip_urn(raw)).ast
    except (SCIMException, ValueError):
        raise invalid_path(f"The path {raw!r} is malformed.") from None
    if isinstance(ast, ValuePath):
        attr_path, val_filter, sub = ast.attr_path, ast.val_filter, ast.sub_attr
    elif isinstance(ast, AttrPath):
        attr_path, val_filter, sub = ast, None, ast.sub_attr
    else:
        raise invalid_path(f"The path {raw!r} is not supported.")
    if attr_path.uri and attr_path.uri.lower() != shape.schema.lower():
        raise invalid_path(f"The path {raw!r} names a schema this resource does not have.")
    attr = shape.canonical(attr_path.attr)
    if attr is None or attr in shape.read_only:
        raise invalid_path(f"{raw!r}: this resource has no writable attribute {attr_path.attr!r}.")
    if sub is not None:
        canonical_sub = shape.canonical_sub(attr, sub)
        if canonical_sub is None:
            raise invalid_path(f"{raw!r}: {attr} has no sub-attribute {sub!r}.")
        sub = canonical_sub
    if val_filter is not None and attr not in shape.multi_valued:
        raise invalid_path(f"{raw!r}: a filter applies to a multi-valued attribute only.")
    return attr, val_filter, sub


def _matches(item, node) -> bool:
    if not isinstance(item, dict):
        return False
    if isinstance(node, LogicalExpr):
        results = (_matches(item, term) for term in node.terms)
        return all(results) if node.op == LogicalOperator.and_ else any(results)
    if isinstance(node, Comparison) and node.op == CompareOperator.eq:
        key = next((k for k in item if k.lower() == node.attr_path.attr.lower()), None)
        actual = item.get(key) if key else None
        if isinstance(actual, str) and isinstance(node.value, str):
            return actual.lower() == node.value.lower()
        return actual == node.value
    raise ScimError(400, "Only eq comparisons joined by and/or in path filters.", "invalidFilter")


def _eq_terms(node) -> dict:
    if isinstance(node, Comparison) and node.op == CompareOperator.eq:
        return {node.attr_path.attr: node.value}
    if isinstance(node, LogicalExpr) and node.op == LogicalOperator.and_:
        out = {}
        for term in node.terms:
            out.update(_eq_terms(term))
        return out
    return {}


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _same(a, b, attr: str) -> bool:
    """Members are the same member by `value`; other elements by equal content."""
    if attr == "members" and isinstance(a, dict) and isinstance(b, dict):
        return str(a.get("value")) == str(b.get("value"))
    return a == b


def _apply(result: dict, op: str, target, value, shape: Shape) -> None:
    attr, val_filter, sub = target
    if attr in shape.multi_valued:
        _apply_multi(result, op, attr, val_filter, sub, value)
    elif sub is not None:
        current = result.get(attr) if isinstance(result.get(attr), dict) else {}
        if op == "remove":
            current.pop(sub, None)
        else:
            current[sub] = value
        result[attr] = current or None
    elif op == "remove":
        result.pop(attr, None)
    elif shape.attributes[attr] is not None and isinstance(value, dict):
        # A complex attribute: sub-attributes given replace or add, the others stay.
        current = result.get(attr) if isinstance(result.get(attr), dict) else {}
        for key, item in value.items():
            canonical_sub = shape.canonical_sub(attr, key)
            if canonical_sub is None:
                raise invalid_path(f"{attr} has no sub-attribute {key!r}.")
            current[canonical_sub] = item
        result[attr] = current
    else:
        result[attr] = value


def _apply_multi(result: dict, op: str, attr: str, val_filter, sub, value) -> None:
    items = _as_list(result.get(attr))
    if val_filter is None and sub is None:
        if op == "replace":
            items = _as_list(value)
        elif op == "add":
            for new in _as_list(value):
                if not any(_same(old, new, attr) for old in items):
                    items.append(new)
        elif value is None:
            items = []
        else:  # remove with a value: those elements (Entra's members removal)
            gone = _as_list(value)
            items = [old for old in items if not any(_same(old, g, attr) for g in gone)]
        result[attr] = items
        return
    selected = [
        i for i, item in enumerate(items) if val_filter is None or _matches(item, val_filter)
    ]
    if op == "remove":
        if sub is None:
            items = [item for i, item in enumerate(items) if i not in selected]
        else:
            for i in selected:
                items[i].pop(sub, None)
        result[attr] = items
        return
    if not selected:
        terms = _eq_terms(val_filter) if val_filter is not None else {}
        if not terms or (op == "replace" and sub is None):
            raise ScimError(400, f"No element of {attr} matches the path's filter.", "noTarget")
        items.append(dict(terms))
        selected = [len(items) - 1]
    for i in selected:
        if sub is not None:
            items[i][sub] = value
        elif isinstance(value, dict):
            items[i].update(value)
        else:
            raise ScimError(400, f"Give an object for an element of {attr}.", "invalidValue")
    result[attr] = items
