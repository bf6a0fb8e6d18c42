"""What every organization and team page needs: the actor's access, resolved once through the
access policy, and the navigation built from it."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from callstudio.access.policy import OrgAccess, TeamAccess, reads_somewhere
from callstudio.access.resolve import resolve_org, resolve_team
from callstudio.accounts.models import Account
from callstudio.directory.selectors import account_orgs
from callstudio.sso.session import sso_org_ids

TEAM_TABS = [
    # (url name, label, any of these permissions shows the tab)
    ("team", "Overview", ("team.read",)),
    ("team_calls", "Calls", ("calls.read.own", "calls.read.all")),
    ("team_analytics", "Analytics", ("analytics.read.own", "analytics.read.all")),
    ("team_members", "Members", ("team.members.read",)),
    ("team_alerts", "Alerts", ("alerts.read",)),
    ("team_automations", "Automations", ("automations.read",)),
    ("team_settings", "Settings", ("team.settings",)),
]
TAB_PERMISSIONS = {name: perms for name, _, perms in TEAM_TABS}

ORG_TABS = [
    ("org_members", "Members", "org.members.read"),
    ("roles", "Roles", "org.read"),
    ("audit_log", "Audit log", "org.audit.read"),
    ("api_keys", "API keys", "org.keys.manage"),
    # An org role that sees every team's figures (Admin, Manager); a team role does not reach it.
    ("org_analytics", "Analytics overview", "analytics.read.all"),
    ("org_settings", "Settings", "org.manage"),
]


def org_page(view):
    @login_required
    @wraps(view)
    def wrapper(request, org_id, *args, **kwargs):
        access = resolve_org(
            request, org_id, account=request.user, sso_org_ids=sso_org_ids(request)
        )
        response = view(request, access, *args, **kwargs)
        # `/` opens the organization last used; a page that refused or failed is not a use (and
        # a refused request changes nothing).
        if response.status_code < 400 and request.user.last_org_id != access.organization.id:
            Account.objects.filter(pk=request.user.pk).update(last_org_id=access.organization.id)
        return response

    return wrapper


def team_page(tab: str):
    """A team page behind `team.read` (as every team endpoint of the API, access/resolve.py) and
    then its tab's permissions: 403 when the actor holds none of them."""

    def decorate(view):
        @org_page
        @wraps(view)
        def wrapper(request, access, team_id, *args, **kwargs):
            team = resolve_team(
                request,
                access.organization.id,
                team_id,
                account=request.user,
                sso_org_ids=sso_org_ids(request),
            )
            needed = TAB_PERMISSIONS[tab]
            if not any(team.has(p) for p in needed):
                team.require(needed[0])
            return view(request, team, *args, **kwargs)

        return wrapper

    return decorate


def _org_tab(request) -> str:
    name = request.resolver_match.url_name if request.resolver_match else ""
    for prefix, tab in (
        ("org_member", "org_members"),
        ("org_invit", "org_members"),
        ("role", "roles"),
        ("audit", "audit_log"),
        ("api_key", "api_keys"),
        ("org_analytics", "org_analytics"),
        ("org_settings", "org_settings"),
    ):
        if name.startswith(prefix):
            return tab
    return ""


def org_nav(request, access: OrgAccess) -> dict:
    return {
        "org_tab": _org_tab(request),
        "org": access.organization,
        "access": access,
        "perms": access.permissions,
        "orgs": [m.organization for m in account_orgs(account=request.user)],
        "org_tabs": [(name, label) for name, label, perm in ORG_TABS if access.has(perm)],
        # The main navigation's Search link: asked only when a page draws it (no query when the
        # org role decides, one otherwise; a team tab that reads calls already knows).
        "can_search": lambda: reads_somewhere(access, resource="calls"),
    }


def team_nav(request, access: TeamAccess, tab: str) -> dict:
    nav = org_nav(request, access.org)
    if any(access.has(p) for p in TAB_PERMISSIONS["team_calls"]):
        nav["can_search"] = True
    return {
        **nav,
        "team": access.team,
        "team_access": access,
        "team_perms": access.permissions,
        "tab": tab,
        "team_tabs": [
            (name, label) for name, label, perms in TEAM_TABS if any(access.has(p) for p in perms)
        ],
    }


def render_org(
    request, access: OrgAccess, template: str, context=None, *, section: str, status=200
):
    return render(
        request,
        template,
        {**org_nav(request, access), "section": section, **(context or {})},
        status=status,
    )


def render_team(request, access: TeamAccess, template: str, context=None, *, tab: str, status=200):
    return render(
        request,
        template,
        {**team_nav(request, access, tab), "section": "teams", **(context or {})},
        status=status,
    )
