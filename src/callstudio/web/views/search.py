"""The organization's Search page: every team's calls the actor may read, through the search
engine (`rules.search.search_calls`, the API's own search)."""

from urllib.parse import urlencode

from django.views.decorators.http import require_safe

from callstudio.access.policy import reads_somewhere
from callstudio.calls.selectors import readable_call_teams
from callstudio.core.errors import DomainError, Forbidden
from callstudio.rules.search import Filters, search_calls

from ..context import org_page, render_org
from ..forms import SearchForm, apply_error

PAGE_SIZE = 20
HAS_ALERT = {"true": True, "false": False}


@org_page
@require_safe
def search(request, access):
    if not reads_somewhere(access, resource="calls"):
        raise Forbidden("Your roles do not allow reading calls in any team.")
    form = SearchForm(request.GET, teams=readable_call_teams(access=access))
    page = None
    if form.is_valid() and form.cleaned_data["q"]:
        data = form.cleaned_data
        start, end = form.times()  # To's whole day is in, as on the Calls tab
        try:
            page = search_calls(
                access=access,
                q=data["q"],
                filters=Filters(
                    team=data["team"] or None,
                    agent=data["agent"] or None,
                    start=start,
                    end=end,
                    tag=data["tag"] or None,
                    direction=data["direction"] or None,
                    min_duration=data["min_duration"],
                    max_duration=data["max_duration"],
                    sentiment=data["sentiment"] or None,
                    has_alert=HAS_ALERT.get(data["has_alert"]),
                ),
                sort=data["sort"] or "newest",
                cursor=request.GET.get("cursor") or None,
                limit=PAGE_SIZE,
            )
        except DomainError as exc:
            if exc.status != 422:  # another organization's team: 404; a team not readable: 403
                raise
            apply_error(form, exc)
    more = None
    if page and page.next_cursor:
        more = "?" + urlencode({**form.kept(), "cursor": page.next_cursor})
    range_ = form.picker()
    range_["error"] = ""  # the form's own errors are shown once, above it
    return render_org(
        request,
        access,
        "web/search.html",
        {
            "form": form,
            "range": range_,
            "page": page,
            "more_url": more,
            "relevance": form.data.get("sort") == "relevance",
            "filtered": any(form.data.get(name) for name in SearchForm.PARAMS[1:-1]),
            "unfiltered_url": "?" + urlencode({"q": form.data.get("q", "")}),
            "can_search": True,
        },
        section="search",
        status=422 if form.errors else 200,
    )
