"""The chart geometry (web/charts.py): pure functions, checked by their coordinates."""

from datetime import date, timedelta

import pytest

from callstudio.web import charts
from callstudio.web.charts import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH


@pytest.mark.parametrize(
    ("maximum", "top", "step"),
    [(0, 4, 1), (1, 1, 1), (3, 3, 1), (7, 8, 2), (10, 10, 5), (42, 60, 20), (1234, 1500, 500)],
)
def test_nice_scale_reads_in_round_steps(maximum, top, step):
    assert charts.nice_scale(maximum) == (top, step)


def test_nice_scale_covers_any_maximum():
    for maximum in [*range(1, 500), 999, 10_001, 123_456]:
        top, step = charts.nice_scale(maximum)
        assert top >= maximum and top / step <= 5 and top % step == 0


def days(values):
    start = date(2026, 11, 1)
    return [
        {"day": (start + timedelta(days=i)).isoformat(), "calls": v, "avg_sentiment": s}
        for i, (v, s) in enumerate(values)
    ]


def test_columns_are_proportional_and_sit_on_the_axis():
    chart = charts.calls_per_day(days([(2, 0.5), (0, None), (4, -0.5), (1, 0.1)]))
    assert chart.title == "Calls per day" and len(chart.rects) == 4
    bottom = HEIGHT - BOTTOM
    heights = [r.height for r in chart.rects]
    assert heights[1] == 0 and heights[2] == bottom - TOP  # the scale tops at 4
    assert heights[0] == pytest.approx(heights[2] / 2, abs=0.1)
    for r in chart.rects:
        assert r.y + r.height == pytest.approx(bottom, abs=0.1)
        assert r.x >= LEFT and r.x + r.width <= WIDTH - RIGHT + 0.1
    xs = [r.x for r in chart.rects]
    assert xs == sorted(xs)
    assert chart.rects[2].title == "2026-11-03: 4 calls" and chart.rects[3].title.endswith("1 call")
    assert chart.rows[0] == ("2026-11-01", "2")
    assert {t.text for t in chart.texts} >= {"Calls", "Day (UTC)", "0", "4", "Nov 1"}


def test_long_ranges_are_grouped_into_at_most_92_columns():
    chart = charts.calls_per_day(days([(1, None)] * 365))
    assert len(chart.rects) == 92 and chart.title == "Calls per 4 days"
    assert sum(int(v) for _, v in chart.rows) == 365
    assert chart.rows[0][0] == "2026-11-01 – 2026-11-04"
    assert len([t for t in chart.texts if t.cls == "chart-tick" and t.anchor == "middle"]) <= 8


def test_histogram_has_one_bar_per_bucket_and_no_gap_to_speak_of():
    distribution = [{"label": f"b{i}", "calls": i} for i in range(6)]
    chart = charts.duration_histogram(distribution)
    assert [r.title for r in chart.rects][1] == "b1: 1 call"
    slot = (charts.HALF - RIGHT - LEFT) / 6
    assert all(r.width > slot * 0.9 for r in chart.rects)
    assert "b0: 0 calls" in chart.description


def test_sentiment_line_breaks_on_days_without_rated_calls():
    chart = charts.sentiment_over_time(
        days([(1, 0.5), (1, -0.5), (0, None), (1, 1.0), (0, None), (1, 0.0), (1, 0.2)])
    )
    # two runs of two or more points, and a lone point that is a dot only
    assert len(chart.paths) == 2 and len(chart.dots) == 5
    first = [tuple(map(float, p.split(","))) for p in chart.paths[0].split()]
    bottom = HEIGHT - BOTTOM
    zero = next(line.y1 for line in chart.lines if line.cls == "chart-zero")
    assert zero == pytest.approx((TOP + bottom) / 2, abs=0.1)
    assert first[0][1] == pytest.approx((TOP + zero) / 2, abs=0.1)  # +0.5: halfway up
    assert first[1][1] == pytest.approx((zero + bottom) / 2, abs=0.1)  # -0.5: halfway down
    assert chart.dots[2].y == TOP and chart.dots[2].title == "2026-11-04: +1.00"
    assert ("2026-11-03", "no rated calls") in chart.rows


def test_sentiment_beyond_the_scale_is_clamped():
    chart = charts.sentiment_over_time(days([(1, 3.0), (1, -3.0)]))
    assert [d.y for d in chart.dots] == [TOP, HEIGHT - BOTTOM]


def agent(name, ratio):
    return {"agent": {"name": name} if name else None, "talk_ratio": ratio}


def test_talk_ratio_bars_scale_to_one_hundred_percent():
    chart = charts.talk_ratio_per_agent(
        [agent("Ann", 0.5), agent("Bo", 1.0), agent(None, None), agent("C" * 40, 0.25)]
    )
    full = WIDTH - RIGHT - charts.LABEL_WIDTH
    assert [r.width for r in chart.rects] == pytest.approx([full / 2, full, full / 4], abs=0.1)
    assert chart.rows == [
        ("Ann", "50%"),
        ("Bo", "100%"),
        ("Unlinked agents", "—"),
        ("C" * 40, "25%"),
    ]
    assert chart.height == TOP + 4 * (charts.ROW_HEIGHT + charts.ROW_GAP) + BOTTOM
    labels = [t.text for t in chart.texts if t.cls == "chart-category"]
    assert labels[3] == "C" * 21 + "…"  # long names are cut in the picture, whole in the table
    assert {"0%", "50%", "100%"} <= {t.text for t in chart.texts}


def test_calls_per_team_uses_a_nice_scale():
    chart = charts.calls_per_team(
        [{"team": {"name": "A"}, "calls": 30}, {"team": {"name": "B"}, "calls": 0}]
    )
    assert len(chart.rects) == 2 and chart.rects[1].width == 0
    ticks = [t.text for t in chart.texts if t.cls == "chart-tick"]
    assert ticks[:4] == ["0", "10", "20", "30"]
