"""SAML in Chromium with a real IdP process (pysaml2 + xmlsec1, tests/idp/saml/): the Admin
connects it in Organization → Settings → SSO (unusable metadata is refused on the form), then a
new person signs in with SSO by email → the IdP's login form → the signed Response auto-posted
back → signed in, a member with the connection's default role (just in time). An email outside
the verified domains ends on the refusal page with nothing created."""

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
from callstudio.sso.saml import sp_urls
from tests.conftest import make_account
from tests.idp.saml.harness import running_idp

pytestmark = pytest.mark.django_db(transaction=True)

IDP_LOGIN = ("ada", "idp-password-1")


@pytest.fixture(scope="module")
def saml_idp(tmp_path_factory):
    with running_idp(tmp_path_factory.mktemp("saml-idp")) as idp:
        yield idp


@pytest.fixture
def acme(saml_idp):
    """Acme, which verified acme.test; its Admin is admin@acme.test."""
    saml_idp.reset()
    org = organization_create(actor=make_account("admin@acme.test", "Ada Admin"), name="Acme")
    OrgDomain.objects.create(
        organization=org,
        domain="acme.test",
        txt_record="callstudio-verify=e2e",
        verified_at=timezone.now(),
    )
    yield org
    saml_idp.reset()


def register_at_the_idp(saml_idp, live_server, org) -> None:
    """What the Admin does at the IdP: add CallStudio from its SP metadata URL."""
    metadata = httpx.get(f"{live_server.url}/accounts/saml/{org.id}/metadata/")
    assert metadata.status_code == 200, metadata.text
    saml_idp.register_sp(metadata.text)


def sign_in_at_the_idp(page: Page) -> None:
    """From the organization's sign-in page, through the IdP's login form."""
    page.get_by_role("button", name="Continue with Acme single sign-on").click()
    expect(page.get_by_role("heading", name="Test IdP sign-in")).to_be_visible()
    page.get_by_label("Username").fill(IDP_LOGIN[0])
    page.get_by_label("Password").fill(IDP_LOGIN[1])
    page.get_by_role("button", name="Sign in to the IdP").click()


def test_the_admin_connects_the_idp_and_a_new_person_joins_at_first_sign_in(
    page: Page, browser, live_server, login, saml_idp, acme
):
    login("admin@acme.test")
    page.goto(f"/o/{acme.id}/settings/sso")
    values = sp_urls(acme)
    expect(page.locator("#sso-entity-id")).to_have_text(values["entity_id"])
    expect(page.locator("#sso-acs-url")).to_have_text(values["acs_url"])
    expect(page.locator("#sso-metadata-url")).to_have_text(values["metadata_url"])

    page.get_by_label("SAML 2.0").check()
    no_certificate = saml_idp.metadata_xml.replace('use="signing"', 'use="encryption"')
    page.get_by_label("IdP metadata XML").fill(no_certificate)
    page.get_by_role("button", name="Save SSO settings").click()
    expect(page.locator("#id_idp_metadata_xml_error")).to_contain_text("no signing certificate")
    assert not SsoConnection.objects.exists()

    page.get_by_label("IdP metadata XML").fill(saml_idp.metadata_xml)
    page.get_by_label("Create accounts and memberships at first sign-in").check()
    page.get_by_label("Role of people added at first sign-in").select_option(label="Manager")
    page.get_by_role("button", name="Save SSO settings").click()
    expect(page.get_by_text("SSO settings saved.")).to_be_visible()
    connection = SsoConnection.objects.get(organization=acme)
    assert (connection.protocol, connection.jit, connection.default_role) == (
        "saml",
        True,
        "manager",
    )
    register_at_the_idp(saml_idp, live_server, acme)

    saml_idp.configure(email="nina@acme.test", subject="okta-00u-nina", first_name="Nina")
    context = browser.new_context(base_url=live_server.url)
    person = context.new_page()
    person.goto("/accounts/login/")
    person.get_by_role("link", name="Sign in with SSO").click()
    person.get_by_label("Work email").fill("nina@acme.test")
    person.get_by_role("button", name="Continue").click()
    expect(person).to_have_url(re.compile(rf"/sso/{acme.id}/login$"))
    sign_in_at_the_idp(person)

    expect(person).to_have_url(re.compile(rf"/o/{acme.id}/$"))
    expect(person.get_by_text("Nina Lovelace")).to_be_visible()
    context.close()
    nina = Account.objects.get(email="nina@acme.test")
    membership = OrgMembership.objects.get(organization=acme, account=nina)
    assert (membership.role, membership.status) == ("manager", OrgMembership.ACTIVE)
    assert SocialAccount.objects.get(user=nina).uid == "okta-00u-nina"
    assert not nina.has_usable_password()


def test_an_email_outside_the_verified_domains_is_refused_on_a_clear_page(
    page: Page, live_server, saml_idp, acme
):
    SsoConnection.objects.create(
        organization=acme,
        protocol=SsoConnection.SAML,
        idp_metadata_xml=saml_idp.metadata_xml,
        jit=True,
    )
    register_at_the_idp(saml_idp, live_server, acme)
    saml_idp.configure(email="nina@elsewhere.test")
    before = (Account.objects.count(), OrgMembership.objects.count())
    page.goto(f"/sso/{acme.id}/login")
    sign_in_at_the_idp(page)

    expect(page.get_by_role("heading", name="You cannot sign in to Acme with SSO")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("nina@elsewhere.test")
    expect(page.get_by_role("alert")).to_contain_text("verified domains")
    assert (Account.objects.count(), OrgMembership.objects.count()) == before
    assert not SocialAccount.objects.exists()
