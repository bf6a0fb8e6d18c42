"""The Analytics tab (with the team's trackers), its CSV exports, and the organization's
overview of every team. Trackers are written through rules/services.py, which checks the
permission itself (`alerts.manage`)."""

from urllib.parse import urlencode

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from callstudio.analytics import selectors
from callstudio.calls import export
from callstudio.core import clock
from callstudio.core.errors import DomainError, Invalid
from callstudio.rules import selectors as rule_selectors
from callstudio.rules import services as rule_services

from .. import charts
from ..context import org_page, render_org, render_team, team_page
from ..forms import DateRangeForm, apply_error
from ..rule_forms import TrackerForm

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
    return _analytics_page(request, access)


def _analytics_page(request, access, tracker_form: TrackerForm | None = None):
    """The tab; `tracker_form`: a tracker form that failed, shown with its errors (422)."""
    form, figures = _figures_of(
        request,
        lambda start, end: rule_selectors.team_analytics(access=access, start=start, end=end),
    )
    can_manage = access.has("alerts.manage")
    context = {
        "range": form.picker(figures and figures["range"], presets=_presets()),
        "figures": figures,
        "can_manage_trackers": can_manage,
        "tracker_form": tracker_form or (TrackerForm() if can_manage else None),
    }
    if figures:
        context["query"] = _query(figures)
        if figures["trackers"]:
            context["tracker_chart"] = charts.calls_per_tracker(figures["trackers"])
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
        status=422 if form.errors or (tracker_form and tracker_form.errors) else 200,
    )


def _analytics_url(access, query: str = "") -> str:
    url = reverse("team_analytics", args=[access.org.organization.id, access.team.id])
    return f"{url}?{query}" if query else url


def _range_query(request) -> str:
    """The tab's range, carried by the tracker forms' URLs, so the tab comes back as it was."""
    return urlencode({k: request.GET[k] for k in ("from", "to") if request.GET.get(k)})


@team_page("team_analytics")
@require_POST
def tracker_create(request, access):
    access.require("alerts.manage")
    form = TrackerForm(request.POST)
    if form.is_valid():
        try:
            tracker = rule_services.tracker_create(access=access, **form.cleaned_data)
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            apply_error(form, exc)
        else:
            messages.success(
                request,
                f"Tracker “{tracker.name}” saved. It counts the calls analysed from now on.",
            )
            return redirect(_analytics_url(access, _range_query(request)))
    return _analytics_page(request, access, tracker_form=form)


@team_page("team_analytics")
@require_http_methods(["GET", "POST"])
def tracker_delete(request, access, tracker_id):
    access.require("alerts.manage")
    tracker = rule_selectors.tracker(access, tracker_id)
    back = _analytics_url(access, _range_query(request))
    if request.method == "POST":
        rule_services.tracker_delete(access=access, tracker_id=tracker.id)
        messages.success(request, f"Tracker “{tracker.name}” deleted.")
        return redirect(back)
    return render_team(
        request,
        access,
        "web/confirm.html",
        {
            "title": f"Delete the tracker “{tracker.name}”?",
            "text": "The Analytics tab stops showing it and its counts at once.",
            "confirm_label": "Delete",
            "danger": True,
            "cancel_url": back,
        },
        tab="team_analytics",
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
