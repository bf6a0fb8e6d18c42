"""Signing in over OpenID Connect against the real IdP (tests/idp/oidc/, its own process), and
the linking rules of sso/login.py: link by subject, JIT, refusals that write nothing."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from callstudio.accounts.models import Account
from callstudio.core.models import AuditLogEntry
from callstudio.orgs.models import OrgMembership
from callstudio.sso.session import SESSION_KEY
from tests.conftest import make_account
from tests.helpers import assert_unchanged, fingerprint

from .conftest import sso_round_trip

pytestmark = pytest.mark.django_db


def _member(org, email):
    return OrgMembership.objects.filter(organization=org, account__email=email).first()


def test_jit_creates_the_account_and_membership_then_links_by_subject(oidc):
    sub = oidc.person("new.person@acme.test")
    client = Client()
    response = sso_round_trip(client, oidc.org.id, "new.person@acme.test")
    assert response.status_code == 302
    assert response["Location"] == f"/o/{oidc.org.id}/"
    account = Account.objects.get(email="new.person@acme.test")
    assert not account.has_usable_password()
    assert account.name == "Ada Lovelace"
    assert account.emailaddress_set.get().verified
    membership = _member(oidc.org, "new.person@acme.test")
    assert (membership.role, membership.status) == ("member", OrgMembership.ACTIVE)
    link = SocialAccount.objects.get(provider=oidc.org.id)
    assert (link.uid, link.user_id) == (sub, account.pk)
    assert client.session[SESSION_KEY] == [oidc.org.id]
    assert client.get(f"/o/{oidc.org.id}/").status_code == 200
    actions = list(
        AuditLogEntry.objects.filter(organization=oidc.org, actor=account)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["member.jit_create", "sso.login"]

    # A second sign-in finds the same account by its subject: nothing new is made.
    again = Client()
    assert sso_round_trip(again, oidc.org.id, "new.person@acme.test").status_code == 302
    assert Account.objects.filter(email="new.person@acme.test").count() == 1
    assert SocialAccount.objects.filter(provider=oidc.org.id).count() == 1
    assert int(again.session["_auth_user_id"]) == account.pk


def test_an_existing_member_with_a_verified_address_is_linked(oidc, world):
    sub = oidc.person("member@acme.test")
    client = Client()
    assert sso_round_trip(client, oidc.org.id, "member@acme.test").status_code == 302
    link = SocialAccount.objects.get(provider=oidc.org.id, uid=sub)
    assert link.user_id == world["member"].account.pk
    assert AuditLogEntry.objects.filter(action="sso.link", actor=world["member"].account).exists()
    assert int(client.session["_auth_user_id"]) == world["member"].account.pk


def test_an_unverified_account_with_that_address_is_not_taken_over(oidc):
    squatter = make_account("ceo@acme.test", verified=False)
    oidc.person("ceo@acme.test")
    before = fingerprint()
    response = sso_round_trip(Client(), oidc.org.id, "ceo@acme.test")
    assert response.status_code == 403
    assert b"never verified it" in response.content
    assert_unchanged(before, "unverified account", "sso")
    assert not SocialAccount.objects.filter(user=squatter).exists()


def test_the_idp_must_say_the_address_is_verified_to_link_an_account(oidc, world):
    oidc.person("manager@acme.test", verified=False)
    before = fingerprint()
    response = sso_round_trip(Client(), oidc.org.id, "manager@acme.test")
    assert response.status_code == 403
    assert b"does not say the address is verified" in response.content
    assert_unchanged(before, "email_verified false", "sso")


def test_an_email_outside_the_verified_domains_is_refused(oidc):
    oidc.person("someone@elsewhere.test")
    before = fingerprint()
    response = sso_round_trip(Client(), oidc.org.id, "someone@elsewhere.test")
    assert response.status_code == 403
    assert b"verified domains" in response.content
    assert_unchanged(before, "outside domain", "sso")
    assert not Account.objects.filter(email="someone@elsewhere.test").exists()


def test_without_jit_a_stranger_is_refused_and_nothing_is_made(oidc, world):
    from callstudio.sso.models import SsoConnection

    SsoConnection.objects.filter(organization=oidc.org).update(jit=False)
    oidc.person("stranger@acme.test")
    before = fingerprint()
    response = sso_round_trip(Client(), oidc.org.id, "stranger@acme.test")
    assert response.status_code == 403
    assert b"does not create accounts" in response.content
    assert_unchanged(before, "no jit", "sso")


def test_a_tampered_state_is_refused_and_nothing_is_made(oidc):
    oidc.person("tamper@acme.test")
    before = fingerprint()
    response = sso_round_trip(Client(), oidc.org.id, "tamper@acme.test", tamper_state=True)
    assert response.status_code == 400
    assert b"did not match a sign-in started here" in response.content
    assert_unchanged(before, "state mismatch", "sso")
    assert not Account.objects.filter(email="tamper@acme.test").exists()


def test_a_tampered_nonce_is_refused_and_nothing_is_made(oidc):
    """The IdP signs the nonce it was given into the ID token: one that is not the nonce this
    browser's sign-in sent is refused."""
    oidc.person("nonce@acme.test")
    before = fingerprint()
    response = sso_round_trip(Client(), oidc.org.id, "nonce@acme.test", tamper_nonce=True)
    assert response.status_code == 403
    assert b"nonce" in response.content
    assert_unchanged(before, "nonce mismatch")
    assert not Account.objects.filter(email="nonce@acme.test").exists()


