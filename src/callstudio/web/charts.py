"""Chart geometry for the analytics pages: plain data in, shapes out, drawn as SVG by one dumb
template (web/_chart.html). Pure functions, no Django: every coordinate is decided and tested
here, so the pages need no chart library and no script, and the CSP needs no exception.

A chart is a list of lines (grid, axes), rectangles (bars), polylines (a series; a gap where a
value is missing), dots and texts, each with a CSS class from app.css; plus a title, a
description for screen readers and a two-column table to show the same figures as text."""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

WIDTH, HEIGHT = 720, 260
HALF = 520  # the width of a chart drawn beside another, so its text keeps its size
LEFT, RIGHT, TOP, BOTTOM = 60, 16, 14, 52  # margins around the plot area
MAX_COLUMNS = 92  # more days than this are grouped into equal runs of days
MAX_X_LABELS = 8
ROW_HEIGHT, ROW_GAP, LABEL_WIDTH = 26, 8, 170  # horizontal bars


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    cls: str = "chart-grid"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    title: str
    cls: str = "chart-bar"


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "middle"
    cls: str = "chart-tick"
    rotate: bool = False  # a vertical axis title, read bottom to top


@dataclass
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    headings: tuple[str, str]  # the table's headings
    rows: list[tuple[str, str]] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    rects: list[Rect] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)  # polyline `points`
    dots: list[Dot] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)


def _r(value: float) -> float:
    return round(value, 1)


def nice_scale(maximum: float, *, steps: int = 4, integer: bool = True) -> tuple[float, float]:
    """An axis top at or above `maximum` and its step, a 1, 2 or 5 times a power of ten, so
    ticks read 0, 5, 10, 15, 20 rather than 0, 4.3, 8.6."""
    if maximum <= 0:
        return (steps, 1.0) if integer else (1.0, 1.0 / steps)
    raw = maximum / steps
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw - 1e-12)
    if integer:
        step = max(1.0, float(math.ceil(step)))
    top = step * math.ceil(maximum / step - 1e-9)
    return top, step


