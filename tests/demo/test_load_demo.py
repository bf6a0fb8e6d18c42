"""`callstudio demo` (load_demo) a second time changes nothing: not the demo's own teams, and not
what a user made in the demo organization."""

import pytest
from django.db.models import Count

from callstudio.access.models import Role
from callstudio.accounts.models import Account
from callstudio.accounts.services import token_create
from callstudio.analytics.models import DayRollup, TermRollup
from callstudio.calls.models import Call
from callstudio.core.models import AuditLogEntry
from callstudio.demo import loader
from callstudio.orgs.models import Organization, OrgMembership, Team, TeamMembership
from callstudio.rules.models import Alert, AlertRule, Automation
from tests.conftest import Api


@pytest.fixture(autouse=True)
def fewer_calls(monkeypatch):
    # The demo's size, not its logic: 1,200 calls per team would only make the test slow.
    monkeypatch.setattr(loader, "CALLS_PER_TEAM", 40)


def per_team(model) -> dict:
    return dict(model.objects.values_list("team_id").annotate(n=Count("id")).order_by("team_id"))


def state() -> dict:
    return {
        "accounts": Account.objects.count(),
        "orgs": Organization.objects.count(),
        "teams": sorted(Team.objects.values_list("id", "name")),
        "roles": Role.objects.count(),
        "org_members": sorted(OrgMembership.objects.values_list("account_id", "role", "status")),
        "team_members": sorted(TeamMembership.objects.values_list("team_id", "account_id", "role")),
        "calls": per_team(Call),
        "analysed": Call.objects.filter(analyzed_at__isnull=True).count(),
        "rules": per_team(AlertRule),
        "automations": per_team(Automation),
        "alerts": per_team(Alert),
        "day_rollups": DayRollup.objects.count(),
        "term_rollups": TermRollup.objects.count(),
        "audit": AuditLogEntry.objects.count(),
    }


def quiet(_msg) -> None:
    pass


def admin_api() -> Api:
    _, raw = token_create(account=Account.objects.get(email="admin@acme.example"), name="t")
    return Api(raw)


def test_first_run_loads_three_teams_and_a_second_changes_nothing(db):
    org, created, logins = loader.load_demo(progress=quiet)
    assert created and len(logins) == len(loader.PEOPLE)
    first = state()
    assert sorted(name for _, name in first["teams"]) == ["Billing", "Onboarding", "Retention"]
    assert sorted(first["calls"].values()) == [40, 40, 40]
    assert first["analysed"] == 0 and first["day_rollups"] > 0
    assert sorted(first["rules"].values()) == [2, 2, 2]
    assert sorted(first["automations"].values()) == [1, 1, 1]

    again, created, _ = loader.load_demo(progress=quiet)
    assert again.id == org.id and not created
    assert state() == first


def test_a_rerun_leaves_a_users_team_and_renamed_demo_teams_alone(db):
    org, _, _ = loader.load_demo(progress=quiet)
    api = admin_api()
    made = api.post(f"/api/v1/orgs/{org.id}/teams", {"name": "Escalations"})
    assert made.status_code == 201
    billing = Team.objects.get(organization=org, name="Billing")
    renamed = api.patch(f"/api/v1/orgs/{org.id}/teams/{billing.id}", {"name": "Billing EU"})
    assert renamed.status_code == 200
    # A new team may even take a demo team's former name: it is still the user's.
    assert api.post(f"/api/v1/orgs/{org.id}/teams", {"name": "Billing"}).status_code == 201
    archived = api.post(f"/api/v1/orgs/{org.id}/teams/{billing.id}/archive")
    assert archived.status_code == 200  # and stays archived
    before = state()

    _, created, _ = loader.load_demo(progress=quiet)
    assert not created
    assert state() == before
    users = Team.objects.filter(organization=org, name__in=["Escalations", "Billing"])
    assert users.count() == 2
    assert not Call.objects.filter(team__in=users).exists()


def test_a_rerun_completes_calls_an_interrupted_first_run_did_not_store(db):
    org, _, _ = loader.load_demo(progress=quiet)
    complete = state()
    retention = Team.objects.get(organization=org, name="Retention")
    Call.objects.filter(team=retention).delete()
    DayRollup.objects.filter(team=retention).delete()
    TermRollup.objects.filter(team=retention).delete()
    Alert.objects.filter(team=retention).delete()
    assert state()["calls"].get(retention.id) is None

    loader.load_demo(progress=quiet)
    after = state()
    assert after["calls"] == complete["calls"] and after["analysed"] == 0
    assert after["audit"] == complete["audit"] and after["team_members"] == complete["team_members"]
