"""Invitations and leaving in the browser, through Django's test client and the real SMTP
server: the Invite form, the Pending tab, the mailed link for a newcomer (sign-up, also with
open sign-up off) and for an existing account, and Profile → Organizations → Leave."""

from allauth.account.models import EmailAddress
from django.test import Client

from callstudio.core.models import AuditLogEntry
from callstudio.orgs.models import Invitation, OrgMembership, TeamMembership
from tests.conftest import PASSWORD, person
from tests.helpers import assert_unchanged, fingerprint

from .conftest import token_of

NEW = "fresh@elsewhere.test"


def _browser(account=None) -> Client:
    client = Client()
    if account is not None:
        client.force_login(account)
    return client


def _invite(world, client, capture, email=NEW, **teams):
    with capture(execute=True):
        return client.post(
            f"/o/{world.org.id}/members/invite",
            {"email": email, "role": "member", **teams},
        )


def test_admin_invites_from_the_members_page_and_manages_the_pending_tab(
    world, smtp, django_capture_on_commit_callbacks
):
    admin = _browser(world["admin"].account)
    members = admin.get(f"/o/{world.org.id}/members")
    assert f'href="/o/{world.org.id}/members/invite"' in members.content.decode()
    form = admin.get(f"/o/{world.org.id}/members/invite")
    assert form.status_code == 200 and "Role in Billing" in form.content.decode()
    response = _invite(
        world, admin, django_capture_on_commit_callbacks, **{f"team_{world.team.id}": "agent"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/o/{world.org.id}/members?status=pending"
    first = token_of(smtp.wait_for(NEW, subject="invited"))
    pending = admin.get(response["Location"]).content.decode()
    assert NEW in pending and "Billing (Agent)" in pending
    invitation = Invitation.objects.get(email=NEW)

    with django_capture_on_commit_callbacks(execute=True):
        resent = admin.post(f"/o/{world.org.id}/invitations/{invitation.id}/resend")
    assert resent.status_code == 302
    second = token_of(smtp.wait_for(NEW, count=2))
    assert second != first
    assert Client().get(f"/invitations/{first}").status_code == 410

    confirm = admin.get(f"/o/{world.org.id}/invitations/{invitation.id}/revoke")
    assert confirm.status_code == 200 and "Revoke the invitation" in confirm.content.decode()
    assert admin.post(f"/o/{world.org.id}/invitations/{invitation.id}/revoke").status_code == 302
    assert Invitation.objects.get(id=invitation.id).status == "revoked"
    assert Client().get(f"/invitations/{second}").status_code == 410

    # The page's resend and revoke are audited, by the admin, on the invitation...
    entries = AuditLogEntry.objects.filter(
        organization=world.org, target_type="invitation", target_id=str(invitation.id)
    ).order_by("id")
    assert [(e.action, e.actor_id) for e in entries] == [
        ("invitation.create", world["admin"].account.pk),
        ("invitation.resend", world["admin"].account.pk),
        ("invitation.revoke", world["admin"].account.pk),
    ]
    assert (entries[1].before, entries[1].after["status"]) == ({"status": "pending"}, "pending")
    assert (entries[2].before, entries[2].after) == ({"status": "pending"}, {"status": "revoked"})
    # ... and the audit log page tells them in words (once in the filter's options, once more
    # for the entry).
    text = admin.get(f"/o/{world.org.id}/audit-log").content.decode()
    assert text.count("Invitation sent again") == 2 and text.count("Invitation revoked") == 2


def test_the_invite_form_shows_service_refusals_and_changes_nothing(
    world, django_capture_on_commit_callbacks
):
    admin = _browser(world["admin"].account)
    before = fingerprint()
    response = _invite(world, admin, django_capture_on_commit_callbacks, email="member@acme.test")
    assert response.status_code == 422
    assert "already a member" in response.content.decode()
    assert_unchanged(before, "invite an existing member")
    member = _browser(world["member"].account)
    assert member.get(f"/o/{world.org.id}/members/invite").status_code == 403
    assert "Invite</a>" not in member.get(f"/o/{world.org.id}/members").content.decode()
    assert member.get(f"/o/{world.org.id}/members?status=pending").status_code == 403


def test_a_newcomer_signs_up_from_the_link_and_joins_even_with_open_signup_off(
    world, smtp, settings, django_capture_on_commit_callbacks
):
    settings.CALLSTUDIO_OPEN_SIGNUP = False
    admin = _browser(world["admin"].account)
    _invite(world, admin, django_capture_on_commit_callbacks, **{f"team_{world.team.id}": "agent"})
    [link] = [
        link for link in smtp.wait_for(NEW, subject="invited").links if "/invitations/" in link
    ]
    path = link.split("://", 1)[1].split("/", 1)[1]
    browser = Client()
    page = browser.get("/" + path)
    text = page.content.decode()
    assert page.status_code == 200
    assert "Acme" in text and "Admin invited" in text and "Sign up" in text
    signup_url = (
        f"/accounts/signup/?email=fresh%40elsewhere.test&next=%2F{path.replace('/', '%2F')}"
    )
    assert signup_url.replace("&", "&amp;") in text
    assert 'value="fresh@elsewhere.test"' in browser.get(signup_url).content.decode()
    done = browser.post(
        signup_url,
        {"email": NEW, "name": "Fresh", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert done.status_code == 302 and done["Location"] == "/" + path
    assert EmailAddress.objects.get(email=NEW).verified
    page = browser.get("/" + path)
    assert ">Accept</button>" in page.content.decode()
    accepted = browser.post("/" + path)
    assert accepted.status_code == 302 and accepted["Location"] == f"/o/{world.org.id}/"
    membership = OrgMembership.objects.get(organization=world.org, account__email=NEW)
    assert membership.status == "active" and membership.role == "member"
    assert TeamMembership.objects.filter(team=world.team, account__email=NEW).exists()
    assert browser.get("/" + path).status_code == 410


def test_signup_stays_closed_for_any_other_address(
    world, smtp, settings, django_capture_on_commit_callbacks
):
    settings.CALLSTUDIO_OPEN_SIGNUP = False
    _invite(world, _browser(world["admin"].account), django_capture_on_commit_callbacks)
    token = token_of(smtp.wait_for(NEW))
    browser = Client()
    browser.get(f"/invitations/{token}")
    before = fingerprint()
    response = browser.post(
        "/accounts/signup/",
        {
            "email": "intruder@elsewhere.test",
            "name": "I",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 403
    assert_unchanged(before, "closed sign-up, other address")


def test_an_existing_account_logs_in_and_the_link_verifies_its_address(
    world, smtp, django_capture_on_commit_callbacks
):
    existing = person(NEW)  # signed up earlier; address never verified
    _invite(world, _browser(world["admin"].account), django_capture_on_commit_callbacks)
    token = token_of(smtp.wait_for(NEW))
    anonymous = Client().get(f"/invitations/{token}").content.decode()
    assert f"/accounts/login/?next=%2Finvitations%2F{token}" in anonymous
    browser = _browser(existing.account)
    assert ">Accept</button>" in browser.get(f"/invitations/{token}").content.decode()
    assert browser.post(f"/invitations/{token}").status_code == 302
    assert EmailAddress.objects.get(user=existing.account, email=NEW).verified
    assert OrgMembership.objects.filter(organization=world.org, account=existing.account).exists()


def test_the_wrong_account_gets_403_and_a_dead_link_410(
    world, smtp, django_capture_on_commit_callbacks
):
    _invite(world, _browser(world["admin"].account), django_capture_on_commit_callbacks)
    token = token_of(smtp.wait_for(NEW))
    wrong = _browser(world["outsider"].account)
    before = fingerprint()
    page = wrong.get(f"/invitations/{token}")
    assert page.status_code == 403 and NEW in page.content.decode()
    assert wrong.post(f"/invitations/{token}").status_code == 403
    assert Client().get("/invitations/nonsense").status_code == 410
    assert Client().post("/invitations/nonsense").status_code == 302  # to the login first
    assert_unchanged(before, "wrong account")


def test_profile_organizations_lists_them_and_leave_follows_the_rules(world):
    admin = _browser(world["admin"].account)
    profile = admin.get("/profile").content.decode()
    assert 'href="/profile/orgs"' in profile
    listing = admin.get("/profile/orgs").content.decode()
    assert "Acme" in listing and "You are the last Admin" in listing
    confirm = admin.get(f"/profile/orgs/{world.org.id}/leave").content.decode()
    assert "last active Admin of Acme" in confirm
    before = fingerprint()
    refused = admin.post(f"/profile/orgs/{world.org.id}/leave")
    assert refused.status_code == 409 and "last active Admin" in refused.content.decode()
    assert_unchanged(before, "last admin leaving")

    agent = _browser(world["agent"].account)
    assert "last Admin" not in agent.get("/profile/orgs").content.decode()
    left = agent.post(f"/profile/orgs/{world.org.id}/leave")
    assert left.status_code == 302 and left["Location"] == "/profile/orgs"
    assert OrgMembership.objects.get(account=world["agent"].account).status == "archived"
    assert agent.get(f"/o/{world.org.id}/").status_code == 404
    assert "Acme" not in agent.get("/profile/orgs").content.decode()
    assert (
        _browser(world["outsider"].account).get(f"/profile/orgs/{world.org.id}/leave").status_code
        == 404
    )


def test_the_audit_log_page_tells_invitations_and_leaving_in_words(
    world, django_capture_on_commit_callbacks
):
    admin = _browser(world["admin"].account)
    _invite(world, admin, django_capture_on_commit_callbacks, **{f"team_{world.team.id}": "agent"})
    _browser(world["agent"].account).post(f"/profile/orgs/{world.org.id}/leave")
    text = admin.get(f"/o/{world.org.id}/audit-log").content.decode()
    assert "Invitation sent" in text and NEW in text and "Teams: Billing" in text
    assert "Status: Active → Archived" in text
    # Once in the action filter's options, once more for the entry.
    assert text.count("Left the organization") == 2
    filtered = admin.get(f"/o/{world.org.id}/audit-log", {"action": "invitation.create"})
    assert filtered.content.decode().count("Left the organization") == 1
