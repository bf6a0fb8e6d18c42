"""Accepting twice at once (two tabs, a double click, two devices) makes one membership."""

import pytest

from callstudio.access.policy import org_access
from callstudio.directory.services import invitation_accept, invitation_create, organization_create
from callstudio.orgs.models import Invitation, OrgMembership, TeamMembership
from tests.conftest import make_account
from tests.orgs.test_races import run_together

from .conftest import verified


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_accepts_at_once_make_one_membership(attempt):
    admin = make_account(f"admin{attempt}@race.test")
    org = organization_create(actor=admin, name="Race")
    access = org_access(admin, org.id)
    from callstudio.directory.services import team_create

    team = team_create(access=access, name="Support")
    invitee = verified(make_account(f"invitee{attempt}@race.test"))
    _, token = invitation_create(
        access=access, email=invitee.email, teams=[{"team": team.id, "role": "agent"}]
    )
    results = run_together(
        lambda: invitation_accept(account=invitee, token=token),
        lambda: invitation_accept(account=invitee, token=token),
    )
    assert sorted(str(r[0]) for r in results) == ["410", "ok"], results
    assert OrgMembership.objects.filter(organization=org, account=invitee).count() == 1
    assert TeamMembership.objects.filter(team=team, account=invitee).count() == 1
    assert Invitation.objects.get(organization=org).status == "accepted"


@pytest.mark.django_db(transaction=True)
def test_two_admins_inviting_one_address_at_once_make_one_invitation():
    a, b = make_account("ia@race.test"), make_account("ib@race.test")
    org = organization_create(actor=a, name="Race")
    from callstudio.directory.services import org_member_add

    org_member_add(access=org_access(a, org.id), account_id=b.account_id, role="admin")
    access_a, access_b = org_access(a, org.id), org_access(b, org.id)
    results = run_together(
        lambda: invitation_create(access=access_a, email="same@race.test"),
        lambda: invitation_create(access=access_b, email="same@race.test"),
    )
    assert sorted(str(r[0]) for r in results) == ["409", "ok"], results
    assert Invitation.objects.filter(organization=org, email="same@race.test").count() == 1
