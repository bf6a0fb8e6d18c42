"""SAML 2.0 for an organization's SSO connection (PRODUCT §8.1): what allauth's SAML provider
needs to talk to the organization's identity provider, the URLs the Admin pastes into the IdP,
and the check of the IdP metadata an Admin pastes in.

The organization's allauth app (sso/providers.py) has `client_id` = the organization's id, so
allauth's SAML URLs are `/accounts/saml/<org id>/{acs,metadata,login}/`. The IdP's settings are
parsed from the stored metadata XML each time the app is built (no fetch of a remote metadata
URL: what the Admin pasted, and this module accepted, is what is trusted).

Decisions where the contract is silent (docs/sso.md "SAML 2.0"):
- The assertion must be signed by the certificate in the metadata (Okta and Entra sign the
  assertion by default); a signed Response is verified too but not required.
- AuthnRequests are not signed (the SP holds no key): metadata that demands signed requests is
  refused when pasted, rather than failing at every login.
- Only SP-initiated logins: a Response that answers no request of ours is refused (allauth's
  `reject_idp_initiated_sso`), so a stolen unsolicited assertion cannot be replayed into a login.
- Clock drift: python3-saml's fixed allowance (`OneLogin_Saml2_Constants.ALLOWED_CLOCK_DRIFT`,
  300 s); an assertion past its NotOnOrAfter by more than that is refused.
"""

import base64
import binascii
from urllib.parse import urlsplit

from cryptography import x509
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as safe_fromstring
from django.urls import reverse
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from callstudio.core.errors import Invalid
from callstudio.core.links import absolute_url

# Enough for Entra's federation metadata with a few certificates; far below anything harmful.
MAX_METADATA_BYTES = 256 * 1024
MD_NS = "urn:oasis:names:tc:SAML:2.0:metadata"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
FIELD = "idp_metadata_xml"

# Which IdP attribute feeds each account field: the first one present wins. `uid` is the
# subject the account is linked by; without any of these allauth falls back to the NameID,
# which is what Okta sends by default (choose "Persistent" there). Entra's object id is stable
# across renames, its NameID (the UPN) is not, so it comes first when present.
ATTRIBUTE_MAPPING = {
    "uid": [
        "urn:oasis:names:tc:SAML:attribute:subject-id",
        "http://schemas.microsoft.com/identity/claims/objectidentifier",
    ],
    "email": [
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "email",
    ],
    "email_verified": ["email_verified", "http://schemas.auth0.com/email_verified"],
    "first_name": [
        "urn:oid:2.5.4.42",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
        "firstName",
    ],
    "last_name": [
        "urn:oid:2.5.4.4",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
        "lastName",
    ],
    "name": [
        "urn:oid:2.16.840.1.113730.3.1.241",
        "http://schemas.microsoft.com/identity/claims/displayname",
        "displayName",
    ],
}


def sp_urls(org) -> dict:
    """What the Admin pastes into the IdP: the SP entity ID (our metadata URL, as allauth would
    default it, but from the canonical base URL so it does not depend on the Host header), the
    Assertion Consumer Service URL and the SP metadata URL."""
    return sp_values(org.id)


def sp_values(org_id: str) -> dict:
    """`sp_urls` by the organization's id (sso/selectors.py asks with the id)."""
    slug = {"organization_slug": str(org_id)}
    metadata_url = absolute_url(reverse("saml_metadata", kwargs=slug))
    return {
        "entity_id": metadata_url,
        "acs_url": absolute_url(reverse("saml_acs", kwargs=slug)),
        "metadata_url": metadata_url,
    }


def idp_origin(connection) -> str:
    """`scheme://host[:port]` of the IdP's sign-on service, for the sign-in page's CSP
    `form-action` (browsers apply it to the redirect to the IdP that follows the form)."""
    url = urlsplit(_parse(connection.idp_metadata_xml)["idp"]["singleSignOnService"]["url"])
    return f"{url.scheme}://{url.netloc}"


def app_settings(connection) -> dict | None:
    """`SocialApp.settings` for allauth's SAML provider, from the connection's metadata; None
    when the stored metadata is not usable (saved before these checks, or edited in the
    database): then there is no app and sign-in is not offered (sso/providers.py), rather than
    an error at every login."""
    xml = connection.idp_metadata_xml
    try:
        validate_metadata(xml)
    except Invalid:
        return None
    idp = _parse(xml)["idp"]
    return {
        "idp": {
            "entity_id": idp["entityId"],
            "sso_url": idp["singleSignOnService"]["url"],
            "x509cert": _signing_certificates(xml, idp["entityId"])[0],
        },
        "sp": {"entity_id": sp_values(connection.organization_id)["entity_id"]},
        "attribute_mapping": ATTRIBUTE_MAPPING,
        # The NameID is the subject; an email-format NameID is also the email when no email
        # attribute is sent (allauth does that on its own for the emailAddress format only).
        "use_nameid_for_email": False,
        "advanced": {
            "strict": True,
            "want_assertion_signed": True,
            "want_message_signed": False,
            "authn_request_signed": False,
            "reject_idp_initiated_sso": True,
            "reject_deprecated_algorithm": True,
            "want_attribute_statement": False,
            "digest_algorithm": OneLogin_Saml2_Constants.SHA256,
            "signature_algorithm": OneLogin_Saml2_Constants.RSA_SHA256,
        },
    }


