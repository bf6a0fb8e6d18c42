"""The Analytics tab, its CSV exports, and the organization's overview of every team."""

from urllib.parse import urlencode

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from callstudio.analytics import selectors
from callstudio.calls import export
from callstudio.core import clock
from callstudio.core.errors import Invalid

from .. import charts
from ..context import org_page, render_org, render_team, team_page
from ..forms import DateRangeForm, apply_error

PRESETS = (7, 30, 90, 365)


def _presets() -> list[tuple[int, str, str]]:
    today = clock.today()
    return [
        (days, charts.days_back(today, days).isoformat(), today.isoformat()) for days in PRESETS
    ]


def _figures_of(request, read) -> tuple[DateRangeForm, dict | None]:
    """The range form bound to the query string and `read(start, end)`'s figures, or the form
    with its error (a reversed or invalid range, or one the selector refuses) and None."""
    form = DateRangeForm(request.GET)
    if not form.is_valid():
        return form, None
    start, end = form.days()
    try:
        return form, read(start, end)
    except Invalid as exc:
        apply_error(form, exc)
        return form, None


def _query(figures: dict) -> str:
    r = figures["range"]
    return urlencode({"from": r["from"], "to": r["to"]})


@team_page("team_analytics")
@require_safe
def analytics(request, access):
    form, figures = _figures_of(
        request, lambda start, end: selectors.team_analytics(access=access, start=start, end=end)
    )
    context = {
        "range": form.picker(figures and figures["range"], presets=_presets()),
        "figures": figures,
    }
    if figures:
        context["query"] = _query(figures)
        context["can_export_calls"] = access.has("calls.read.all") or access.has("calls.read.own")
        if figures["calls"]:
            context["charts"] = [
                charts.calls_per_day(figures["by_day"]),
                charts.duration_histogram(figures["duration_distribution"]),
                charts.sentiment_over_time(figures["by_day"]),
            ]
            if figures["agents"]:
                context["agent_chart"] = charts.talk_ratio_per_agent(figures["agents"])
    return render_team(
        request,
        access,
        "web/team_analytics.html",
        context,
        tab="team_analytics",
        status=422 if form.errors else 200,
    )


async def _pull(chunks):
    """Under ASGI a synchronous iterator would be read whole before the first byte is sent; this
    pulls one chunk at a time in the request's own thread (where its database connection is)."""
    step = sync_to_async(next, thread_sensitive=True)
    while (chunk := await step(chunks, None)) is not None:
        yield chunk


def _csv(request, chunks, *, access, what: str, days) -> StreamingHttpResponse:
    content = _pull(chunks) if isinstance(request, ASGIRequest) else chunks
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    name = slugify(access.team.name) or "team"
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{what}-{days[0].isoformat()}-{days[1].isoformat()}.csv"'
    )
    response["Cache-Control"] = "no-store"
    return response


def _export_range(request):
    """The export's range, read by the Analytics tab's form (its link carries the tab's range); a
    bad one is refused with the form's own words, as a page."""
    form = DateRangeForm(request.GET)
    if not form.is_valid():
        raise Invalid(" ".join(e for errors in form.errors.values() for e in errors))
    return form.days()


@team_page("team_analytics")
@require_safe
def export_calls(request, access):
    start, end = _export_range(request)
    days, rows = export.export_calls(access=access, start=start, end=end)
    chunks = export.csv_chunks(export.CALL_COLUMNS, rows)
    return _csv(request, chunks, access=access, what="calls", days=days)


@team_page("team_analytics")
@require_safe
def export_figures(request, access):
    start, end = _export_range(request)
    days, rows = export.export_figures(access=access, start=start, end=end)
    chunks = export.csv_chunks(export.FIGURE_COLUMNS, rows)
    return _csv(request, chunks, access=access, what="figures", days=days)


@org_page
@require_safe
def overview(request, access):
    form, overview = _figures_of(
        request, lambda start, end: selectors.org_overview(access=access, start=start, end=end)
    )
    context = {
        "range": form.picker(overview and overview["range"], presets=_presets()),
        "overview": overview,
    }
    if overview:
        context["query"] = _query(overview)
        if overview["teams"]:
            context["chart"] = charts.calls_per_team(overview["teams"])
    return render_org(
        request,
        access,
        "web/org_analytics.html",
        context,
        section="organization",
        status=422 if form.errors else 200,
    )
