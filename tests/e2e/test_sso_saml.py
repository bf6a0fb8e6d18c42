"""SAML sign-in in Chromium through a real IdP process (pysaml2 + xmlsec1, tests/idp/saml/):
CallStudio → the IdP's login form → the signed Response auto-posted back → signed in. Just in
time, the unknown person becomes a member with the connection's default role."""

import re

import httpx
import pytest
from allauth.socialaccount.models import SocialAccount
from django.utils import timezone
from playwright.sync_api import Page, expect

from callstudio.accounts.models import Account
from callstudio.directory.services import organization_create
from callstudio.orgs.models import OrgMembership
from callstudio.sso.models import OrgDomain, SsoConnection
from tests.conftest import make_account
from tests.idp.saml.harness import running_idp

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def saml_idp(tmp_path_factory):
    with running_idp(tmp_path_factory.mktemp("saml-idp")) as idp:
        yield idp


@pytest.fixture
def acme(live_server, saml_idp):
    """Acme owns acme.test and signs its people in with the test IdP (JIT, role member)."""
    saml_idp.reset()
    org = organization_create(actor=make_account("admin@acme.test"), name="Acme")
    OrgDomain.objects.create(
        organization=org,
        domain="acme.test",
        txt_record="callstudio-verify=e2e",
        verified_at=timezone.now(),
    )
    SsoConnection.objects.create(
        organization=org,
        protocol=SsoConnection.SAML,
        idp_metadata_xml=saml_idp.metadata_xml,
        jit=True,
        default_role="member",
    )
    metadata = httpx.get(f"{live_server.url}/accounts/saml/{org.id}/metadata/")
    assert metadata.status_code == 200, metadata.text
    saml_idp.register_sp(metadata.text)
    yield org
    saml_idp.reset()


def sign_in_at_the_idp(page: Page, username: str, password: str) -> None:
    """From the organization's sign-in page, through the IdP's login form."""
    page.get_by_role("button", name="Continue with Acme single sign-on").click()
    expect(page.get_by_role("heading", name="Test IdP sign-in")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in to the IdP").click()


def test_a_new_person_signs_in_through_the_idp_and_joins_with_the_default_role(
    page: Page, live_server, saml_idp, acme
):
    saml_idp.configure(email="nina@acme.test", subject="okta-00u-nina", first_name="Nina")
    page.goto(f"/sso/{acme.id}/login")
    sign_in_at_the_idp(page, "ada", "idp-password-1")

    expect(page).to_have_url(re.compile(rf"/o/{acme.id}/$"))
    expect(page.get_by_text("Nina Lovelace")).to_be_visible()
    nina = Account.objects.get(email="nina@acme.test")
    membership = OrgMembership.objects.get(organization=acme, account=nina)
    assert (membership.role, membership.status) == ("member", OrgMembership.ACTIVE)
    assert SocialAccount.objects.get(user=nina).uid == "okta-00u-nina"
    assert not nina.has_usable_password()


def test_an_email_outside_the_verified_domains_is_refused_on_a_clear_page(
    page: Page, live_server, saml_idp, acme
):
    saml_idp.configure(email="nina@elsewhere.test")
    before = (Account.objects.count(), OrgMembership.objects.count())
    page.goto(f"/sso/{acme.id}/login")
    sign_in_at_the_idp(page, "ada", "idp-password-1")

    expect(page.get_by_role("heading", name="You cannot sign in to Acme with SSO")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("nina@elsewhere.test")
    expect(page.get_by_role("alert")).to_contain_text("verified domains")
    assert (Account.objects.count(), OrgMembership.objects.count()) == before
    assert not SocialAccount.objects.exists()
