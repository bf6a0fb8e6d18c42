"""A stateful property test: random sequences of add member → add to teams → change roles →
ingest calls → revoke from teams → revoke from the organization → restore, checked against a
model after every step. Invariants: the organization always has an active Admin; an archived
member reaches nothing; restore gives back the same role; no call is lost or duplicated."""

import uuid

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from callstudio.access.permissions import ALL
from callstudio.access.policy import org_access, team_access
from callstudio.access.services import role_create
from callstudio.calls.ingest import store_calls
from callstudio.calls.models import Call
from callstudio.calls.schemas import CallIn
from callstudio.core.errors import Conflict, DomainError, Forbidden, NotFound
from callstudio.directory import services
from callstudio.orgs.models import OrgMembership
from tests.conftest import make_account

PEOPLE = 4
ROOT = -1  # the founder, an Admin who may be demoted by another Admin
ORG_ROLES = ["member", "manager", "admin", "everything"]  # everything: a custom role holding all
TEAM_ROLES = ["agent", "supervisor"]


class Membership(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        tag = uuid.uuid4().hex[:8]
        self.admin = make_account(f"root-{tag}@state.test")
        self.org = services.organization_create(actor=self.admin, name=f"State {tag}")
        root = org_access(self.admin, self.org.id)
        self.teams = [services.team_create(access=root, name=f"T{i}") for i in range(2)]
        self.everything = role_create(
            access=root, name="Everything", scope="org", permissions=sorted(ALL)
        ).id
        self.people = [make_account(f"p{i}-{tag}@state.test") for i in range(PEOPLE)]
        self.status = {ROOT: "active"}  # person index -> "active" | "archived"
        self.role = {ROOT: "admin"}  # person index -> org role
        self.in_team = {}  # (person, team) -> role
        self.sent = set()  # (team, external_id) of every call sent

    def ref(self, role):
        return self.everything if role == "everything" else role

    def account(self, p):
        return self.admin if p == ROOT else self.people[p]

    def sole_admin(self, p) -> bool:
        return {
            q for q, r in self.role.items() if r == "admin" and self.status.get(q) == "active"
        } == {p}

    def root(self, target):
        """Acting as an active Admin other than the target (nobody acts on their own membership;
        the founder while they are an Admin). The invariant guarantees one exists."""
        admins = [
            q
            for q, r in self.role.items()
            if r == "admin" and self.status.get(q) == "active" and q != target
        ]
        if not admins:  # the target is the only Admin: acting on them is acting on yourself
            admins = [target]
        return org_access(self.account(admins[0]), self.org.id)

    @rule(p=st.integers(0, PEOPLE - 1), role=st.sampled_from(ORG_ROLES))
    def add_member(self, p, role):
        try:
            services.org_member_add(
                access=self.root(p), account_id=self.people[p].account_id, role=self.ref(role)
            )
        except Conflict:
            assert p in self.status
            return
        assert p not in self.status
        self.status[p], self.role[p] = "active", role

    @rule(p=st.integers(0, PEOPLE - 1), t=st.integers(0, 1), role=st.sampled_from(TEAM_ROLES))
    def add_to_team(self, p, t, role):
        access = team_access(self.root(p), self.teams[t].id)
        try:
            services.team_member_add(access=access, account_id=self.people[p].account_id, role=role)
        except DomainError:
            assert self.status.get(p) != "active" or (p, t) in self.in_team
            return
        assert self.status.get(p) == "active" and (p, t) not in self.in_team
        self.in_team[(p, t)] = role

    @rule(
        actor=st.integers(ROOT, PEOPLE - 1),
        p=st.integers(ROOT, PEOPLE - 1),
        role=st.sampled_from(ORG_ROLES),
    )
    def change_role(self, actor, p, role):
        """Anyone may try; only an active Admin other than the target succeeds, and never by
        leaving the organization without an active Admin."""
        admins = {
            q for q, r in self.role.items() if r == "admin" and self.status.get(q) == "active"
        }
        powerful = {
            q
            for q, r in self.role.items()
            if r in ("admin", "everything") and self.status.get(q) == "active"
        }
        try:
            access = org_access(self.account(actor), self.org.id)
            services.org_member_change_role(
                access=access, account_id=self.account(p).account_id, role=self.ref(role)
            )
        except NotFound:
            assert self.status.get(actor) != "active" or p not in self.status
            return
        except Forbidden:
            assert actor not in powerful or actor == p
            return
        except Conflict:
            assert self.status.get(p) == "archived" or (admins == {p} and role != "admin")
            return
        assert actor in powerful and actor != p and self.status.get(p) == "active"
        assert not (admins == {p} and role != "admin"), "the last active Admin was demoted"
        self.role[p] = role

    @precondition(
        lambda self: any(
            r == "everything" and self.status.get(q) == "active" for q, r in self.role.items()
        )
    )
    @rule(data=st.data())
    def demote_an_admin_with_the_full_custom_role(self, data):
        """The one way to reach the last Admin in sequence: someone holding every permission
        through a custom role (an Admin cannot change their own role)."""
        actor = data.draw(
            st.sampled_from(
                sorted(
                    q
                    for q, r in self.role.items()
                    if r == "everything" and self.status.get(q) == "active"
                )
            )
        )
        target = data.draw(
            st.sampled_from(
                sorted(
                    q
                    for q, r in self.role.items()
                    if r == "admin" and self.status.get(q) == "active"
                )
            )
        )
        self.change_role(actor, target, "member")

    @rule(
        t=st.integers(0, 1),
        p=st.integers(0, PEOPLE - 1),
        ids=st.lists(st.integers(0, 30), min_size=1, max_size=8),
    )
    def ingest(self, t, p, ids):
        calls = [
            CallIn.model_validate(
                {
                    "external_id": f"c{i}",
                    "started_at": "2026-11-20T10:00:00Z",
                    "duration_seconds": 30,
                    "agent": {"email": self.people[p].email},
                }
            )
            for i in ids
        ]
        inserted = store_calls(team=self.teams[t], calls=calls)
        new = {(t, f"c{i}") for i in ids} - self.sent
        assert set(inserted) == {e for _, e in new}
        self.sent |= new

    @rule(p=st.integers(0, PEOPLE - 1), t=st.integers(0, 1))
    def revoke_from_team(self, p, t):
        access = team_access(self.root(p), self.teams[t].id)
        try:
            services.team_member_revoke(access=access, account_id=self.people[p].account_id)
        except Forbidden:
            assert self.sole_admin(p)  # they would be revoking themselves
            return
        except NotFound:
            assert (p, t) not in self.in_team
            return
        del self.in_team[(p, t)]

    @rule(p=st.integers(0, PEOPLE - 1))
    def revoke_from_org(self, p):
        try:
            services.org_member_revoke(access=self.root(p), account_id=self.people[p].account_id)
        except Forbidden:
            assert self.sole_admin(p)
            return
        except Conflict:
            assert self.status.get(p) == "archived" or any(k[0] == p for k in self.in_team)
            return
        except NotFound:
            assert p not in self.status
            return
        assert not any(k[0] == p for k in self.in_team)
        self.status[p] = "archived"

    @precondition(lambda self: any(s == "archived" for s in self.status.values()))
    @rule(data=st.data())
    def restore(self, data):
        p = data.draw(st.sampled_from(sorted(k for k, s in self.status.items() if s == "archived")))
        membership = services.org_member_restore(
            access=self.root(p), account_id=self.people[p].account_id
        )
        assert membership.role_ref == self.ref(self.role[p])  # the same role as before
        self.status[p] = "active"

    @invariant()
    def always_an_active_admin(self):
        if hasattr(self, "org"):
            assert OrgMembership.objects.filter(
                organization=self.org, role="admin", status="active"
            ).exists()

    @invariant()
    def archived_members_reach_nothing(self):
        for p, status in getattr(self, "status", {}).items():
            if status == "archived":
                with pytest.raises(NotFound):
                    org_access(self.people[p], self.org.id)

    @invariant()
    def no_call_lost_or_duplicated(self):
        if hasattr(self, "teams"):
            stored = set(
                Call.objects.filter(team__in=self.teams).values_list("team_id", "external_id")
            )
            assert stored == {(self.teams[t].id, e) for t, e in self.sent}
            assert Call.objects.filter(team__in=self.teams).count() == len(self.sent)


@pytest.mark.django_db
def test_membership_state_machine():
    run_state_machine_as_test(
        Membership,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
