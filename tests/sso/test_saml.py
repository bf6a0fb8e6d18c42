"""SAML 2.0 (PRODUCT §8.1): the IdP metadata an Admin pastes is checked (sso/saml.py
`validate_metadata`), the URLs the IdP needs are the allauth ones for the organization, and the
app settings built from the metadata make allauth's SAML provider strict. The metadata here is
a real IdP's: pysaml2's, served by the test IdP process (tests/idp/saml/)."""

import base64
import re

import pytest
from django.test import override_settings
from onelogin.saml2.constants import OneLogin_Saml2_Constants

from callstudio.core.errors import Invalid
from callstudio.directory.services import organization_create
from callstudio.sso import saml
from callstudio.sso.models import SsoConnection
from callstudio.sso.saml import (
    ATTRIBUTE_MAPPING,
    app_settings,
    idp_origin,
    sp_urls,
    validate_metadata,
)
from tests.conftest import make_account
from tests.helpers import assert_problem, assert_unchanged, expect, fingerprint
from tests.idp.saml.harness import running_idp


@pytest.fixture(scope="module")
def saml_idp(tmp_path_factory):
    with running_idp(tmp_path_factory.mktemp("saml-idp")) as idp:
        yield idp


def refusal(xml: str) -> Invalid:
    with pytest.raises(Invalid) as caught:
        validate_metadata(xml)
    error = caught.value
    assert error.status == 422
    assert error.field == "idp_metadata_xml"
    assert error.detail  # a sentence for the form and the problem body
    return error


def certificate_of(metadata: str) -> str:
    return re.search(r"<ns2:X509Certificate>([^<]+)<", metadata).group(1)


# validate_metadata -------------------------------------------------------------------------------


def test_the_idps_own_metadata_is_accepted(saml_idp):
    assert validate_metadata(saml_idp.metadata_xml) is None


@pytest.mark.parametrize(
    ("xml", "code"),
    [
        ("", "saml_metadata_empty"),
        ("   \n", "saml_metadata_empty"),
        ("not xml at all", "saml_metadata_not_xml"),
        ("<EntityDescriptor", "saml_metadata_not_xml"),
        ("<html><body>Okta</body></html>", "saml_metadata_not_idp"),
    ],
)
def test_what_is_not_metadata_is_refused_with_its_code(xml, code):
    assert refusal(xml).code == code


def test_unsafe_xml_is_refused_before_anything_parses_it(saml_idp):
    billion_laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        "<lolz>&lol2;</lolz>"
    )
    external = (
        '<?xml version="1.0"?><!DOCTYPE md [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        'entityID="&xxe;"/>'
    )
    with_doctype = saml_idp.metadata_xml.replace(
        "<ns0:EntityDescriptor", "<!DOCTYPE x><ns0:EntityDescriptor", 1
    )
    for xml in (billion_laughs, external, with_doctype):
        assert refusal(xml).code == "saml_metadata_unsafe"


def test_sp_metadata_is_not_idp_metadata(saml_idp):
    sp_only = saml_idp.metadata_xml.replace("IDPSSODescriptor", "SPSSODescriptor").replace(
        "SingleSignOnService", "AssertionConsumerService"
    )
    error = refusal(sp_only)
    assert error.code == "saml_metadata_not_idp"
    assert "IDPSSODescriptor" in error.detail


def test_metadata_without_a_signing_certificate_is_refused(saml_idp):
    no_keys = re.sub(r"<ns0:KeyDescriptor.*?</ns0:KeyDescriptor>", "", saml_idp.metadata_xml)
    assert "X509Certificate" not in no_keys
    assert refusal(no_keys).code == "saml_metadata_no_certificate"
    encryption_only = saml_idp.metadata_xml.replace('use="signing"', 'use="encryption"')
    assert refusal(encryption_only).code == "saml_metadata_no_certificate"


def test_metadata_with_a_broken_certificate_is_refused(saml_idp):
    broken = saml_idp.metadata_xml.replace(
        certificate_of(saml_idp.metadata_xml), base64.b64encode(b"not a certificate").decode()
    )
    assert refusal(broken).code == "saml_metadata_bad_certificate"


def test_metadata_without_a_redirect_sign_on_endpoint_is_refused(saml_idp):
    post_only = saml_idp.metadata_xml.replace(
        OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT, OneLogin_Saml2_Constants.BINDING_HTTP_POST
    )
    error = refusal(post_only)
    assert error.code == "saml_metadata_no_sso_url"
    assert "HTTP-Redirect" in error.detail


