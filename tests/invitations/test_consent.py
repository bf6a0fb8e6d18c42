"""Consent: someone added by account ID is told by mail, and anyone can leave an organization
(teams revoked, membership archived, restorable); the last Admin cannot."""

import pytest

from callstudio.access.policy import org_access
from callstudio.core.models import AuditLogEntry
from callstudio.directory.services import org_member_add, organization_create
from callstudio.orgs.models import OrgMembership, TeamMembership
from tests.conftest import make_account, person
from tests.helpers import assert_problem, assert_unchanged, expect, fingerprint
from tests.orgs.test_races import run_together


def test_adding_by_account_id_mails_the_person_a_notice_after_commit(
    world, smtp, django_capture_on_commit_callbacks
):
    outsider = world["outsider"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        expect(
            world.api("admin").post(
                f"{world.org_url}/members", {"account_id": outsider.account_id, "role": "member"}
            ),
            201,
        )
    assert len(callbacks) == 1
    message = smtp.wait_for("outsider@elsewhere.test", subject="added")
    assert message.subject == "You were added to Acme on CallStudio"
    assert "You were added to Acme as Member by Admin (admin@acme.test)" in message.body
    assert any(link.endswith("/profile/orgs") for link in message.links)


def test_a_refused_add_mails_nothing(world, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert_problem(
            world.api("admin").post(
                f"{world.org_url}/members", {"account_id": world["member"].account_id}
            ),
            409,
            code="already_member",
        )
    assert callbacks == []
    assert smtp.messages == []


def test_leaving_revokes_the_teams_and_archives_the_membership(world):
    agent = world["agent"]
    body = expect(world.api("agent").delete(f"/api/v1/me/orgs/{world.org.id}"), 200)
    assert body == {"account_id": agent.account_id, "status": "archived", "role": "member"}
    membership = OrgMembership.objects.get(organization=world.org, account=agent.account)
    assert membership.status == "archived" and membership.archived_at is not None
    assert not TeamMembership.objects.filter(account=agent.account, revoked_at__isnull=True)
    entry = AuditLogEntry.objects.filter(action="member.leave").get()
    assert entry.actor == agent.account and entry.organization == world.org
    assert entry.after == {"status": "archived", "teams": [world.team.id]}
    assert AuditLogEntry.objects.filter(action="team.member.revoke", team=world.team).exists()
    # Gone at once, and an admin can bring them back.
    assert_problem(world.api("agent").get(world.org_url), 404)
    expect(
        world.api("admin").post(f"{world.org_url}/members/{agent.account_id}/restore"),
        200,
    )
    expect(world.api("agent").get(world.org_url), 200)


def test_the_last_admin_cannot_leave_and_strangers_get_404(world):
    before = fingerprint()
    assert_problem(
        world.api("admin").delete(f"/api/v1/me/orgs/{world.org.id}"), 409, code="last_admin"
    )
    assert_problem(world.api("outsider").delete(f"/api/v1/me/orgs/{world.org.id}"), 404)
    assert_problem(world.api("foreign_admin").delete(f"/api/v1/me/orgs/{world.org.id}"), 404)
    assert_problem(world.api(None).delete(f"/api/v1/me/orgs/{world.org.id}"), 401)
    assert_unchanged(before, "leave refused")
    # With a second Admin, the first may go.
    second = person("second-admin@acme.test")
    admin = org_access(world["admin"].account, world.org.id)
    org_member_add(access=admin, account_id=second.account_id, role="admin")
    expect(world.api("admin").delete(f"/api/v1/me/orgs/{world.org.id}"), 200)
    before = fingerprint()
    assert_problem(
        world.api(None).as_(second.token).delete(f"/api/v1/me/orgs/{world.org.id}"),
        409,
        code="last_admin",
    )
    assert_unchanged(before, "now the last admin")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_admins_leaving_at_once_leave_one_admin(attempt):
    from callstudio.directory.services import org_member_leave

    a, b = make_account(f"la{attempt}@race.test"), make_account(f"lb{attempt}@race.test")
    org = organization_create(actor=a, name="Race")
    org_member_add(access=org_access(a, org.id), account_id=b.account_id, role="admin")
    access_a, access_b = org_access(a, org.id), org_access(b, org.id)
    results = run_together(
        lambda: org_member_leave(access=access_a), lambda: org_member_leave(access=access_b)
    )
    assert sorted(str(r[0]) for r in results) == ["409", "ok"], results
    assert (
        OrgMembership.objects.filter(organization=org, role="admin", status="active").count() == 1
    )
