from django.views.decorators.http import require_safe

from callstudio.core.audit_actions import ORG_ACTIONS
from callstudio.directory.selectors import audit_log_page, org_team_choices

from ..audit_text import describe_entries
from ..context import org_page, render_org


@org_page
@require_safe
def audit_log(request, access):
    filters = {k: request.GET.get(k) or None for k in ("actor", "action", "team")}
    page = audit_log_page(access=access, **filters, cursor=request.GET.get("cursor"), limit=50)
    teams = org_team_choices(access=access, limit=500)
    return render_org(
        request,
        access,
        "web/audit_log.html",
        {
            "page": page,
            "rows": describe_entries(page.items, access=access, team_names=dict(teams)),
            "filters": filters,
            "teams": teams,
            "actions": [(a.value, a.label) for a in ORG_ACTIONS],
        },
        section="organization",
    )