def number(value: float) -> str:
    """A tick or table figure: no trailing .0, at most two decimals."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _frame(chart: Chart, *, x_label: str, y_label: str) -> None:
    bottom = chart.height - BOTTOM
    chart.lines.append(Line(LEFT, bottom, chart.width - RIGHT, bottom, "chart-axis"))
    chart.lines.append(Line(LEFT, TOP, LEFT, bottom, "chart-axis"))
    chart.texts.append(
        Text(_r((LEFT + chart.width - RIGHT) / 2), chart.height - 8, x_label, cls="chart-label")
    )
    chart.texts.append(Text(16, _r((TOP + bottom) / 2), y_label, cls="chart-label", rotate=True))


def _y_ticks(chart: Chart, top: float, step: float, low: float = 0.0, fmt=number) -> None:
    bottom = chart.height - BOTTOM
    height = bottom - TOP
    count = round((top - low) / step)
    for i in range(count + 1):
        value = low + i * step
        y = _r(bottom - (value - low) / (top - low) * height)
        if i:
            chart.lines.append(Line(LEFT, y, chart.width - RIGHT, y))
        chart.texts.append(Text(LEFT - 8, _r(y + 4), fmt(value), anchor="end"))


def _x_labels(chart: Chart, labels: list[str], centers: list[float]) -> None:
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    y = chart.height - BOTTOM + 18
    for i in range(0, len(labels), every):
        chart.texts.append(Text(centers[i], y, labels[i]))


def _plural(n: float, unit: str) -> str:
    return f"{number(n)} {unit}" + ("" if n == 1 else "s")


def columns(
    values: list[tuple[str, float, str]],
    *,
    id: str,
    title: str,
    description: str,
    x_label: str,
    y_label: str,
    headings: tuple[str, str],
    unit: str,
    gap: float = 0.25,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Chart:
    """Vertical bars of counts: `values` are (axis label, count, full name). A histogram is
    columns with almost no gap."""
    chart = Chart(id, title, description, width, height, headings)
    top, step = nice_scale(max((v for _, v, _ in values), default=0))
    _y_ticks(chart, top, step)
    bottom = height - BOTTOM
    slot = (width - RIGHT - LEFT) / max(1, len(values))
    bar = slot * (1 - gap)
    centers = []
    for i, (_, value, name) in enumerate(values):
        h = value / top * (bottom - TOP)
        centers.append(_r(LEFT + (i + 0.5) * slot))
        x = LEFT + i * slot + (slot - bar) / 2
        chart.rects.append(
            Rect(_r(x), _r(bottom - h), _r(max(bar, 0.5)), _r(h), f"{name}: {_plural(value, unit)}")
        )
        chart.rows.append((name, number(value)))
    _x_labels(chart, [label for label, _, _ in values], centers)
    _frame(chart, x_label=x_label, y_label=y_label)
    return chart


def line(
    values: list[tuple[str, float | None, str]],
    *,
    id: str,
    title: str,
    description: str,
    x_label: str,
    y_label: str,
    headings: tuple[str, str],
    missing: str,
    low: float = -1.0,
    high: float = 1.0,
    step: float = 0.5,
    width: int = WIDTH,
    height: int = HEIGHT,
    fmt=number,
) -> Chart:
    """A series over `low`..`high`: (axis label, value or None, full name). A missing value
    breaks the line rather than pretending to be zero; a value alone between gaps is a dot."""
    chart = Chart(id, title, description, width, height, headings)
    _y_ticks(chart, high, step, low=low, fmt=fmt)
    bottom = height - BOTTOM

    def y_of(value: float) -> float:
        return _r(bottom - (min(max(value, low), high) - low) / (high - low) * (bottom - TOP))

    if low < 0 < high:
        chart.lines.append(Line(LEFT, y_of(0), width - RIGHT, y_of(0), "chart-zero"))
    slot = (width - RIGHT - LEFT) / max(1, len(values))
    centers, runs = [], [[]]
    for i, (_, value, name) in enumerate(values):
        x = _r(LEFT + (i + 0.5) * slot)
        centers.append(x)
        if value is None:
            chart.rows.append((name, missing))
            runs.append([])
            continue
        chart.rows.append((name, fmt(value)))
        runs[-1].append((x, y_of(value)))
        chart.dots.append(Dot(x, y_of(value), f"{name}: {fmt(value)}"))
    chart.paths = [" ".join(f"{x},{y}" for x, y in run) for run in runs if len(run) > 1]
    _x_labels(chart, [label for label, _, _ in values], centers)
    _frame(chart, x_label=x_label, y_label=y_label)
    return chart


def bars(
    values: list[tuple[str, float | None]],
    *,
    id: str,
    title: str,
    description: str,
    x_label: str,
    headings: tuple[str, str],
    maximum: float | None = None,
    fmt=number,
    ticks: int = 4,
    width: int = WIDTH,
) -> Chart:
    """Horizontal bars, one row per item: (name, value or None). `maximum` fixes the scale (1.0
    for shares); otherwise a nice scale above the largest value."""
    height = TOP + len(values) * (ROW_HEIGHT + ROW_GAP) + BOTTOM
    chart = Chart(id, title, description, width, height, headings)
    if maximum is None:
        top, step = nice_scale(max((v or 0 for _, v in values), default=0), steps=ticks)
        ticks = round(top / step)
    else:
        top, step = maximum, maximum / ticks
    left, right, bottom = LABEL_WIDTH, width - RIGHT, height - BOTTOM
    for i in range(ticks + 1):
        x = _r(left + i * step / top * (right - left))
        if i:
            chart.lines.append(Line(x, TOP, x, bottom))
        chart.texts.append(Text(x, bottom + 18, fmt(i * step)))
    for i, (name, value) in enumerate(values):
        y = TOP + i * (ROW_HEIGHT + ROW_GAP) + ROW_GAP / 2
        middle = _r(y + ROW_HEIGHT / 2 + 4)
        short = name if len(name) <= 22 else name[:21] + "…"
        chart.texts.append(Text(left - 8, middle, short, anchor="end", cls="chart-category"))
        shown = "—" if value is None else fmt(value)
        chart.rows.append((name, shown))
        w = 0.0 if value is None else min(max(value, 0), top) / top * (right - left)
        if value is not None:
            chart.rects.append(Rect(left, _r(y), _r(w), ROW_HEIGHT, f"{name}: {shown}"))
        chart.texts.append(Text(_r(left + w + 6), middle, shown, anchor="start"))
    chart.lines.append(Line(left, bottom, right, bottom, "chart-axis"))
    chart.lines.append(Line(left, TOP, left, bottom, "chart-axis"))
    chart.texts.append(Text(_r((left + right) / 2), height - 8, x_label, cls="chart-label"))
    return chart


# The analytics pages' charts, from the selectors' figures (analytics/selectors.py).


def short_day(day: date) -> str:
    return f"{day:%b} {day.day}"


def day_runs(by_day: list[dict], *, limit: int = MAX_COLUMNS) -> list[tuple[date, date, list]]:
    """Consecutive days grouped into equal runs so that at most `limit` columns are drawn."""
    size = max(1, math.ceil(len(by_day) / limit))
    return [
        (
            date.fromisoformat(by_day[i]["day"]),
            date.fromisoformat(by_day[min(i + size, len(by_day)) - 1]["day"]),
            by_day[i : i + size],
        )
        for i in range(0, len(by_day), size)
    ]


def calls_per_day(by_day: list[dict]) -> Chart:
    runs = day_runs(by_day)
    days = (runs[0][1] - runs[0][0]).days + 1
    per = "day" if days == 1 else f"{days} days"
    values = [
        (
            short_day(first),
            sum(d["calls"] for d in chunk),
            first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}",
        )
        for first, last, chunk in runs
    ]
    total = sum(v for _, v, _ in values)
    return columns(
        values,
        id="calls-per-day",
        title=f"Calls per {per}",
        description=f"Bar chart of {_plural(total, 'call')} from {by_day[0]['day']} to "
        f"{by_day[-1]['day']}, one bar per {per}.",
        x_label="Day (UTC)",
        y_label="Calls",
        headings=("Day" if per == "day" else "Days", "Calls"),
        unit="call",
    )


def duration_histogram(distribution: list[dict]) -> Chart:
    return columns(
        [(d["label"], d["calls"], d["label"]) for d in distribution],
        id="duration-distribution",
        title="Call duration",
        description="Histogram of calls by duration: "
        + ", ".join(f"{d['label']}: {_plural(d['calls'], 'call')}" for d in distribution)
        + ".",
        x_label="Duration",
        y_label="Calls",
        headings=("Duration", "Calls"),
        unit="call",
        gap=0.04,
        width=HALF,
    )


def signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"


def sentiment_over_time(by_day: list[dict]) -> Chart:
    rated = sum(1 for d in by_day if d["avg_sentiment"] is not None)
    return line(
        [(short_day(date.fromisoformat(d["day"])), d["avg_sentiment"], d["day"]) for d in by_day],
        id="sentiment-over-time",
        title="Sentiment over time",
        description="Line of the average call sentiment per day, from -1 (negative) to +1 "
        f"(positive); {rated} of {len(by_day)} days have rated calls, and the line breaks on the "
        "others.",
        x_label="Day (UTC)",
        y_label="Average sentiment",
        headings=("Day", "Average sentiment"),
        missing="no rated calls",
        fmt=signed,
        width=HALF,
    )


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def agent_name(row: dict) -> str:
    return row["agent"]["name"] if row["agent"] else "Unlinked agents"


def talk_ratio_per_agent(agents: list[dict]) -> Chart:
    return bars(
        [(agent_name(a), a["talk_ratio"]) for a in agents],
        id="talk-ratio-per-agent",
        title="Talk ratio per agent",
        description="Horizontal bars of each agent's share of the talk time (the agent's talk "
        "over the agent's and the customer's), from 0 to 100%.",
        x_label="Agent's share of the talk time",
        headings=("Agent", "Talk ratio"),
        maximum=1.0,
        fmt=percent,
    )


def calls_per_tracker(trackers: list[dict]) -> Chart:
    return bars(
        [(t["name"], t["calls"]) for t in trackers],
        id="calls-per-tracker",
        title="Calls per tracker",
        description="Horizontal bars of the number of calls in the range that matched each of "
        "the team's trackers.",
        x_label="Calls",
        headings=("Tracker", "Calls"),
    )


def calls_per_team(teams: list[dict]) -> Chart:
    return bars(
        [(t["team"]["name"], t["calls"]) for t in teams],
        id="calls-per-team",
        title="Calls per team",
        description="Horizontal bars of each team's number of calls in the range.",
        x_label="Calls",
        headings=("Team", "Calls"),
    )


def days_back(end: date, days: int) -> date:
    """The first day of the `days` days ending on `end`."""
    return end - timedelta(days=days - 1)
