"""`GET`/`PUT`/`DELETE /api/v1/orgs/{org}/sso`: permissions, validation (problem+json with a
code, nothing changed), the write-only secret, audit entries without secrets, and the discovery
document read from the real IdP (tests/idp/oidc/) on save."""

import orjson
import pytest
from allauth.socialaccount.models import SocialAccount
from django.conf import settings

from callstudio.core.models import AuditLogEntry
from callstudio.sso.crypto import decrypt_secret
from callstudio.sso.models import SsoConnection
from tests.helpers import assert_problem, assert_unchanged, expect, fingerprint
from tests.idp.saml.harness import sample_metadata
from tests.orgsettings.mfa import give_mfa

from .conftest import connect

pytestmark = pytest.mark.django_db

# Accepted by sso/saml.py: an IdP descriptor with a signing certificate and a sign-on URL.
METADATA = sample_metadata("https://idp.acme.test/saml")


def put(world, who, body):
    return world.api(who).request("PUT", f"{world.org_url}/sso", body)


def oidc_body(idp, **over):
    return {
        "protocol": "oidc",
        "issuer": idp.issuer,
        "client_id": "callstudio",
        "client_secret": "the-client-secret-123",
        "jit": True,
        "default_role": "member",
        "require_sso": False,
        **over,
    }


def test_get_before_configuring_gives_what_the_idp_needs(world):
    body = expect(world.api("admin").get(f"{world.org_url}/sso"), 200)
    org = world.org.id
    assert body["configured"] is False and body["protocol"] is None
    # Built from CALLSTUDIO_URL, never from the request's Host.
    assert body["redirect_uri"] == f"{settings.CALLSTUDIO_URL}/accounts/oidc/{org}/login/callback/"
    assert body["acs_url"].endswith(f"/accounts/saml/{org}/acs/")
    assert body["metadata_url"].endswith(f"/accounts/saml/{org}/metadata/")
    assert body["entity_id"] and body["scopes"] == "openid email profile"
    assert body["login_url"].endswith(f"/sso/{org}/login")


@pytest.mark.parametrize("who", ["manager", "member", "supervisor", "agent", "qa"])
def test_only_org_manage_reads_or_writes_it(world, oidc_idp, private_urls, who):
    assert_problem(world.api(who).get(f"{world.org_url}/sso"), 403)
    before = fingerprint()
    assert_problem(put(world, who, oidc_body(oidc_idp)), 403)
    assert_problem(world.api(who).delete(f"{world.org_url}/sso"), 403)
    assert_unchanged(before, who)


def test_another_organization_is_not_found(world, oidc_idp, private_urls):
    foreign = f"/api/v1/orgs/{world.foreign_org.id}/sso"
    assert_problem(world.api("admin").get(foreign), 404)
    before = fingerprint()
    assert_problem(world.api("admin").request("PUT", foreign, oidc_body(oidc_idp)), 404)
    assert_problem(world.api("admin").delete(foreign), 404)
    assert_unchanged(before, "foreign")


