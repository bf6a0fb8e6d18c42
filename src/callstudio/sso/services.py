"""Writing the organization's SSO connection (PRODUCT §8.1), for holders of `org.manage`.

`sso_update` is a PUT: the whole configuration is given each time, except the OpenID Connect
client secret, which is write-only: omitted, the stored one is kept. The issuer's discovery
document is fetched before anything is saved (sso/http.py), so a connection that cannot work is
refused with 422 and nothing changes. Audit entries never hold a secret.

Changing the identity provider (protocol, or the OIDC issuer, or the SAML IdP's entity ID) or
deleting the connection removes every account link made through it: the next IdP's subjects are
not the old one's, and a subject reused by the new IdP must never open an account linked by the
old one. People sign in again and are linked afresh by the rules of sso/login.py."""

import ipaddress
from urllib.parse import urlsplit

from allauth.socialaccount.models import SocialAccount
from django.db import transaction

from callstudio.access.policy import OrgAccess, is_break_glass_admin
from callstudio.accounts.mfa import has_mfa
from callstudio.core.audit import audit_record
from callstudio.core.audit_actions import AuditAction
from callstudio.core.errors import Conflict, Invalid, NotFound
from callstudio.core.validation import clean_text
from callstudio.directory.services.organizations import _clean_default_role

from . import http
from .crypto import encrypt_secret
from .models import SsoConnection

MAX_METADATA_BYTES = 512 * 1024
LOOPBACK_NAMES = {"localhost"}


def _bool(value, field: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"{field} is true or false.", field=field)
    return value


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def clean_issuer(value) -> str:
    """An https:// URL without query or fragment. http:// only for a loopback host, and only
    where the operator allows private URLs (CALLSTUDIO_ALLOW_PRIVATE_URLS: development and the
    test suite's own identity provider). Stored without a trailing slash."""
    issuer = clean_text(value, field="issuer", max_length=500)
    try:
        parts = urlsplit(issuer)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        raise Invalid("Enter the issuer as an https:// URL.", field="issuer") from None
    if not parts.hostname or parts.query or parts.fragment or parts.username or parts.password:
        raise Invalid(
            "Enter the issuer as an https:// URL, without query, fragment or credentials.",
            field="issuer",
        )
    insecure_ok = parts.scheme == "http" and _is_loopback(parts.hostname) and http.allow_private()
    if parts.scheme != "https" and not insecure_ok:
        raise Invalid(
            "The issuer must be an https:// URL.", field="issuer", code="issuer_not_https"
        )
    return issuer.rstrip("/")


def _clean_metadata(value) -> tuple[str, str]:
    """The SAML IdP's metadata XML → (xml, the IdP's entity ID). h2's sso/saml.py checks it fully
    once merged (`clean_metadata`); until then: well-formed, no DTD, an EntityDescriptor."""
    xml = clean_text(value, field="idp_metadata_xml", max_length=MAX_METADATA_BYTES)
    try:
        from . import saml
    except ImportError:
        saml = None
    if saml is not None and hasattr(saml, "clean_metadata"):
        return saml.clean_metadata(xml)
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(xml, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException):
        raise Invalid(
            "Paste the identity provider's SAML metadata XML.", field="idp_metadata_xml"
        ) from None
    if not root.tag.endswith("}EntityDescriptor") or not root.get("entityID"):
        raise Invalid(
            "The metadata must be an md:EntityDescriptor with an entityID.",
            field="idp_metadata_xml",
        )
    return xml, root.get("entityID")


def _identity(connection: SsoConnection | None) -> tuple | None:
    """What names the identity provider: links made under one are not valid under another."""
    if connection is None:
        return None
    if connection.protocol == SsoConnection.OIDC:
        return (SsoConnection.OIDC, connection.issuer)
    try:
        return (SsoConnection.SAML, _clean_metadata(connection.idp_metadata_xml)[1])
    except Invalid:
        return (SsoConnection.SAML, None)


def _state(connection: SsoConnection, *, secret_changed: bool = False) -> dict:
    state = {
        "protocol": connection.protocol,
        "jit": connection.jit,
        "default_role": connection.default_role,
        "require_sso": connection.require_sso,
    }
    if connection.protocol == SsoConnection.OIDC:
        state.update(issuer=connection.issuer, client_id=connection.client_id)
        if secret_changed:
            state["client_secret"] = "changed"
    else:
        state["idp_entity_id"] = _identity(connection)[1]
    return state


