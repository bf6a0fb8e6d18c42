"""SAML sign-in over real HTTP against a real IdP process (pysaml2 + xmlsec1, tests/idp/saml/):
CallStudio's live server is the SP, with the organization's connection built from the IdP's
metadata by sso/saml.py. The refusals of issue 12 (an assertion signed by another certificate,
an expired assertion) each end on a clear page with nothing created."""

import re
from importlib import import_module
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.utils import timezone
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from callstudio.accounts.models import Account
from callstudio.directory.services import organization_create
from callstudio.orgs.models import OrgMembership
from callstudio.sso.models import OrgDomain, SsoConnection
from callstudio.sso.saml import sp_urls
from callstudio.sso.session import SESSION_KEY as SSO_SESSION_KEY
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
    """An organization owning the verified domain `<name>.test`, with a SAML connection to the
    test IdP (JIT on, default role member), registered at the IdP with its SP metadata as
    CallStudio serves it."""
    slug = name.lower()
    org = organization_create(actor=make_account(f"admin@{slug}.test"), name=name)
    OrgDomain.objects.create(
        organization=org,
        domain=f"{slug}.test",
        txt_record="callstudio-verify=test",
        verified_at=timezone.now(),
    )
    SsoConnection.objects.create(
        organization=org,
        protocol=SsoConnection.SAML,
        idp_metadata_xml=saml_idp.metadata_xml,
        jit=True,
        default_role="member",
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


def signed_in_as(sign_in: SamlSignIn) -> str | None:
    """Whose session the SP client holds, as Profile shows it (None: it is sent to log in)."""
    profile = sign_in.sp.get("/profile")
    if profile.status_code == 302:
        assert profile.headers["location"].startswith("/accounts/login/")
        return None
    assert profile.status_code == 200
    return Account.objects.get(email__in=re.findall(r"[\w.+-]+@[\w.-]+", profile.text)).email


def assert_refused(
    sign_in: SamlSignIn,
    response,
    before: dict,
    status: int = 400,
    *,
    caplog=None,
    reason="",
    code="",
    says="",
):
    """Refused on a page (no redirect into the app), nobody signed in, no row created; and for
    the reason the test meant (python3-saml's, as allauth logs it), said on the page."""
    assert response.status_code == status, response.text
    if code:
        assert f"<code>{code}</code>" in response.text
        assert "Nothing was created or changed." in response.text
    if says:
        assert says in response.text
    if caplog is not None:
        errors = [r.getMessage() for r in caplog.records if "SAML ACS response" in r.getMessage()]
        assert len(errors) == 1 and reason in errors[0], errors
    assert signed_in_as(sign_in) is None
    assert counts() == before


def test_the_login_redirects_to_the_idp_with_an_authn_request(sign_in, saml_idp, acme, live_server):
    idp_url = sign_in.start()
    assert idp_url.startswith(saml_idp.sso_url + "?SAMLRequest=")
    request = OneLogin_Saml2_Utils.decode_base64_and_inflate(
        parse_qs(urlsplit(idp_url).query)["SAMLRequest"][0]
    ).decode()
    assert f"<saml:Issuer>{sp_urls(acme)['entity_id']}</saml:Issuer>" in request
    acs = f"{live_server.url}/accounts/saml/{acme.id}/acs/"
    assert f'AssertionConsumerServiceURL="{acs}"' in request
    assert "<ds:Signature" not in request  # requests are not signed (docs/sso.md)
    page = SamlSignIn.sign_in_at_idp(idp_url, "ada", "wrong password")
    assert page.status_code == 401
    assert "Wrong password." in page.text


@pytest.mark.parametrize(
    ("knobs", "reason", "code"),
    [
        # Signed, but not by the certificate in the organization's metadata.
        ({"signing": "other"}, "Signature validation failed", "saml_signature_invalid"),
        ({"lifetime_minutes": -10}, "Could not validate timestamp: expired", "saml_expired"),
        ({"sha1": True}, "Deprecated signature algorithm found", "saml_signature_invalid"),
        # Only the Response around it is signed: the assertion itself must be.
        (
            {"sign_assertion": False},
            "The Assertion of the Response is not signed",
            "saml_signature_invalid",
        ),
    ],
    ids=["another-certificate", "expired", "sha1", "assertion-unsigned"],
)
def test_an_assertion_the_sp_cannot_trust_is_refused(
    sign_in, saml_idp, caplog, knobs, reason, code
):
    saml_idp.configure(**knobs)
    before = counts()
    assert_refused(
        sign_in, sign_in.run(**IDP_USER), before, caplog=caplog, reason=reason, code=code
    )


def test_an_assertion_for_another_organization_is_refused(
    sign_in, saml_idp, caplog, live_server, acme
):
    globex = connect(live_server, saml_idp, "Globex")
    saml_idp.configure(audience=sp_urls(globex)["entity_id"])
    before = counts()
    assert_refused(
        sign_in,
        sign_in.run(**IDP_USER),
        before,
        caplog=caplog,
        reason=f"{sp_urls(acme)['entity_id']} is not a valid audience",
        code="saml_wrong_recipient",
    )


def test_a_response_posted_twice_is_refused_the_second_time(sign_in, saml_idp):
    answer = SamlSignIn.sign_in_at_idp(sign_in.start(), **IDP_USER)
    first = sign_in.post_to_acs(answer)
    assert first.status_code == 302
    before = counts()
    # The same browser: its request's state is used up (it stays signed in from the first).
    assert sign_in.post_to_acs(answer).status_code == 403
    assert counts() == before
    # Another browser, which never asked: refused, and not signed in.
    sign_in.sp.cookies.clear()
    assert_refused(sign_in, sign_in.post_to_acs(answer), before, status=403)


# With the organization's sign-in rules (sso/login.py) ---------------------------------------


def test_jit_signs_a_new_person_in_as_a_member_linked_by_the_subject(sign_in, saml_idp, acme):
    saml_idp.configure(email="Nina@Acme.test", subject="okta-00u-nina", first_name="Nina")
    done = sign_in.run(**IDP_USER)

    assert done.status_code == 302, done.text
    assert not done.headers["location"].startswith("/accounts/")
    nina = Account.objects.get(email="nina@acme.test")
    membership = OrgMembership.objects.get(organization=acme, account=nina)
    assert (membership.role, membership.status) == ("member", OrgMembership.ACTIVE)
    link = SocialAccount.objects.get(user=nina)
    assert (link.provider, link.uid) == (acme.id, "okta-00u-nina")
    assert EmailAddress.objects.get(user=nina).verified
    assert signed_in_as(sign_in) == "nina@acme.test"
    assert sign_in.sp.get(f"/o/{acme.id}/").status_code == 200
    # The session is marked as signed in with Acme's SSO (what require_sso reads).
    session = import_module(settings.SESSION_ENGINE).SessionStore(
        session_key=sign_in.sp.cookies["sessionid"]
    )
    assert session.get(SSO_SESSION_KEY) == [acme.id]


def test_the_same_subject_signs_in_to_the_same_account_again(sign_in, saml_idp, acme):
    saml_idp.configure(email="nina@acme.test", subject="okta-00u-nina")
    assert sign_in.run(**IDP_USER).status_code == 302
    sign_in.sp.cookies.clear()
    before = counts()
    assert sign_in.run(**IDP_USER).status_code == 302
    assert counts() == before


def test_an_email_outside_the_verified_domains_is_refused(sign_in, saml_idp, acme):
    saml_idp.configure(email="nina@elsewhere.test", subject="okta-00u-nina")
    before = counts()
    refused = sign_in.run(**IDP_USER)
    assert_refused(sign_in, refused, before, status=refused.status_code)
    assert refused.status_code in (401, 403)
    assert "nina@elsewhere.test" in refused.text
    assert "verified domains" in refused.text


def test_a_subject_linked_to_another_account_is_refused(sign_in, saml_idp, acme):
    linked = make_account("ada@acme.test")
    SocialAccount.objects.create(user=linked, provider=acme.id, uid="okta-00u1ada")
    make_account("bob@acme.test")
    saml_idp.configure(email="bob@acme.test", subject="okta-00u1ada")
    before = counts()
    refused = sign_in.run(**IDP_USER)
    assert_refused(sign_in, refused, before, status=refused.status_code)
    assert refused.status_code in (401, 403)
    assert "linked to a different CallStudio account" in refused.text
    assert not OrgMembership.objects.filter(organization=acme, account__email="bob@acme.test")


def test_an_existing_account_is_linked_when_the_idp_says_the_email_is_verified(
    sign_in, saml_idp, acme
):
    nina = make_account("nina@acme.test")
    saml_idp.configure(email="nina@acme.test", subject="okta-00u-nina", email_verified="true")
    accounts = Account.objects.count()
    done = sign_in.run(**IDP_USER)

    assert done.status_code == 302, done.text
    assert Account.objects.count() == accounts
    assert SocialAccount.objects.get(provider=acme.id, uid="okta-00u-nina").user == nina
    assert OrgMembership.objects.get(organization=acme, account=nina).role == "member"
    assert signed_in_as(sign_in) == "nina@acme.test"


def test_an_existing_account_is_not_linked_without_email_verified(sign_in, saml_idp, acme):
    """SAML has no standard "verified" flag: without the attribute the IdP has not said so."""
    make_account("nina@acme.test")
    saml_idp.configure(email="nina@acme.test", subject="okta-00u-nina")
    before = counts()
    refused = sign_in.run(**IDP_USER)
    assert_refused(sign_in, refused, before, status=403, code="email_not_verified")


def test_a_different_subject_for_an_already_linked_account_is_refused(sign_in, saml_idp, acme):
    saml_idp.configure(email="nina@acme.test", subject="okta-00u-nina")
    assert sign_in.run(**IDP_USER).status_code == 302
    sign_in.sp.cookies.clear()
    saml_idp.configure(subject="okta-00u-impostor", email_verified="true")
    before = counts()
    refused = sign_in.run(**IDP_USER)
    assert_refused(sign_in, refused, before, status=403, code="account_linked_elsewhere")
    assert SocialAccount.objects.get(provider=acme.id).uid == "okta-00u-nina"
