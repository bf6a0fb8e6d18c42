"""The linking rules of sso/login.py, asked directly (the IdP round trip is in
test_oidc_login.py): every refusal names its rule and writes nothing."""

import pytest
from allauth.socialaccount.models import SocialAccount

from callstudio.access.policy import org_access
from callstudio.directory.services import org_member_revoke
from callstudio.orgs.models import OrgMembership
from callstudio.sso import providers
from callstudio.sso.crypto import encrypt_secret
from callstudio.sso.login import Identity, SsoRefused, sign_in
from callstudio.sso.models import SsoConnection
from tests.conftest import make_account
from tests.helpers import assert_unchanged, fingerprint

from .conftest import verify_domain

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection(world):
    verify_domain(world.org, "acme.test")
    return SsoConnection.objects.create(
        organization=world.org,
        protocol="oidc",
        issuer="https://idp.acme.test",
        client_id="cs",
        client_secret=encrypt_secret("s3cret"),
        jit=True,
        default_role="manager",
    )


def refused(connection, identity, code):
    before = fingerprint()
    with pytest.raises(SsoRefused) as exc:
        sign_in(connection=connection, identity=identity)
    assert exc.value.code == code
    assert_unchanged(before, code)
    return exc.value


def test_a_subject_linked_to_another_account_is_refused(connection, world):
    SocialAccount.objects.create(user=world["agent"].account, provider=world.org.id, uid="s-1")
    refused(connection, Identity("s-1", "member@acme.test", True), "subject_linked_elsewhere")


def test_an_account_linked_to_another_subject_is_refused(connection, world):
    SocialAccount.objects.create(user=world["member"].account, provider=world.org.id, uid="s-1")
    refused(connection, Identity("s-2", "member@acme.test", True), "account_linked_elsewhere")


def test_a_link_elsewhere_does_not_count_here(connection, world):
    """A link of another organization's IdP says nothing about this one's subjects."""
    SocialAccount.objects.create(
        user=world["member"].account, provider=world.foreign_org.id, uid="s-1"
    )
    result = sign_in(connection=connection, identity=Identity("s-1", "member@acme.test", True))
    assert result.account == world["member"].account and not result.joined


def test_an_archived_member_is_refused(connection, world):
    org_member_revoke(
        access=org_access(world["admin"].account, world.org.id),
        account_id=world["member"].account_id,
    )
    refused(connection, Identity("s-1", "member@acme.test", True), "archived_member")


def test_jit_adds_an_existing_account_with_the_default_role(connection):
    person = make_account("newcomer@acme.test")
    result = sign_in(connection=connection, identity=Identity("s-9", "Newcomer@ACME.test", True))
    assert result.account == person and result.joined and not result.created_account
    membership = OrgMembership.objects.get(organization=connection.organization, account=person)
    assert membership.role == "manager"


def test_without_jit_an_existing_non_member_is_refused(connection):
    make_account("newcomer@acme.test")
    SsoConnection.objects.filter(pk=connection.pk).update(jit=False)
    connection.refresh_from_db()
    refused(connection, Identity("s-9", "newcomer@acme.test", True), "not_a_member")


def test_a_deleted_default_role_refuses_jit(connection):
    SsoConnection.objects.filter(pk=connection.pk).update(default_role="role_gone")
    connection.refresh_from_db()
    refused(connection, Identity("s-9", "fresh@acme.test", True), "default_role_invalid")


def test_a_disabled_account_is_refused(connection, world):
    account = world["member"].account
    account.is_active = False
    account.save(update_fields=["is_active"])
    refused(connection, Identity("s-1", "member@acme.test", True), "inactive")


@pytest.mark.parametrize(
    ("identity", "code"),
    [
        (Identity("", "member@acme.test", True), "no_subject"),
        (Identity("s-1", "", True), "domain_not_verified"),
        (Identity("s-1", "member@acme.test.evil", True), "domain_not_verified"),
        (Identity("s-1", "member@sub.acme.test", True), "domain_not_verified"),
    ],
)
def test_what_the_idp_must_give(connection, identity, code):
    refused(connection, identity, code)


def test_an_unverified_domain_claim_counts_for_nothing(connection, world):
    from callstudio.sso.models import OrgDomain

    OrgDomain.objects.create(organization=world.org, domain="pending.test", txt_record="x")
    refused(connection, Identity("s-1", "who@pending.test", True), "domain_not_verified")


def test_providers_are_listed_per_organization_only(connection, world):
    assert providers.list_apps() == []
    assert providers.list_apps(provider="openid_connect") == []
    (app,) = providers.list_apps(provider=world.org.id)
    assert (app.provider, app.provider_id, app.client_id) == ("openid_connect", world.org.id, "cs")
    assert providers.list_apps(provider=world.foreign_org.id) == []


def test_an_undecryptable_secret_offers_no_app(connection, world):
    """SECRET_KEY replaced without a fallback: no sign-in until the Admin enters it again."""
    SsoConnection.objects.filter(pk=connection.pk).update(client_secret="v1:not-a-token")
    assert providers.list_apps(provider=world.org.id) == []


def test_an_internationalized_domain_is_found_and_signs_in(connection, world):
    """Verified domains are stored in their IDNA form; an address typed or sent by the IdP in
    Unicode is the same domain, for "Sign in with SSO" and for the sign-in itself."""
    from callstudio.sso.selectors import connection_for_email

    verify_domain(world.org, "xn--strae-oqa.de")  # straße.de
    assert connection_for_email("anna@Straße.de").organization_id == world.org.id
    result = sign_in(connection=connection, identity=Identity("s-9", "anna@straße.de", True))
    assert OrgMembership.objects.filter(organization=world.org, account=result.account).exists()
