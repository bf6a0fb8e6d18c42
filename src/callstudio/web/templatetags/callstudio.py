from django import template

register = template.Library()


@register.filter
def pairs(value) -> str:
    """An audit entry's before/after as `key: value · key: value`."""
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    return " · ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in value.items())