def test_metadata_without_an_entity_id_is_refused(saml_idp):
    nameless = re.sub(r' entityID="[^"]+"', "", saml_idp.metadata_xml, count=1)
    assert refusal(nameless).code == "saml_metadata_no_entity_id"


def test_an_idp_demanding_signed_requests_is_refused_when_pasted(saml_idp):
    demanding = saml_idp.metadata_xml.replace(
        'WantAuthnRequestsSigned="false"', 'WantAuthnRequestsSigned="true"'
    )
    assert refusal(demanding).code == "saml_signed_requests_unsupported"


def test_oversized_metadata_is_refused(saml_idp):
    padded = saml_idp.metadata_xml.replace(
        "</ns0:EntityDescriptor>", "<!--" + "x" * 300_000 + "--></ns0:EntityDescriptor>"
    )
    assert refusal(padded).code == "saml_metadata_too_large"


# sp_urls and app_settings ------------------------------------------------------------------------


@pytest.fixture
def org(db):
    return organization_create(actor=make_account("admin@acme.test"), name="Acme")


@override_settings(CALLSTUDIO_URL="https://callstudio.example.com/")
def test_sp_urls_are_allauths_saml_urls_for_the_org_on_the_canonical_host(org):
    base = f"https://callstudio.example.com/accounts/saml/{org.id}"
    assert sp_urls(org) == {
        "entity_id": f"{base}/metadata/",
        "acs_url": f"{base}/acs/",
        "metadata_url": f"{base}/metadata/",
    }


@override_settings(CALLSTUDIO_URL="https://callstudio.example.com")
def test_app_settings_trust_the_metadatas_idp_and_are_strict(org, saml_idp):
    connection = SsoConnection.objects.create(
        organization=org, protocol="saml", idp_metadata_xml=saml_idp.metadata_xml
    )
    settings = app_settings(connection)
    assert settings["idp"] == {
        "entity_id": f"{saml_idp.url}/metadata",
        "sso_url": f"{saml_idp.url}/sso/redirect",
        "x509cert": certificate_of(saml_idp.metadata_xml),
    }
    assert settings["sp"] == {"entity_id": sp_urls(org)["entity_id"]}
    assert settings["attribute_mapping"] == ATTRIBUTE_MAPPING
    assert settings["advanced"]["strict"] is True
    assert settings["advanced"]["want_assertion_signed"] is True
    assert settings["advanced"]["authn_request_signed"] is False
    assert settings["advanced"]["reject_idp_initiated_sso"] is True
    assert settings["advanced"]["reject_deprecated_algorithm"] is True


def test_the_idp_origin_is_the_sign_on_services(org, saml_idp):
    connection = SsoConnection(
        organization=org, protocol="saml", idp_metadata_xml=saml_idp.metadata_xml
    )
    assert idp_origin(connection) == saml_idp.url  # http://127.0.0.1:<port>


def test_the_attribute_mapping_reads_okta_and_entra_names():
    assert ATTRIBUTE_MAPPING["email"][:2] == [
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    ]
    assert (
        "http://schemas.microsoft.com/identity/claims/objectidentifier"
        in (ATTRIBUTE_MAPPING["uid"])
    )
    assert set(ATTRIBUTE_MAPPING) == {
        "uid",
        "email",
        "email_verified",
        "first_name",
        "last_name",
        "name",
    }


def other_certificate(saml_idp) -> str:
    pem = saml_idp.other_cert_file.read_text()
    return "".join(line for line in pem.splitlines() if "CERTIFICATE" not in line)


def with_key(metadata: str, use: str, certificate: str) -> str:
    """The metadata with one more KeyDescriptor, after the existing one."""
    key = (
        f'<ns0:KeyDescriptor use="{use}"><ns2:KeyInfo><ns2:X509Data><ns2:X509Certificate>'
        f"{certificate}</ns2:X509Certificate></ns2:X509Data></ns2:KeyInfo></ns0:KeyDescriptor>"
    )
    return metadata.replace("</ns0:KeyDescriptor>", "</ns0:KeyDescriptor>" + key, 1)


def test_during_a_rollover_the_first_signing_certificate_is_trusted(org, saml_idp):
    trusted = certificate_of(saml_idp.metadata_xml)
    for use in ("signing", "encryption"):
        xml = with_key(saml_idp.metadata_xml, use, other_certificate(saml_idp))
        validate_metadata(xml)
        connection = SsoConnection(organization=org, protocol="saml", idp_metadata_xml=xml)
        assert app_settings(connection)["idp"]["x509cert"] == trusted


