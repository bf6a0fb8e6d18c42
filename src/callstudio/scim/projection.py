"""`attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5 and §3.9) applied to a resource as
rendered: `id` and `schemas` are always returned; names may be URN-prefixed and dotted
(`name.givenName`). Names the resource does not have are ignored, as the RFC asks."""

from .http import ScimError
from .shape import Shape, split_names

ALWAYS = ("schemas", "id")


def _parse(shape: Shape, names: list[str]) -> dict[str, set[str] | None]:
    wanted: dict[str, set[str] | None] = {}
    for raw in names:
        head, _, sub = shape.strip_urn(raw).partition(".")
        attr = shape.canonical(head) or next(
            (k for k in ("meta", "id", "externalId") if k.lower() == head.lower()), None
        )
        if attr is None:
            continue
        if not sub:
            wanted[attr] = None
        elif wanted.get(attr, set()) is not None:
            wanted.setdefault(attr, set()).add(sub.lower())
    return wanted


def project(resource: dict, shape: Shape, *, attributes=None, excluded=None) -> dict:
    include, exclude = split_names(attributes), split_names(excluded)
    if include and exclude:
        raise ScimError(400, "Give attributes or excludedAttributes, not both.", "invalidSyntax")
    if include:
        wanted = _parse(shape, include)
        out = {k: v for k, v in resource.items() if k in ALWAYS}
        for attr, subs in wanted.items():
            if attr not in resource:
                continue
            out[attr] = _subset(resource[attr], subs, keep=True)
        return out
    if exclude:
        unwanted = _parse(shape, exclude)
        out = dict(resource)
        for attr, subs in unwanted.items():
            if attr in ALWAYS or attr not in out:
                continue
            if subs is None:
                del out[attr]
            else:
                out[attr] = _subset(out[attr], subs, keep=False)
        return out
    return resource


def _subset(value, subs: set[str] | None, *, keep: bool):
    if subs is None:
        return value
    if isinstance(value, list):
        return [_subset(item, subs, keep=keep) for item in value]
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if (k.lower() in subs) == keep}
    return value
