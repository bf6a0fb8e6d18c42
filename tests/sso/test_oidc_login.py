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