def test_an_encryption_certificate_alone_does_not_make_metadata_usable(saml_idp):
    only_encryption = with_key(
        saml_idp.metadata_xml.replace('use="signing"', 'use="encryption"'),
        "encryption",
        other_certificate(saml_idp),
    )
    assert refusal(only_encryption).code == "saml_metadata_no_certificate"


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("Signature validation failed. SAML Response rejected", "saml_signature_invalid"),
        ("No Signature found. SAML Response rejected", "saml_signature_invalid"),
        (
            "Deprecated digest algorithm found: http://www.w3.org/2000/09/xmldsig#sha1",
            "saml_signature_invalid",
        ),
        ("Could not validate timestamp: not yet valid. Check system clock.", "saml_expired"),
        (
            "The response was received at https://a/acs/ instead of https://b/acs/",
            "saml_wrong_recipient",
        ),
        ("SAML Response must contain 1 assertion", "saml_invalid"),
    ],
)
def test_python3_saml_reasons_become_a_code_and_a_sentence(reason, code):
    found_code, message = saml.refusal(
        {"saml_errors": ["invalid_response"], "saml_last_error_reason": reason}
    )
    assert found_code == code
    assert message.endswith(".") and "SAML" not in message


def test_other_authentication_errors_are_not_saml_refusals():
    assert saml.refusal(None) is None
    assert saml.refusal({}) is None
    assert saml.refusal({"saml_errors": []}) is None


# Through PUT/GET /api/v1/orgs/{org}/sso (h1's router calls this module) ----------------------


def put_sso(world, who: str, body: dict):
    return world.api(who).request("PUT", f"{world.org_url}/sso", body)


def test_put_accepts_the_idps_metadata_and_get_gives_the_sp_values(world, saml_idp):
    body = expect(
        put_sso(world, "admin", {"protocol": "saml", "idp_metadata_xml": saml_idp.metadata_xml}),
        200,
    )
    assert body["idp_metadata_set"] is True
    got = expect(world.api("admin").get(f"{world.org_url}/sso"), 200)
    assert {k: got[k] for k in ("entity_id", "acs_url", "metadata_url")} == sp_urls(world.org)
    assert "idp_metadata_xml" not in got
    connection = SsoConnection.objects.get(organization=world.org)
    assert app_settings(connection)["idp"]["entity_id"] == f"{saml_idp.url}/metadata"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            lambda xml: xml.replace('use="signing"', 'use="encryption"'),
            "saml_metadata_no_certificate",
        ),
        (lambda xml: xml.replace("HTTP-Redirect", "HTTP-POST"), "saml_metadata_no_sso_url"),
        (lambda xml: xml.replace("IDPSSODescriptor", "SPSSODescriptor"), "saml_metadata_not_idp"),
        (lambda xml: "<!DOCTYPE x>" + xml, "saml_metadata_unsafe"),
    ],
)
def test_put_refuses_unusable_metadata_with_its_code_and_changes_nothing(
    world, saml_idp, change, code
):
    expect(
        put_sso(world, "admin", {"protocol": "saml", "idp_metadata_xml": saml_idp.metadata_xml}),
        200,
    )
    before = fingerprint()
    body = assert_problem(
        put_sso(
            world, "admin", {"protocol": "saml", "idp_metadata_xml": change(saml_idp.metadata_xml)}
        ),
        422,
        field="idp_metadata_xml",
        code=code,
    )
    assert body["detail"]
    assert_unchanged(before, code)


def test_put_with_another_orgs_id_or_without_org_manage_validates_nothing(world, saml_idp):
    """The policy comes first: a manager (no org.manage) gets 403 and another organization's
    Admin 404, even for metadata that would be refused."""
    bad = {"protocol": "saml", "idp_metadata_xml": "<not-metadata/>"}
    before = fingerprint()
    assert_problem(put_sso(world, "manager", bad), 403)
    assert_problem(put_sso(world, "foreign_admin", bad), 404)
    assert_unchanged(before, "refused before validation")


def test_unusable_stored_metadata_builds_no_app_and_offers_no_sign_in(world, saml_idp):
    """Metadata that reached the database without these checks: no allauth app, so the
    organization's sign-in page is a 404, not a server error."""
    no_certificate = saml_idp.metadata_xml.replace('use="signing"', 'use="encryption"')
    connection = SsoConnection.objects.create(
        organization=world.org, protocol="saml", idp_metadata_xml=no_certificate
    )
    assert app_settings(connection) is None
    assert world.api(None).client.get(f"/sso/{world.org.id}/login").status_code == 404
    connection.idp_metadata_xml = saml_idp.metadata_xml
    connection.save()
    assert world.api(None).client.get(f"/sso/{world.org.id}/login").status_code == 200