def test_a_sign_in_started_outside_the_sign_in_page_carries_no_nonce_and_is_refused(oidc):
    oidc.person("direct@acme.test")
    before = fingerprint()
    response = sso_round_trip(
        Client(),
        oidc.org.id,
        "direct@acme.test",
        start_path=f"/accounts/oidc/{oidc.org.id}/login/",
    )
    assert response.status_code == 403
    assert_unchanged(before, "no nonce")


def test_an_account_with_its_own_second_factor_is_asked_for_it_then_marked(oidc, world):
    """allauth's MFA step still runs after the IdP for an account that enrolled a factor; the
    session is marked as signed in with the organization's SSO once that step completes."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from tests.orgsettings.mfa import give_mfa

    secret = give_mfa(world["member"].account)
    oidc.person("member@acme.test")
    client = Client()
    response = sso_round_trip(client, oidc.org.id, "member@acme.test")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session and SESSION_KEY not in client.session
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    done = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert done.status_code == 302 and done["Location"] == f"/o/{oidc.org.id}/"
    assert int(client.session["_auth_user_id"]) == world["member"].account.pk
    assert client.session[SESSION_KEY] == [oidc.org.id]


def test_a_subject_already_linked_to_another_account_is_refused(oidc, world):
    """The IdP's person is linked to the agent's account, but now says they are the member: the
    link and the address disagree, and neither account is opened."""
    sub = oidc.person("member@acme.test")
    SocialAccount.objects.create(user=world["agent"].account, provider=oidc.org.id, uid=sub)
    before = fingerprint()
    client = Client()
    response = sso_round_trip(client, oidc.org.id, "member@acme.test")
    assert response.status_code == 403
    assert b"linked to a different CallStudio account" in response.content
    assert "_auth_user_id" not in client.session
    assert_unchanged(before, "subject linked elsewhere")


def test_an_idp_out_of_reach_at_the_callback_is_a_clear_page(oidc, settings):
    """The code comes back, but the token endpoint may no longer be reached (netguard)."""
    from urllib.parse import urlsplit

    from .conftest import idp_sign_in

    oidc.person("late@acme.test")
    client = Client()
    start = client.post(f"/sso/{oidc.org.id}/login")
    callback = urlsplit(idp_sign_in(start["Location"], "late@acme.test"))
    settings.CALLSTUDIO_ALLOW_PRIVATE_URLS = False
    before = fingerprint()
    response = client.get(f"{callback.path}?{callback.query}")
    assert response.status_code == 502
    assert b"could not be reached to finish" in response.content
    assert_unchanged(before, "token endpoint out of reach")


def test_the_idp_is_the_second_factor_of_require_mfa(oidc, world):
    """Decision (docs/sso.md): a session that signed in with the organization's SSO meets its
    require_mfa; the same person signing in with a password does not."""
    from tests.conftest import PASSWORD
    from tests.orgsettings.mfa import require_mfa

    require_mfa(world)
    oidc.person("fresh@acme.test")
    sso = Client()
    assert sso_round_trip(sso, oidc.org.id, "fresh@acme.test").status_code == 302
    assert sso.get(f"/o/{oidc.org.id}/").status_code == 200
    member = Client()
    member.post("/accounts/login/", {"login": "member@acme.test", "password": PASSWORD})
    assert member.get(f"/o/{oidc.org.id}/").status_code == 403
