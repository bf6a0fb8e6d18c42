"""The demo organization: several teams, members in every built-in role and a custom role. Built
through the same services as the API, so the demo's audit log reads like real use.

Loading is idempotent: the first run builds everything in one transaction and then loads the
calls; a later run touches only what the demo made. It recognises its organization and its three
teams by their audit entries (the organization its admin created first, and the first teams
created in it, which the setup transaction made before anyone else could see the organization),
so renaming them or adding teams changes nothing: a re-run only stores the demo calls its own
teams do not have yet (none, once loaded)."""

from django.db import transaction

from callstudio.access.policy import org_access, team_access
from callstudio.access.services import role_create
from callstudio.accounts.models import Account
from callstudio.accounts.services import account_email_trust
from callstudio.core.audit_actions import AuditAction
from callstudio.core.models import AuditLogEntry
from callstudio.directory.services import (
    org_member_add,
    organization_create,
    team_create,
    team_member_add,
)
from callstudio.orgs.models import Organization, Team, TeamMembership
from callstudio.pipeline.analysis import analyze_pending
from callstudio.rules.services import alert_rule_create, automation_create, tracker_create

from .data import load_demo_calls

DEMO_PASSWORD = "callstudio-demo"
ORG_NAME = "Acme Support"
PEOPLE = [
    # email, name, org role, {team: team role}
    ("admin@acme.example", "Ada Admin", "admin", {}),
    ("manager@acme.example", "Mona Manager", "manager", {}),
    ("member@acme.example", "Milo Member", "member", {}),
    (
        "supervisor@acme.example",
        "Sam Supervisor",
        "member",
        {"Billing": "supervisor", "Retention": "supervisor"},
    ),
    ("agent@acme.example", "Alex Agent", "member", {"Billing": "agent"}),
    ("agent2@acme.example", "Bea Agent", "member", {"Billing": "agent", "Onboarding": "agent"}),
    ("agent3@acme.example", "Cruz Agent", "member", {"Retention": "agent"}),
    ("qa@acme.example", "Quinn Reviewer", "member", {"Onboarding": "QA Reviewer"}),
]
TEAMS = [
    ("Billing", "Invoices, refunds and payment questions."),
    ("Onboarding", "First calls with new customers."),
    ("Retention", "Customers thinking of leaving."),
]
QA_PERMISSIONS = ["team.read", "team.members.read", "calls.read.all", "analytics.read.all"]


def _account(email: str, name: str) -> Account:
    account = Account.objects.filter(email=email).first()
    if account is None:
        account = Account.objects.create_user(email=email, password=DEMO_PASSWORD, name=name)
        # The demo's people are the operator's own fixtures: their addresses link their calls.
        account_email_trust(account=account)
    return account


def load_demo(progress=print) -> tuple[Organization, bool, list[tuple[str, str]]]:
    logins = [
        (email, f"{role}" + "".join(f", {r} in {t}" for t, r in teams.items()))
        for email, _, role, teams in PEOPLE
    ]
    admin = _account(PEOPLE[0][0], PEOPLE[0][1])
    existing = demo_organization(admin)
    if existing:
        _load_calls(existing, progress)
        return existing, False, logins
    with transaction.atomic():
        progress("organization and teams")
        org = organization_create(actor=admin, name=ORG_NAME)
        access = org_access(admin, org.id)
        teams = {
            name: team_create(access=access, name=name, description=desc) for name, desc in TEAMS
        }
        qa = role_create(
            access=access,
            name="QA Reviewer",
            scope="team",
            permissions=QA_PERMISSIONS,
            description="Reviews every call of a team; changes nothing.",
        )
        progress("members and roles")
        for email, name, role, team_roles in PEOPLE[1:]:
            account = _account(email, name)
            org_member_add(access=access, account_id=account.account_id, role=role)
            for team_name, team_role in team_roles.items():
                ref = qa.id if team_role == qa.name else team_role
                team_member_add(
                    access=team_access(access, teams[team_name].id),
                    account_id=account.account_id,
                    role=ref,
                )
        progress("alert rules and automations")
        for team in teams.values():
            _demo_rules(team_access(access, team.id))
    _load_calls(org, progress)
    return org, True, logins


def _demo_rules(access) -> None:
    alert_rule_create(
        access=access,
        name="Cancellation risk",
        condition={"type": "keyword", "phrases": ["cancel", "refund"]},
    )
    alert_rule_create(
        access=access, name="Unhappy customer", condition={"type": "sentiment_below", "value": -0.3}
    )
    automation_create(
        access=access,
        name="Tag long calls",
        trigger="call.ingested",
        conditions=[{"type": "duration_above", "seconds": 900}],
        actions=[{"type": "add_tag", "tag": "long-call"}],
    )
    # Trackers: saved searches counted in the Analytics tab (docs/search.md for the language).
    tracker_create(access=access, name="Cancellation", query="cancel*")
    tracker_create(access=access, name="Refund asked by the customer", query="customer:refund*")


CALLS_PER_TEAM = 1200


def demo_organization(admin: Account) -> Organization | None:
    """The organization the demo made: the first one its admin created."""
    entry = (
        AuditLogEntry.objects.filter(actor=admin, action=AuditAction.ORG_CREATE)
        .order_by("id")
        .select_related("organization")
        .first()
    )
    return entry.organization if entry else None


def demo_teams(org: Organization) -> list[tuple[str, Team]]:
    """The demo's own teams with the names the demo gave them, whatever they are called now.
    Teams a user added later are never among them."""
    ids = list(
        AuditLogEntry.objects.filter(organization=org, action=AuditAction.TEAM_CREATE)
        .order_by("id")
        .values_list("target_id", flat=True)[: len(TEAMS)]
    )
    teams = Team.objects.in_bulk(ids)
    return [(name, teams[i]) for (name, _), i in zip(TEAMS, ids, strict=False) if i in teams]


def _load_calls(org, progress) -> None:
    """A few thousand calls across the demo's teams, by their agents (idempotent by external
    ID). Analysis runs only when something new was stored."""
    stored = 0
    for seed, (name, team) in enumerate(demo_teams(org)):
        agents = list(
            TeamMembership.objects.filter(
                team=team, revoked_at__isnull=True, role="agent"
            ).values_list("account__email", flat=True)
        )
        stored += load_demo_calls(
            team, agents, count=CALLS_PER_TEAM, seed=seed, name=name, progress=progress
        )
    if stored:
        analyze_pending(
            progress=lambda n: progress(f"analysed {n} calls (sentiment, alerts, rollups)")
        )
