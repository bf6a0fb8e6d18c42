"""The pages: Organization > Settings > SSO (same service as the API), Sign in with SSO by email,
/sso/<org>/login and its Content-Security-Policy, and the session's SSO mark."""

import pytest
from django.test import Client

from callstudio.core.models import AuditLogEntry
from callstudio.sso.models import SsoConnection
from callstudio.sso.session import SESSION_KEY
from tests.conftest import PASSWORD
from tests.helpers import assert_unchanged, fingerprint

pytestmark = pytest.mark.django_db


def signed_in(email: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def test_the_login_page_keeps_its_form_and_offers_sso(world):
    html = Client().get("/accounts/login/").content.decode()
    assert 'name="login"' in html and 'name="password"' in html and "Sign In" in html
    assert 'href="/sso/"' in html and "Sign in with SSO" in html


def test_the_sso_page_shows_the_values_and_saves_through_the_service(world, oidc_idp, private_urls):
    client = signed_in("admin@acme.test")
    url = f"/o/{world.org.id}/settings/sso"
    html = client.get(url).content.decode()
    assert f"/accounts/oidc/{world.org.id}/login/callback/" in html
    assert f"/accounts/saml/{world.org.id}/acs/" in html
    assert f'href="/o/{world.org.id}/settings/domains"' in html
    form = {
        "protocol": "oidc",
        "issuer": oidc_idp.issuer,
        "client_id": "cs-page",
        "client_secret": "page-secret-1",
        "jit": "on",
        "default_role": "member",
    }
    response = client.post(url, form)
    assert response.status_code == 302 and response["Location"] == url
    connection = SsoConnection.objects.get(organization=world.org)
    assert (connection.client_id, connection.jit, connection.require_sso) == (
        "cs-page",
        True,
        False,
    )
    page = client.get(url).content.decode()
    assert "page-secret-1" not in page and "a client secret is stored" in page
    assert (
        AuditLogEntry.objects.filter(action="sso.update", actor=world["admin"].account).count() == 1
    )


def test_errors_show_on_the_form_and_change_nothing(world, private_urls):
    client = signed_in("admin@acme.test")
    before = fingerprint()
    response = client.post(
        f"/o/{world.org.id}/settings/sso",
        {
            "protocol": "oidc",
            "issuer": "http://idp.example.com",
            "client_id": "x",
            "client_secret": "y",
            "default_role": "member",
        },
    )
    assert response.status_code == 422
    assert b"The issuer must be an https:// URL." in response.content
    assert b"field-invalid" in response.content
    assert_unchanged(before, "page error")


def test_members_without_org_manage_are_refused_the_page(world):
    for who in ("manager", "member"):
        assert (
            signed_in(f"{who}@acme.test").get(f"/o/{world.org.id}/settings/sso").status_code == 403
        )
    assert signed_in("admin@globex.test").get(f"/o/{world.org.id}/settings/sso").status_code == 404


def test_sign_in_by_email_goes_to_the_organization_owning_the_domain(oidc, world):
    client = Client()
    response = client.post("/sso/", {"email": "Someone@ACME.test"})
    assert response.status_code == 302 and response["Location"] == f"/sso/{world.org.id}/login"
    start = client.post(response["Location"])
    assert "login_hint=Someone%40ACME.test" in start["Location"]
    unknown = Client().post("/sso/", {"email": "someone@globex.test"})
    assert unknown.status_code == 422
    assert b"No organization signs in with SSO for this email" in unknown.content


def test_the_sign_in_page_lets_its_form_reach_the_idp_only(oidc, world):
    response = Client().get(f"/sso/{world.org.id}/login")
    assert response.status_code == 200
    assert b"Continue with Acme single sign-on" in response.content
    policy = response["Content-Security-Policy"]
    assert f"form-action 'self' {oidc.idp.issuer};" in policy
    assert "script-src 'self'" in policy
    start = Client().post(f"/sso/{world.org.id}/login")
    assert start.status_code == 302 and start["Location"].startswith(
        f"{oidc.idp.issuer}/identity/o/authorize?"
    )
    assert "code_challenge=" in start["Location"] and "state=" in start["Location"]


def test_a_password_login_never_carries_an_sso_mark(oidc, world):
    """Django keeps a session's data across a login (it cycles the key): a mark that was in the
    session before a password login does not survive it."""
    client = Client()
    client.get("/accounts/login/")
    session = client.session
    session[SESSION_KEY] = [world.org.id]
    session.save()
    client.post("/accounts/login/", {"login": "member@acme.test", "password": PASSWORD})
    assert int(client.session["_auth_user_id"]) == world["member"].account.pk
    assert SESSION_KEY not in client.session


def test_an_idp_the_server_may_not_reach_is_a_clear_page(oidc, world, settings):
    """The IdP's URLs pass netguard at sign-in too: once private addresses are no longer
    allowed, the judge on 127.0.0.1 is out of reach, and the person is told so."""
    settings.CALLSTUDIO_ALLOW_PRIVATE_URLS = False
    before = fingerprint()
    response = Client().post(f"/sso/{world.org.id}/login")
    assert response.status_code == 502
    assert b"cannot be reached right now" in response.content
    assert_unchanged(before, "unreachable idp")


def test_the_audit_log_page_says_what_changed_in_words(oidc, world):
    html = signed_in("admin@acme.test").get(f"/o/{world.org.id}/audit-log").content.decode()
    assert "SSO connection changed" in html
    assert "Just-in-time accounts and memberships: yes" in html
    assert f"Issuer: {oidc.idp.issuer}" in html and "Client secret: changed" in html
