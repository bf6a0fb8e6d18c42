"""The policy point: deny by default, and the row filter later issues reuse for calls."""

import pytest

from callstudio.access.policy import org_access, readable_teams, team_access
from callstudio.core.errors import Forbidden, NotFound
from callstudio.orgs.models import TeamMembership


def test_strangers_and_archived_members_are_not_found(world):
    with pytest.raises(NotFound):
        org_access(world["outsider"].account, world.org.id)
    with pytest.raises(NotFound):
        org_access(world["admin"].account, world.foreign_org.id)
    with pytest.raises(NotFound):
        team_access(org_access(world["admin"].account, world.org.id), world.foreign_team.id)


def test_a_member_without_a_team_role_holds_nothing_in_the_team(world):
    access = team_access(org_access(world["member"].account, world.org.id), world.team.id)
    assert access.permissions == frozenset()
    with pytest.raises(Forbidden):
        access.require("team.read")


def test_row_filter_gives_all_own_or_nothing(world):
    """`restrict` over team-membership rows, owned by their account, read as if they were calls."""

    def visible(who):
        access = team_access(org_access(world[who].account, world.org.id), world.team.id)
        rows = access.restrict(
            TeamMembership.objects.all(), resource="calls", owner_field="account_id"
        )
        return sorted(rows.values_list("account__email", flat=True))

    everyone = ["agent@acme.test", "qa@acme.test", "supervisor@acme.test"]
    assert visible("supervisor") == everyone  # calls.read.all
    assert visible("manager") == everyone  # org role grants team permissions everywhere
    assert visible("qa") == everyone  # custom role with calls.read.all
    assert visible("agent") == ["agent@acme.test"]  # calls.read.own
    assert visible("member") == []  # nothing: deny by default


def test_row_filter_never_crosses_teams(world):
    access = team_access(org_access(world["admin"].account, world.org.id), world.other_team.id)
    rows = access.restrict(TeamMembership.objects.all(), resource="calls", owner_field="account_id")
    assert list(rows) == []


def test_readable_teams_is_a_queryset_filter(world, django_assert_num_queries):
    access = org_access(world["agent"].account, world.org.id)
    with django_assert_num_queries(2):
        assert [t.name for t in readable_teams(access)] == ["Billing"]