def test_put_oidc_reads_discovery_stores_the_secret_encrypted_and_never_returns_it(
    world, oidc_idp, private_urls
):
    response = put(world, "admin", oidc_body(oidc_idp))
    body = expect(response, 200)
    assert b"the-client-secret-123" not in response.content
    assert body["configured"] and body["protocol"] == "oidc"
    assert body["issuer"] == oidc_idp.issuer and body["client_secret_set"] is True
    stored = SsoConnection.objects.get(organization=world.org)
    assert (
        stored.client_secret.startswith("v1:") and "the-client-secret" not in stored.client_secret
    )
    assert decrypt_secret(stored.client_secret) == "the-client-secret-123"
    get = world.api("admin").get(f"{world.org_url}/sso")
    assert b"the-client-secret" not in get.content and b"v1:" not in get.content
    entry = AuditLogEntry.objects.get(organization=world.org, action="sso.update")
    assert entry.before is None
    assert entry.after["issuer"] == oidc_idp.issuer and entry.after["client_secret"] == "changed"
    assert b"the-client-secret" not in orjson.dumps([entry.before, entry.after])

    # Omitted, the secret is kept; the same settings again record nothing.
    expect(put(world, "admin", oidc_body(oidc_idp, client_secret=None)), 200)
    stored.refresh_from_db()
    assert decrypt_secret(stored.client_secret) == "the-client-secret-123"
    assert AuditLogEntry.objects.filter(action="sso.update").count() == 1
    expect(put(world, "admin", oidc_body(oidc_idp, client_secret=None, jit=False)), 200)
    latest = AuditLogEntry.objects.filter(action="sso.update").latest("id")
    assert (latest.before["jit"], latest.after["jit"]) == (True, False)
    assert "client_secret" not in latest.after


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"protocol": "ldap"}, "protocol", "invalid"),
        ({"issuer": "ftp://idp.acme.test"}, "issuer", "issuer_not_https"),
        ({"issuer": "http://idp.example.com"}, "issuer", "issuer_not_https"),
        ({"issuer": "https://idp.example.com/?x=1"}, "issuer", "invalid"),
        ({"issuer": 12}, "issuer", "invalid"),
        ({"client_id": ""}, "client_id", "invalid"),
        ({"client_secret": None}, "client_secret", "invalid"),
        ({"jit": "yes"}, "jit", "invalid"),
        ({"require_sso": 1}, "require_sso", "invalid"),
        ({"default_role": "admin"}, "default_role", "admin_default"),
        ({"default_role": "agent"}, "default_role", "invalid"),
        ({"default_role": "no-such-role"}, "default_role", "invalid"),
    ],
)
def test_bad_input_is_422_with_a_code_and_changes_nothing(
    world, oidc_idp, private_urls, change, field, code
):
    before = fingerprint()
    assert_problem(put(world, "admin", oidc_body(oidc_idp, **change)), 422, field=field, code=code)
    assert_unchanged(before, change)


def test_an_unknown_field_is_refused(world, oidc_idp, private_urls):
    before = fingerprint()
    assert_problem(put(world, "admin", oidc_body(oidc_idp, secret="x")), 422)
    assert_unchanged(before, "extra field")


def test_a_loopback_issuer_is_refused_unless_the_operator_allows_private_urls(world, oidc_idp):
    before = fingerprint()
    assert_problem(
        put(world, "admin", oidc_body(oidc_idp)), 422, field="issuer", code="issuer_not_https"
    )
    assert_unchanged(before, "loopback")


def test_a_private_https_issuer_is_refused_by_netguard(world):
    before = fingerprint()
    body = {
        "protocol": "oidc",
        "issuer": "https://10.1.2.3",
        "client_id": "x",
        "client_secret": "y",
    }
    assert_problem(put(world, "admin", body), 422, field="issuer", code="url_not_public")
    assert_unchanged(before, "private issuer")


def test_an_issuer_without_a_discovery_document_is_a_clear_422(world, oidc_idp, private_urls):
    before = fingerprint()
    body = assert_problem(
        put(world, "admin", oidc_body(oidc_idp, issuer=oidc_idp.issuer + "/nothing-here")),
        422,
        field="issuer",
        code="discovery_failed",
    )
    assert "HTTP 404" in body["detail"] and ".well-known/openid-configuration" in body["detail"]
    assert_unchanged(before, "no discovery")


def test_saml_connection_and_switching_idp_removes_the_old_links(world, oidc_idp, private_urls):
    connect(oidc_idp, world)
    SocialAccount.objects.create(user=world["member"].account, provider=world.org.id, uid="old-sub")
    body = expect(
        put(world, "admin", {"protocol": "saml", "idp_metadata_xml": METADATA, "jit": False}), 200
    )
    assert body["protocol"] == "saml" and body["idp_metadata_set"] is True
    assert body["client_secret_set"] is False and body["issuer"] == ""
    assert not SocialAccount.objects.filter(provider=world.org.id).exists()
    entry = AuditLogEntry.objects.filter(action="sso.update").latest("id")
    assert entry.after["links_removed"] == 1
    assert entry.after["idp_entity_id"] == "https://idp.acme.test/saml"


@pytest.mark.parametrize("xml", ["", "not xml", "<a/>", '<!DOCTYPE x [<!ENTITY e "x">]><a>&e;</a>'])
def test_bad_saml_metadata_is_refused(world, xml):
    before = fingerprint()
    assert_problem(
        put(world, "admin", {"protocol": "saml", "idp_metadata_xml": xml}),
        422,
        field="idp_metadata_xml",
    )
    assert_unchanged(before, xml)


