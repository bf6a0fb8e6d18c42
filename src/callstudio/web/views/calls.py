from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_POST, require_safe

from callstudio.calls import selectors, services
from callstudio.core.errors import DomainError
from callstudio.directory.selectors import team_agent_choices
from callstudio.search.query import MAX_LENGTH as QUERY_MAX_LENGTH

from ..context import render_team, team_page
from ..forms import DateRangeForm, apply_error


@team_page("team_calls")
@require_safe
def calls(request, access):
    params = request.GET
    filters = {
        "agent": params.get("agent") or "",
        "from": params.get("from") or "",
        "to": params.get("to") or "",
        "q": params.get("q") or "",
        "archived": params.get("archived") == "1",
    }
    form = DateRangeForm(params)
    page = None
    q_error = None
    if form.is_valid():
        start, end = form.times()  # To's whole day is in: the list's end is the next midnight
        try:
            page = selectors.calls_page(
                access=access,
                agent=filters["agent"] or None,
                start=start,
                end=end,
                q=filters["q"] or None,
                archived=filters["archived"],
                cursor=params.get("cursor"),
            )
        except DomainError as exc:
            if exc.status == 403:
                raise
            if exc.field == "q":  # a query that cannot be read: said next to the search box
                q_error = exc.detail
            else:
                apply_error(form, exc)
    agents = []
    if access.has("calls.read.all"):
        agents = team_agent_choices(access=access)
    kept = {k: v for k, v in filters.items() if v and k != "archived"}
    if filters["archived"]:
        kept["archived"] = "1"
    older = None
    if page and page.next_cursor:
        older = "?" + urlencode({**kept, "cursor": page.next_cursor})
    # "No calls yet" only when there is none to read at all, archived ones included.
    team_has_calls = bool(page and page.items) or selectors.readable_calls(access).exists()
    return render_team(
        request,
        access,
        "web/team_calls.html",
        {
            "page": page,
            "filters": filters,
            "filtered": bool(kept),
            "range": form.picker(),
            "agents": agents,
            "older_url": older,
            "team_has_calls": team_has_calls,
            "q_error": q_error,
            "query_max": QUERY_MAX_LENGTH,
        },
        tab="team_calls",
        status=422 if form.errors or q_error else 200,
    )


@team_page("team_calls")
@require_safe
def call_detail(request, access, call_id):
    call = selectors.readable_call(access=access, call_id=call_id)
    metadata = [(key, _in_words(value)) for key, value in (call.metadata or {}).items()]
    return render_team(
        request,
        access,
        "web/call_detail.html",
        {"call": call, "metadata": metadata},
        tab="team_calls",
    )


def _in_words(value) -> str:
    """A metadata value as a person reads it: the JSON a sender wrote, never a Python repr."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(_in_words(v) for v in value)
    if isinstance(value, dict):
        return " · ".join(f"{k}: {_in_words(v)}" for k, v in value.items())
    return str(value)


@team_page("team_calls")
@require_POST
def call_archive(request, access, call_id):
    archive = request.POST.get("archived") == "1"
    services.call_set_archived(access=access, call_id=call_id, archived=archive)
    messages.success(
        request,
        "Call archived: it left the list and analytics."
        if archive
        else "Call restored to the list.",
    )
    return redirect(
        "call_detail", org_id=access.org.organization.id, team_id=access.team.id, call_id=call_id
    )
