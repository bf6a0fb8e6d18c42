from django import template

register = template.Library()


@register.filter
def pairs(value) -> str:
    """An audit entry's before/after as `key: value · key: value`."""
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    return " · ".join(
        f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in value.items()
    )


@register.filter
def duration(seconds) -> str:
    """Seconds as m:ss or h:mm:ss."""
    if seconds is None:
        return "—"
    total = int(round(float(seconds)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{float(value) * 100:.0f}%"


@register.filter
def signed(value) -> str:
    """A sentiment score: +0.42, -0.10."""
    return "—" if value is None else f"{float(value):+.2f}"


@register.filter
def condition_text(condition) -> str:
    from callstudio.web.rule_forms import describe_condition

    return describe_condition(condition)


@register.filter
def action_text(action) -> str:
    from callstudio.web.rule_forms import describe_action

    return describe_action(action)