def test_delete_removes_the_connection_and_its_links_not_the_accounts(
    world, oidc_idp, private_urls
):
    connect(oidc_idp, world)
    SocialAccount.objects.create(user=world["member"].account, provider=world.org.id, uid="s1")
    other = SocialAccount.objects.create(
        user=world["member"].account, provider=world.foreign_org.id, uid="s1"
    )
    assert world.api("admin").delete(f"{world.org_url}/sso").status_code == 204
    assert not SsoConnection.objects.filter(organization=world.org).exists()
    assert list(SocialAccount.objects.values_list("pk", flat=True)) == [other.pk]
    entry = AuditLogEntry.objects.get(action="sso.delete")
    assert entry.after == {"links_removed": 1} and entry.before["protocol"] == "oidc"
    before = fingerprint()
    assert_problem(world.api("admin").delete(f"{world.org_url}/sso"), 404, code="no_sso")
    assert_unchanged(before, "delete twice")


def test_reading_the_connection_takes_a_fixed_number_of_queries(world, oidc_idp, private_urls):
    """The token, the membership (with the organization), the connection: nothing per link or
    per member, however many people the IdP has signed in."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connect(oidc_idp, world)
    api = world.api("admin")
    api.get(f"{world.org_url}/sso")
    with CaptureQueriesContext(connection) as few:
        expect(api.get(f"{world.org_url}/sso"), 200)
    for n in range(20):
        SocialAccount.objects.create(user=world["member"].account, provider=f"org_{n}", uid="x")
    with CaptureQueriesContext(connection) as many:
        expect(api.get(f"{world.org_url}/sso"), 200)
    assert len(many) == len(few) <= 5, [q["sql"] for q in many.captured_queries]


def test_requiring_sso_needs_the_admin_to_have_a_second_factor(world, oidc_idp, private_urls):
    """Admins with a second factor are the way in when the IdP fails; switching require_sso on
    without being one would lock out everyone, the switcher included (409, nothing changed)."""
    expect(put(world, "admin", oidc_body(oidc_idp)), 200)
    before = fingerprint()
    assert_problem(
        put(world, "admin", oidc_body(oidc_idp, require_sso=True)),
        409,
        code="enable_mfa_first",
    )
    assert_unchanged(before, "require_sso without MFA")
    give_mfa(world["admin"].account)
    body = expect(put(world, "admin", oidc_body(oidc_idp, require_sso=True)), 200)
    assert body["require_sso"] is True
    assert SsoConnection.objects.get(organization=world.org).require_sso is True
    # Once on, saving other settings does not ask again (the switch is not being turned on).
    expect(put(world, "admin", oidc_body(oidc_idp, require_sso=True, jit=False)), 200)


def test_a_custom_role_with_org_manage_cannot_require_sso(world, oidc_idp, private_urls):
    """Break-glass is the built-in Admin's: someone whose custom role holds every organization
    permission, second factor or not, cannot be the way back in, so cannot switch it on."""
    from callstudio.access.permissions import ORG_PERMISSIONS
    from callstudio.access.policy import org_access
    from callstudio.access.services import role_create
    from callstudio.directory.services import org_member_change_role

    admin = org_access(world["admin"].account, world.org.id)
    owner = role_create(
        access=admin, name="Owner", scope="org", permissions=sorted(ORG_PERMISSIONS)
    )
    org_member_change_role(access=admin, account_id=world["manager"].account_id, role=owner.id)
    give_mfa(world["manager"].account)
    expect(put(world, "manager", oidc_body(oidc_idp)), 200)
    before = fingerprint()
    assert_problem(
        put(world, "manager", oidc_body(oidc_idp, require_sso=True)), 409, code="enable_mfa_first"
    )
    assert_unchanged(before, "require_sso by a custom role")


def test_a_saml_connection_keeps_its_metadata_when_a_put_leaves_it_out(world):
    """As the client secret: left out (API) or empty (the page's form) keeps the stored one;
    the first PUT must give it."""
    saml = {"protocol": "saml", "jit": False, "default_role": "member", "require_sso": False}
    before = fingerprint()
    assert_problem(put(world, "admin", saml), 422)
    assert_unchanged(before, "SAML without metadata")
    expect(put(world, "admin", {**saml, "idp_metadata_xml": METADATA}), 200)
    expect(put(world, "admin", {**saml, "jit": True}), 200)
    stored = SsoConnection.objects.get(organization=world.org)
    assert (stored.jit, stored.idp_metadata_xml) == (True, METADATA)