def _remove_links(org_id: str) -> int:
    return SocialAccount.objects.filter(provider=org_id).delete()[0]


def sso_update(
    *,
    access: OrgAccess,
    protocol,
    issuer=None,
    client_id=None,
    client_secret=None,
    idp_metadata_xml=None,
    jit=False,
    default_role="member",
    require_sso=False,
) -> SsoConnection:
    access.require("org.manage")
    org = access.organization
    current = SsoConnection.objects.filter(organization_id=org.id).first()
    if protocol not in (SsoConnection.OIDC, SsoConnection.SAML):
        raise Invalid('protocol is "oidc" or "saml".', field="protocol")
    fields = {
        "protocol": protocol,
        "jit": _bool(jit, "jit"),
        "require_sso": _bool(require_sso, "require_sso"),
        "issuer": "",
        "client_id": "",
        "client_secret": "",
        "idp_metadata_xml": "",
    }
    if current is not None and default_role == current.default_role:
        fields["default_role"] = default_role  # unchanged: not re-checked (as Organization's)
    else:
        fields["default_role"] = _clean_default_role(access, default_role or "member")
    secret_changed = False
    if protocol == SsoConnection.OIDC:
        fields["issuer"] = clean_issuer(issuer)
        fields["client_id"] = clean_text(client_id, field="client_id", max_length=255)
        if client_secret is not None and client_secret != "":
            secret = clean_text(client_secret, field="client_secret", max_length=1000)
            fields["client_secret"], secret_changed = encrypt_secret(secret), True
        elif current is not None and current.protocol == SsoConnection.OIDC:
            fields["client_secret"] = current.client_secret
        else:
            raise Invalid("Enter the client secret.", field="client_secret")
    else:
        if idp_metadata_xml in (None, "") and current is not None and current.protocol == "saml":
            idp_metadata_xml = current.idp_metadata_xml  # left out: the stored one stays
        fields["idp_metadata_xml"], _ = _clean_metadata(idp_metadata_xml)
    turning_on = fields["require_sso"] and not (current is not None and current.require_sso)
    if turning_on and not (is_break_glass_admin(access) and has_mfa(access.account)):
        # Built-in Admins with a second factor are the way in when the IdP fails (break-glass):
        # the one switching it on must be one, or a broken IdP locks everyone out.
        raise Conflict(
            "Only an Admin with two-factor authentication (Profile, Security) can require "
            "SSO: Admins with a second factor keep password access when the identity "
            "provider is down.",
            field="require_sso",
            code="enable_mfa_first",
        )
    if protocol == SsoConnection.OIDC:
        http.fetch_discovery(fields["issuer"])  # 422 when the IdP cannot be read
    with transaction.atomic():
        locked = SsoConnection.objects.select_for_update().filter(organization_id=org.id).first()
        before = _state(locked) if locked is not None else None
        old_identity = _identity(locked)
        connection = locked or SsoConnection(organization=org)
        for key, value in fields.items():
            setattr(connection, key, value)
        after = _state(connection, secret_changed=secret_changed)
        if before == after:  # nothing changed records nothing (a new secret is a change)
            return connection
        connection.save()
        removed = 0
        if old_identity is not None and old_identity != _identity(connection):
            removed = _remove_links(org.id)
            after["links_removed"] = removed
        audit_record(
            actor=access.account,
            action=AuditAction.SSO_UPDATE,
            target=org,
            organization=org,
            before=before,
            after=after,
        )
    return connection


@transaction.atomic
def sso_delete(*, access: OrgAccess) -> None:
    """The connection and every account link made through it go; accounts and memberships
    stay (people sign in with their password, or an Admin reconnects an IdP)."""
    access.require("org.manage")
    org = access.organization
    connection = SsoConnection.objects.select_for_update().filter(organization_id=org.id).first()
    if connection is None:
        raise NotFound("This organization has no SSO connection.", code="no_sso")
    before = _state(connection)
    connection.delete()
    removed = _remove_links(org.id)
    audit_record(
        actor=access.account,
        action=AuditAction.SSO_DELETE,
        target=org,
        organization=org,
        before=before,
        after={"links_removed": removed},
    )
