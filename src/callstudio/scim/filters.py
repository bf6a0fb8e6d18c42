"""`filter=` (RFC 7644 §3.4.2.2) as a database query: parsed by scim2-models' ScimFilter, then
each comparison becomes a Q object through the resource's table of filterable attributes.

Supported: `eq` on the attributes of the table, joined by `and` / `or`, with parentheses.
Anything else — a malformed expression, another operator (`co`, `sw`, `pr`, `gt`, `not`...),
an attribute outside the table — is 400 `invalidFilter`, never a silent "match nothing"."""

from collections.abc import Callable

from django.db.models import Q
from scim2_models import ScimFilter
from scim2_models.exceptions import SCIMException
from scim2_models.path.expressions import (
    AttrPath,
    CompareOperator,
    Comparison,
    LogicalExpr,
    LogicalOperator,
    ValuePath,
)

from .http import ScimError

MAX_FILTER_LENGTH = 2000

# attribute name (lower case, "emails.value" for a sub-attribute) → value → Q
Lookups = dict[str, Callable[[object], Q]]


def invalid_filter(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidFilter")


def filter_query(expression: str | None, lookups: Lookups, *, schema: str) -> Q:
    if expression is None or not expression.strip():
        return Q()
    if len(expression) > MAX_FILTER_LENGTH:
        raise invalid_filter(f"The filter is longer than {MAX_FILTER_LENGTH} characters.")
    try:
        ast = ScimFilter(expression).ast
    except SCIMException as exc:
        raise invalid_filter(f"The filter is malformed: {exc}.") from None
    return _node(ast, lookups, schema)


def _name(path: AttrPath, schema: str) -> str:
    if path.uri and path.uri.lower() != schema.lower():
        raise invalid_filter(f"Filtering on the schema {path.uri} is not supported.")
    return path.attr.lower() + (f".{path.sub_attr.lower()}" if path.sub_attr else "")


def _node(node, lookups: Lookups, schema: str) -> Q:
    if isinstance(node, LogicalExpr):
        terms = [_node(term, lookups, schema) for term in node.terms]
        combined = terms[0]
        for term in terms[1:]:
            combined = combined & term if node.op == LogicalOperator.and_ else combined | term
        return combined
    if isinstance(node, ValuePath):
        # emails[value eq "x"] is emails.value eq "x": only a single eq inside is supported.
        inner = node.val_filter
        if not isinstance(inner, Comparison) or inner.attr_path.sub_attr or node.sub_attr:
            raise invalid_filter('Only attr[subAttr eq "value"] is supported in brackets.')
        path = AttrPath(
            attr=node.attr_path.attr, sub_attr=inner.attr_path.attr, uri=node.attr_path.uri
        )
        return _comparison(path, inner.op, inner.value, lookups, schema)
    if isinstance(node, Comparison):
        return _comparison(node.attr_path, node.op, node.value, lookups, schema)
    raise invalid_filter(
        "Only eq comparisons joined by and/or are supported (no not, pr, co, sw, gt...)."
    )


def _comparison(path: AttrPath, op, value, lookups: Lookups, schema: str) -> Q:
    name = _name(path, schema)
    if op != CompareOperator.eq:
        raise invalid_filter(f"The operator {op.value} is not supported: use eq.")
    lookup = lookups.get(name)
    if lookup is None:
        supported = ", ".join(sorted(lookups))
        raise invalid_filter(f"Filtering on {name} is not supported (supported: {supported}).")
    return lookup(value)
