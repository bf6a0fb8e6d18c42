"""SAML sign-in over real HTTP against a real IdP process (pysaml2 + xmlsec1, tests/idp/saml/):
CallStudio's live server is the SP, with the organization's connection built from the IdP's
metadata by sso/saml.py. The refusals of issue 12 (an assertion signed by another certificate,
an expired assertion) each end on a clear page with nothing created."""

import httpx
import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp

from callstudio.accounts.models import Account
from callstudio.directory.services import organization_create
from callstudio.orgs.models import OrgMembership
from callstudio.sso.models import SsoConnection
from callstudio.sso.saml import app_settings, sp_urls
from tests.conftest import make_account
from tests.idp.saml.flow import SamlSignIn
from tests.idp.saml.harness import running_idp

pytestmark = pytest.mark.django_db(transaction=True)

IDP_USER = {"username": "ada", "password": "idp-password-1"}


@pytest.fixture(scope="module")
def idp_process(tmp_path_factory):
    with running_idp(tmp_path_factory.mktemp("saml-idp")) as idp:
        yield idp


@pytest.fixture
def saml_idp(idp_process):
    idp_process.reset()
    yield idp_process
    idp_process.reset()


def connect(live_server, saml_idp, name: str):
    """An organization with a SAML connection to the test IdP (JIT on, default role member),
    registered at the IdP with its SP metadata as served by CallStudio."""
    slug = name.lower()
    org = organization_create(actor=make_account(f"admin@{slug}.test"), name=name)
    connection = SsoConnection.objects.create(
        organization=org,
        protocol=SsoConnection.SAML,
        idp_metadata_xml=saml_idp.metadata_xml,
        jit=True,
        default_role="member",
    )
    SocialApp.objects.create(
        provider="saml", name=name, client_id=org.id, settings=app_settings(connection)
    )
    sp_metadata = httpx.get(f"{live_server.url}/accounts/saml/{org.id}/metadata/")
    assert sp_metadata.status_code == 200, sp_metadata.text
    saml_idp.register_sp(sp_metadata.text)
    return org


@pytest.fixture
def acme(transactional_db, live_server, saml_idp):
    return connect(live_server, saml_idp, "Acme")


@pytest.fixture
def sign_in(live_server, acme):
    flow = SamlSignIn(live_server.url, acme.id)
    yield flow
    flow.close()


def counts() -> dict:
    return {
        "accounts": Account.objects.count(),
        "memberships": OrgMembership.objects.count(),
        "social_accounts": SocialAccount.objects.count(),
    }


def assert_refused(response, before: dict, status: int = 401, *, caplog=None, reason=""):
    """Refused on a page (no redirect into the app), nobody signed in, no row created; and for
    the reason the test meant (python3-saml's, as allauth logs it)."""
    assert response.status_code == status, response.text
    if caplog is not None:
        errors = [r.getMessage() for r in caplog.records if "SAML ACS response" in r.getMessage()]
        assert len(errors) == 1 and reason in errors[0], errors
    assert "sessionid" not in response.cookies
    assert counts() == before


def test_the_login_redirects_to_the_idp_with_an_authn_request(sign_in, saml_idp):
    idp_url = sign_in.start()
    assert idp_url.startswith(saml_idp.sso_url + "?SAMLRequest=")
    page = SamlSignIn.sign_in_at_idp(idp_url, "ada", "wrong password")
    assert page.status_code == 401
    assert "Wrong password." in page.text


def test_an_assertion_signed_by_another_certificate_is_refused(sign_in, saml_idp, caplog):
    saml_idp.configure(signing="other")
    before = counts()
    assert_refused(
        sign_in.run(**IDP_USER), before, caplog=caplog, reason="Signature validation failed"
    )


def test_an_expired_assertion_is_refused(sign_in, saml_idp, caplog):
    saml_idp.configure(lifetime_minutes=-10)
    before = counts()
    assert_refused(
        sign_in.run(**IDP_USER),
        before,
        caplog=caplog,
        reason="Could not validate timestamp: expired",
    )


def test_an_assertion_signed_with_sha1_is_refused(sign_in, saml_idp, caplog):
    saml_idp.configure(sha1=True)
    before = counts()
    assert_refused(
        sign_in.run(**IDP_USER),
        before,
        caplog=caplog,
        reason="Deprecated signature algorithm found",
    )


def test_an_assertion_without_its_own_signature_is_refused(sign_in, saml_idp, caplog):
    """Only the Response around it is signed: the assertion itself must be."""
    saml_idp.configure(sign_assertion=False)
    before = counts()
    assert_refused(
        sign_in.run(**IDP_USER),
        before,
        caplog=caplog,
        reason="The Assertion of the Response is not signed",
    )


def test_an_assertion_for_another_organization_is_refused(
    sign_in, saml_idp, caplog, live_server, acme
):
    globex = connect(live_server, saml_idp, "Globex")
    saml_idp.configure(audience=sp_urls(globex)["entity_id"])
    before = counts()
    assert_refused(
        sign_in.run(**IDP_USER),
        before,
        caplog=caplog,
        reason=f"{sp_urls(acme)['entity_id']} is not a valid audience",
    )


def test_a_response_posted_twice_is_refused_the_second_time(sign_in, saml_idp):
    answer = SamlSignIn.sign_in_at_idp(sign_in.start(), **IDP_USER)
    first = sign_in.post_to_acs(answer)
    assert first.status_code == 302
    before = counts()
    # The same browser (its request's state is used up), then a fresh one (it never asked).
    assert_refused(sign_in.post_to_acs(answer), before, status=403)
    sign_in.sp.cookies.clear()
    assert_refused(sign_in.post_to_acs(answer), before, status=403)
