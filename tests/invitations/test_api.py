"""Invitations over HTTP: invite by email, the mail and its link, accept by the invitee only,
and every refusal leaving the data as it was."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from callstudio.access.policy import org_access
from callstudio.access.services import role_create
from callstudio.core.models import AuditLogEntry
from callstudio.directory.services import org_member_change_role
from callstudio.orgs.models import Invitation, OrgMembership, TeamMembership
from tests.conftest import Api, person
from tests.helpers import assert_problem, assert_unchanged, expect, fingerprint

from .conftest import invite, token_of, verified

EMAIL = "newcomer@elsewhere.test"


def _accept(token_holder, token):
    return token_holder.post(f"/api/v1/invitations/{token}/accept")


def test_invite_mails_a_link_that_makes_the_invitee_a_member_with_role_and_teams(
    world, invitee, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        body = expect(
            invite(
                world,
                role="manager",
                teams=[{"team": world.team.id, "role": "supervisor"}],
            ),
            201,
        )
    assert body["email"] == EMAIL and body["role"] == "manager" and body["status"] == "pending"
    assert body["teams"] == [
        {
            "team": {"id": world.team.id, "name": "Billing"},
            "role": "supervisor",
            "role_name": "Supervisor",
        }
    ]
    assert body["invited_by"]["account_id"] == world["admin"].account_id
    days = (Invitation.objects.get(id=body["id"]).expires_at - timezone.now()).days
    assert days == settings.CALLSTUDIO_INVITATION_DAYS - 1
    message = smtp.wait_for(EMAIL, subject="invited")
    assert "Acme" in message.subject and "as Manager" in message.body
    [link] = [link for link in message.links if "/invitations/" in link]
    assert link.startswith(settings.CALLSTUDIO_URL.rstrip("/") + "/invitations/")
    token = token_of(message)
    # Only a digest is stored: the raw token is nowhere in the database.
    assert not Invitation.objects.filter(token_digest=token).exists()

    accepted = expect(_accept(Api(invitee.token), token), 200)
    assert accepted == {
        "org": {"id": world.org.id, "name": "Acme"},
        "role": "manager",
        "role_name": "Manager",
    }
    membership = OrgMembership.objects.get(organization=world.org, account=invitee.account)
    assert (membership.status, membership.role) == ("active", "manager")
    team = TeamMembership.objects.get(team=world.team, account=invitee.account)
    assert team.role == "supervisor" and team.revoked_at is None
    assert expect(Api(invitee.token).get(f"{world.team_url}/members"), 200)
    actions = list(
        AuditLogEntry.objects.filter(organization=world.org)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-4:] == [
        "invitation.create",
        "member.add",
        "team.member.add",
        "invitation.accept",
    ]
    listed = expect(world.api("admin").get(f"{world.org_url}/invitations", status="accepted"), 200)
    assert [i["id"] for i in listed["items"]] == [body["id"]]
    assert listed["items"][0]["status"] == "accepted"


def test_a_used_unknown_revoked_or_expired_token_is_gone(world, invitee):
    body = expect(invite(world), 201)
    invitation = Invitation.objects.get(id=body["id"])
    # The raw token is only in the mail; this test takes the one create returned instead.
    from callstudio.directory.services import invitation_resend

    _, token = invitation_resend(
        access=org_access(world["admin"].account, world.org.id), invitation_id=invitation.id
    )
    client = Api(invitee.token)
    expect(_accept(client, token), 200)
    before = fingerprint()
    assert_problem(_accept(client, token), 410, code="invitation_gone")
    assert_problem(_accept(client, "not-a-token"), 410, code="invitation_gone")
    assert_unchanged(before, "used and unknown tokens")

    other = person("second@elsewhere.test")
    verified(other.account)
    created = expect(invite(world, "second@elsewhere.test"), 201)
    admin = org_access(world["admin"].account, world.org.id)
    _, token = invitation_resend(access=admin, invitation_id=created["id"])
    Invitation.objects.filter(id=created["id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    before = fingerprint()
    assert_problem(_accept(Api(other.token), token), 410, code="invitation_gone")
    assert_unchanged(before, "expired")
    listed = expect(world.api("admin").get(f"{world.org_url}/invitations", status="expired"), 200)
    assert [i["id"] for i in listed["items"]] == [created["id"]]
    assert listed["items"][0]["status"] == "expired"

    _, token = invitation_resend(access=admin, invitation_id=created["id"])
    expect(world.api("admin").delete(f"{world.org_url}/invitations/{created['id']}"), 200)
    before = fingerprint()
    assert_problem(_accept(Api(other.token), token), 410, code="invitation_gone")
    assert_unchanged(before, "revoked")


def test_resend_gives_a_new_link_and_the_old_one_answers_410(
    world, invitee, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = expect(invite(world), 201)
    old = token_of(smtp.wait_for(EMAIL))
    Invitation.objects.filter(id=created["id"]).update(expires_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        resent = expect(
            world.api("admin").post(f"{world.org_url}/invitations/{created['id']}/resend"), 200
        )
    assert resent["status"] == "pending"
    assert resent["expires_at"] > created["expires_at"]
    new = token_of(smtp.wait_for(EMAIL, count=2))
    assert new != old
    client = Api(invitee.token)
    before = fingerprint()
    assert_problem(_accept(client, old), 410, code="invitation_gone")
    assert_unchanged(before, "old link")
    expect(_accept(client, new), 200)


def test_accepting_needs_the_invited_address_verified_on_the_callers_account(world, invitee):
    created = expect(invite(world), 201)
    from callstudio.directory.services import invitation_resend

    admin = org_access(world["admin"].account, world.org.id)
    _, token = invitation_resend(access=admin, invitation_id=created["id"])
    before = fingerprint()
    # Another account, a member of nothing.
    assert_problem(_accept(world.api("outsider"), token), 403, code="wrong_account")
    # An account whose address is the invited one but not verified.
    unverified = person("unverified@elsewhere.test", verified=False)
    created = expect(invite(world, "unverified@elsewhere.test"), 201)
    _, token2 = invitation_resend(access=admin, invitation_id=created["id"])
    before = fingerprint()
    assert_problem(_accept(Api(unverified.token), token2), 403, code="wrong_account")
    # Without credentials: 401.
    assert_problem(_accept(Api(), token), 401)
    assert_unchanged(before, "wrong accounts")
    # A verified secondary address counts.
    verified(unverified.account, "unverified@elsewhere.test")
    expect(_accept(Api(unverified.token), token2), 200)


def test_inviting_with_a_role_above_your_own_is_forbidden(world):
    admin = org_access(world["admin"].account, world.org.id)
    inviter_role = role_create(
        access=admin,
        name="Recruiter",
        scope="org",
        permissions=["org.read", "org.members.read", "org.members.add"],
    )
    org_member_change_role(
        access=admin, account_id=world["member"].account_id, role=inviter_role.id
    )
    before = fingerprint()
    for body in (
        {"role": "manager"},
        {"role": "admin"},
        # No team.members.manage in Billing: no team can be offered.
        {"teams": [{"team": world.team.id, "role": "agent"}]},
    ):
        response = invite(world, who="member", **body)
        assert_problem(response, 403)
    # Manager holds every team permission but not org.members.add.
    assert_problem(invite(world, who="manager"), 403)
    assert_problem(invite(world, who="supervisor"), 403)
    assert_unchanged(before, "role above own")
    ok = expect(invite(world, who="member"), 201)
    assert ok["role"] == "member"


def test_conflicts_and_invalid_teams_change_nothing(world):
    admin = org_access(world["admin"].account, world.org.id)
    from callstudio.directory.services import org_member_revoke

    org_member_revoke(access=admin, account_id=world["member"].account_id)
    expect(invite(world), 201)
    before = fingerprint()
    assert_problem(invite(world, "Manager@Acme.test"), 409, code="already_member", field="email")
    archived = invite(world, "member@acme.test")
    assert_problem(archived, 409, code="archived_member")
    assert archived.json()["restore"].endswith(f"/members/{world['member'].account_id}/restore")
    assert_problem(invite(world, "NEWCOMER@elsewhere.test"), 409, code="pending_invitation")
    assert_problem(
        invite(world, "x@y.test", teams=[{"team": world.foreign_team.id, "role": "agent"}]),
        422,
        field="teams",
    )
    assert_problem(
        invite(world, "x@y.test", teams=[{"team": world.team.id, "role": "manager"}]),
        422,
        field="teams",
    )
    assert_problem(
        invite(
            world,
            "x@y.test",
            teams=[
                {"team": world.team.id, "role": "agent"},
                {"team": world.team.id, "role": "agent"},
            ],
        ),
        422,
        field="teams",
    )
    assert_problem(invite(world, "not an email"), 422, field="email")
    assert_problem(invite(world, "x@y.test", role="supervisor"), 422, field="role")
    assert_problem(
        world.api("admin").post(
            f"{world.org_url}/invitations", {"email": "x@y.test", "id": "inv_1"}
        ),
        422,
    )
    assert_unchanged(before, "conflicts")


def test_other_organizations_and_members_without_the_permission_are_refused(world):
    created = expect(invite(world), 201)
    url = f"{world.org_url}/invitations"
    before = fingerprint()
    assert_problem(world.api("foreign_admin").post(url, {"email": "a@b.test"}), 404)
    assert_problem(world.api("foreign_admin").get(url), 404)
    assert_problem(world.api("foreign_admin").delete(f"{url}/{created['id']}"), 404)
    for who in ("manager", "member", "agent"):
        assert_problem(world.api(who).get(url), 403)
        assert_problem(world.api(who).post(f"{url}/{created['id']}/resend"), 403)
        assert_problem(world.api(who).delete(f"{url}/{created['id']}"), 403)
    # Globex's admin cannot reach Acme's invitation through Globex either.
    foreign_url = f"/api/v1/orgs/{world.foreign_org.id}/invitations/{created['id']}"
    assert_problem(world.api("foreign_admin").delete(foreign_url), 404)
    assert_problem(world.api("admin").get(url, status="bogus"), 422, field="status")
    assert_unchanged(before, "strangers")


def test_revoked_or_accepted_invitations_cannot_be_resent_or_revoked_again(world):
    created = expect(invite(world), 201)
    url = f"{world.org_url}/invitations/{created['id']}"
    assert expect(world.api("admin").delete(url), 200)["status"] == "revoked"
    before = fingerprint()
    assert_problem(world.api("admin").delete(url), 409, code="not_pending")
    assert_problem(world.api("admin").post(f"{url}/resend"), 409, code="not_pending")
    assert_unchanged(before, "revoked twice")
    # A revoked invitation no longer blocks a new one.
    expect(invite(world), 201)
    pending = expect(world.api("admin").get(f"{world.org_url}/invitations", status="pending"), 200)
    assert [i["status"] for i in pending["items"]] == ["pending"]


def _audited(world, action: str) -> list[dict]:
    return expect(world.api("admin").get(f"{world.org_url}/audit-log", action=action), 200)["items"]


def test_resend_and_revoke_are_audited_with_the_actor_and_the_status_change(world):
    created = expect(invite(world), 201)
    url = f"{world.org_url}/invitations/{created['id']}"
    Invitation.objects.filter(id=created["id"]).update(expires_at=timezone.now())
    resent = expect(world.api("admin").post(f"{url}/resend"), 200)
    (entry,) = _audited(world, "invitation.resend")
    assert entry["actor"]["account_id"] == world["admin"].account_id
    assert (entry["target"]["type"], entry["target"]["id"]) == ("invitation", created["id"])
    assert entry["target"]["label"] == EMAIL
    assert entry["details"]["before"] == {"status": "expired"}
    assert entry["details"]["after"]["status"] == "pending"
    assert entry["details"]["after"]["expires_at"][:19] == resent["expires_at"][:19]
    assert _audited(world, "invitation.revoke") == []

    expect(world.api("admin").delete(url), 200)
    (entry,) = _audited(world, "invitation.revoke")
    assert entry["actor"]["account_id"] == world["admin"].account_id
    assert (entry["target"]["type"], entry["target"]["id"]) == ("invitation", created["id"])
    assert entry["details"] == {"before": {"status": "pending"}, "after": {"status": "revoked"}}
    # The refused second revoke and resend (409) add no entry.
    world.api("admin").delete(url)
    world.api("admin").post(f"{url}/resend")
    assert len(_audited(world, "invitation.revoke")) == 1
    assert len(_audited(world, "invitation.resend")) == 1


def test_an_invitation_dies_with_its_inviters_right_to_add_members(world, invitee):
    admin = org_access(world["admin"].account, world.org.id)
    from callstudio.directory.services import invitation_create

    _, token = invitation_create(
        access=org_access(world["admin"].account, world.org.id), email=invitee.account.email
    )
    second = person("admin2@acme.test")
    from callstudio.directory.services import org_member_add

    org_member_add(access=admin, account_id=second.account_id, role="admin")
    _, token2 = invitation_create(
        access=org_access(second.account, world.org.id), email="later@elsewhere.test", role="admin"
    )
    later = person("later@elsewhere.test")
    verified(later.account)
    org_member_change_role(access=admin, account_id=second.account_id, role="member")
    before = fingerprint()
    assert_problem(_accept(Api(later.token), token2), 410, code="invitation_gone")
    assert_unchanged(before, "demoted inviter")
    expect(_accept(Api(invitee.token), token), 200)


def test_an_archived_member_accepting_is_told_to_ask_for_a_restore(world):
    from callstudio.directory.services import invitation_create, org_member_revoke

    admin = org_access(world["admin"].account, world.org.id)
    member = world["member"]
    verified(member.account)
    _, token = invitation_create(access=admin, email="member-new@acme.test")
    verified(member.account, "member-new@acme.test")
    org_member_revoke(access=admin, account_id=member.account_id)
    before = fingerprint()
    assert_problem(_accept(Api(member.token), token), 409, code="archived_member")
    assert_unchanged(before, "archived invitee")


def test_a_custom_role_offered_by_a_pending_invitation_cannot_be_deleted(world):
    invited = expect(
        invite(world, teams=[{"team": world.team.id, "role": world.custom_role.id}]), 201
    )
    url = f"{world.org_url}/roles/{world.custom_role.id}"
    # QA Reviewer is held by the qa member as well: take that away first.
    expect(world.api("admin").delete(f"{world.team_url}/members/{world['qa'].account_id}"), 204)
    before = fingerprint()
    assert_problem(world.api("admin").delete(url), 409, code="in_use")
    assert_unchanged(before, "role offered")
    expect(world.api("admin").delete(f"{world.org_url}/invitations/{invited['id']}"), 200)
    expect(world.api("admin").delete(url), 204)
    listed = expect(world.api("admin").get(f"{world.org_url}/invitations"), 200)
    assert listed["items"][0]["teams"][0]["role_name"] == "a deleted role"


def test_the_invitation_list_costs_the_same_queries_for_any_page(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            expect(world.api("admin").get(f"{world.org_url}/invitations"), 200)
        return len(captured)

    expect(invite(world, "one@x.test", teams=[{"team": world.team.id, "role": "agent"}]), 201)
    few = count()
    for n in range(8):
        teams = [
            {"team": world.team.id, "role": "agent"},
            {"team": world.other_team.id, "role": "agent"},
        ]
        expect(invite(world, f"many{n}@x.test", teams=teams), 201)
    assert count() == few


def test_a_mail_server_that_is_down_does_not_undo_the_invitation(
    world, settings, caplog, django_capture_on_commit_callbacks
):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    with django_capture_on_commit_callbacks(execute=True):
        body = expect(invite(world), 201)
    assert Invitation.objects.get(id=body["id"]).status == "pending"
    assert f"mail not sent: invitation {body['id']}" in caplog.text
    assert "/invitations/" not in caplog.text