# python3-saml's reasons for refusing a Response (allauth passes the last one on as
# `saml_last_error_reason`), grouped into what the person and their Admin can act on.
REFUSALS = [
    (
        ("signature", "signed", "Signature", "KeyInfo", "algorithm"),
        "saml_signature_invalid",
        "The identity provider's answer was not signed with the certificate in this "
        "organization's SSO settings (or used a deprecated algorithm such as SHA-1). An Admin "
        "should paste the identity provider's current metadata.",
    ),
    (
        ("expired", "not yet valid", "SessionNotOnOrAfter"),
        "saml_expired",
        "The identity provider's answer has expired or is not valid yet. Start the sign-in "
        "again; if it happens again, the identity provider's clock may be wrong.",
    ),
    (
        ("audience", "received at", "Destination"),
        "saml_wrong_recipient",
        "The identity provider's answer was meant for another application or organization. "
        "An Admin should check the Entity ID and ACS URL pasted into the identity provider.",
    ),
]


def refusal(extra_context: dict | None) -> tuple[str, str] | None:
    """(`code`, message) for the refusal page when allauth's SAML views refused a Response,
    from python3-saml's reason; None when the error was not a SAML validation one."""
    context = extra_context or {}
    if not context.get("saml_errors"):
        return None
    reason = str(context.get("saml_last_error_reason") or "")
    for words, code, message in REFUSALS:
        if any(word in reason for word in words):
            return code, message
    return (
        "saml_invalid",
        "The identity provider's answer could not be verified, so nobody was signed in. Start "
        "the sign-in again, or ask an Admin to check the organization's SSO settings.",
    )


def validate_metadata(xml: str) -> None:
    """Refuse (422 with a `code`) what is not usable IdP metadata: not XML, unsafe XML (a DTD,
    entities, external references), no IdP descriptor, no HTTP-Redirect sign-on endpoint, no
    signing certificate or one that does not parse, or an IdP that demands signed requests."""
    if not xml or not xml.strip():
        raise _invalid("Paste the identity provider's SAML metadata XML.", "saml_metadata_empty")
    if len(xml.encode()) > MAX_METADATA_BYTES:
        raise _invalid(
            f"The metadata is larger than {MAX_METADATA_BYTES // 1024} KB.",
            "saml_metadata_too_large",
        )
    try:
        root = safe_fromstring(xml.encode(), forbid_dtd=True)
    except DefusedXmlException:
        raise _invalid(
            "The metadata uses a DTD, entities or external references, which are refused.",
            "saml_metadata_unsafe",
        ) from None
    except (ParseError, ValueError):
        raise _invalid("The metadata is not well-formed XML.", "saml_metadata_not_xml") from None
    if root.tag not in (f"{{{MD_NS}}}EntityDescriptor", f"{{{MD_NS}}}EntitiesDescriptor"):
        raise _invalid(
            "This is not SAML metadata (no md:EntityDescriptor).", "saml_metadata_not_idp"
        )
    data = _parse(xml)
    idp = data.get("idp")
    if not idp:
        raise _invalid(
            "The metadata describes no identity provider (no IDPSSODescriptor).",
            "saml_metadata_not_idp",
        )
    if not idp.get("entityId"):
        raise _invalid("The metadata has no entityID.", "saml_metadata_no_entity_id")
    if not idp.get("singleSignOnService", {}).get("url"):
        raise _invalid(
            "The metadata has no SingleSignOnService with the HTTP-Redirect binding.",
            "saml_metadata_no_sso_url",
        )
    certificates = _signing_certificates(xml, idp["entityId"])
    if not certificates:
        raise _invalid(
            'The metadata has no signing certificate (KeyDescriptor use="signing").',
            "saml_metadata_no_certificate",
        )
    for certificate in certificates:
        try:
            x509.load_der_x509_certificate(base64.b64decode(certificate, validate=True))
        except (binascii.Error, ValueError):
            raise _invalid(
                "The metadata's signing certificate is not a valid X.509 certificate.",
                "saml_metadata_bad_certificate",
            ) from None
    if data.get("security", {}).get("authnRequestsSigned"):
        raise _invalid(
            "The identity provider demands signed authentication requests "
            '(WantAuthnRequestsSigned="true"); turn that off in the IdP.',
            "saml_signed_requests_unsupported",
        )


def clean_metadata(xml: str) -> tuple[str, str]:
    """For sso/services.py: the metadata as pasted once `validate_metadata` accepts it, and the
    IdP's entity ID (what names the IdP in the audit log and decides whether links still hold)."""
    validate_metadata(xml)
    return xml, _parse(xml)["idp"]["entityId"]


def _parse(xml: str) -> dict:
    try:
        return OneLogin_Saml2_IdPMetadataParser.parse(xml)
    except Exception:  # python3-saml raises bare exceptions for XML it cannot read
        raise _invalid("The metadata is not well-formed XML.", "saml_metadata_not_xml") from None


def _signing_certificates(xml: str, entity_id: str) -> list[str]:
    """The signing certificates of the IdP `entity_id` (KeyDescriptor `use="signing"` or no
    `use`). Read here, not from the parser's result: it files a lone encryption certificate
    under `x509cert` as if it could sign."""
    root = safe_fromstring(xml.encode(), forbid_dtd=True)
    entities = [root, *root.iter(f"{{{MD_NS}}}EntityDescriptor")]
    for entity in entities:
        idp = entity.find(f"{{{MD_NS}}}IDPSSODescriptor")
        if entity.get("entityID") != entity_id or idp is None:
            continue
        return [
            "".join((node.text or "").split())
            for key in idp.findall(f"{{{MD_NS}}}KeyDescriptor")
            if key.get("use", "signing") == "signing"
            for node in key.iter(f"{{{DS_NS}}}X509Certificate")
        ]
    return []


def _invalid(message: str, code: str) -> Invalid:
    return Invalid(message, field=FIELD, code=code)
