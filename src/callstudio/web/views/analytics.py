"""The Analytics tab, its CSV exports, and the organization's overview of every team."""

from datetime import UTC, datetime

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from callstudio.analytics import selectors
from callstudio.calls import export
from callstudio.core.errors import Invalid

from .. import charts
from ..context import org_page, render_org, render_team, team_page

PRESETS = (7, 30, 90, 365)


def _range(request) -> dict:
    """The range picker's values as asked, the presets, and room for an error."""
    today = datetime.now(UTC).date()
    return {
        "from": request.GET.get("from") or "",
        "to": request.GET.get("to") or "",
        "error": None,
        "presets": [
            (days, charts.days_back(today, days).isoformat(), today.isoformat()) for days in PRESETS
        ],
    }


def _query(figures: dict) -> str:
    r = figures["range"]
    return f"from={r['from']}&to={r['to']}"


@team_page("team_analytics")
@require_safe
def analytics(request, access):
    picker = _range(request)
    figures = None
    try:
        figures = selectors.team_analytics(access=access, start=picker["from"], end=picker["to"])
    except Invalid as exc:
        picker["error"] = exc
    context = {"range": picker, "figures": figures}
    if figures:
        picker["from"], picker["to"] = figures["range"]["from"], figures["range"]["to"]
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
        status=422 if picker["error"] else 200,
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


@team_page("team_analytics")
@require_safe
def export_calls(request, access):
    days, rows = export.export_calls(
        access=access, start=request.GET.get("from"), end=request.GET.get("to")
    )
    chunks = export.csv_chunks(export.CALL_COLUMNS, rows)
    return _csv(request, chunks, access=access, what="calls", days=days)


@team_page("team_analytics")
@require_safe
def export_figures(request, access):
    days, rows = export.export_figures(
        access=access, start=request.GET.get("from"), end=request.GET.get("to")
    )
    chunks = export.csv_chunks(export.FIGURE_COLUMNS, rows)
    return _csv(request, chunks, access=access, what="figures", days=days)


@org_page
@require_safe
def overview(request, access):
    picker = _range(request)
    overview = None
    try:
        overview = selectors.org_overview(access=access, start=picker["from"], end=picker["to"])
    except Invalid as exc:
        picker["error"] = exc
    context = {"range": picker, "overview": overview}
    if overview:
        picker["from"], picker["to"] = overview["range"]["from"], overview["range"]["to"]
        context["query"] = _query(overview)
        if overview["teams"]:
            context["chart"] = charts.calls_per_team(overview["teams"])
    return render_org(
        request,
        access,
        "web/org_analytics.html",
        context,
        section="organization",
        status=422 if picker["error"] else 200,
    )
