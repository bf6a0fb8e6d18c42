from django.views.decorators.http import require_safe

from callstudio.core.audit import audit_entries
from callstudio.core.audit_actions import ORG_ACTIONS
from callstudio.core.pagination import paginate
from callstudio.directory.selectors import org_team_choices

from ..audit_text import describe_entries
from ..context import org_page, render_org


@org_page
@require_safe
def audit_log(request, access):
    access.require("org.audit.read")
    filters = {k: request.GET.get(k) or None for k in ("actor", "action", "team")}
    qs = audit_entries(
        organization=access.organization,
        actor_account_id=filters["actor"],
        action=filters["action"],
        team_id=filters["team"],
    )
    page = paginate(qs, keys=("id",), cursor=request.GET.get("cursor"), limit=50, descending=True)
    teams = org_team_choices(access=access, limit=500)
    return render_org(
        request,
        access,
        "web/audit_log.html",
        {
            "page": page,
            "rows": describe_entries(
                page.items, organization=access.organization, team_names=dict(teams)
            ),
            "filters": filters,
            "teams": teams,
            "actions": [(a.value, a.label) for a in ORG_ACTIONS],
        },
        section="organization",
    )
