"""SSO fixtures: the real OpenID Connect provider (tests/idp/oidc/, its own process, one per
test session), Acme's verified domain, and a helper that walks a sign-in through the IdP over
real HTTP with a plain HTTP client (the browser tests do the same with Chromium)."""

import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest
from django.utils import timezone

from callstudio.access.policy import org_access
from callstudio.sso.models import OrgDomain
from callstudio.sso.services import sso_update
from tests.idp.oidc.server import OidcIdp

IDP_PASSWORD = "idp-password-for-tests-1"


@pytest.fixture(scope="session")
def oidc_idp(tmp_path_factory):
    idp = OidcIdp(tmp_path_factory.mktemp("oidc-idp")).start()
    yield idp
    idp.stop()


@pytest.fixture
def private_urls(settings):
    """The judge listens on 127.0.0.1: the operator's switch for private addresses is on."""
    settings.CALLSTUDIO_ALLOW_PRIVATE_URLS = True


def verify_domain(org, domain: str) -> OrgDomain:
    return OrgDomain.objects.create(
        organization=org,
        domain=domain,
        txt_record="callstudio-verify=test",
        verified_at=timezone.now(),
    )


@dataclass
class Oidc:
    """Acme connected to the judge: `client_id`/`secret` registered there for `base_url`."""

    idp: OidcIdp
    org: object
    client_id: str
    secret: str
    base_url: str

    def redirect_uri(self, org_id: str | None = None) -> str:
        return f"{self.base_url}/accounts/oidc/{org_id or self.org.id}/login/callback/"

    def person(self, email: str, *, verified: bool = True, first_name="Ada", last_name="Lovelace"):
        """A person at the IdP; returns their subject (`sub`)."""
        username = email.replace("@", "_at_")
        users = self.idp.setup(
            users=[
                {
                    "username": username,
                    "email": email,
                    "password": IDP_PASSWORD,
                    "verified": verified,
                    "first_name": first_name,
                    "last_name": last_name,
                }
            ]
        )["users"]
        return users[username]


def connect(idp: OidcIdp, world, *, base_url="http://testserver", jit=True, role="member") -> Oidc:
    client_id, secret = f"cs-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    oidc = Oidc(idp=idp, org=world.org, client_id=client_id, secret=secret, base_url=base_url)
    idp.setup(clients=[{"id": client_id, "secret": secret, "redirect_uris": [oidc.redirect_uri()]}])
    sso_update(
        access=org_access(world["admin"].account, world.org.id),
        protocol="oidc",
        issuer=idp.issuer,
        client_id=client_id,
        client_secret=secret,
        jit=jit,
        default_role=role,
    )
    return oidc


@pytest.fixture
def oidc(oidc_idp, world, private_urls):
    verify_domain(world.org, "acme.test")
    return connect(oidc_idp, world)


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def idp_sign_in(authorize_url: str, email: str, password: str = IDP_PASSWORD) -> str:
    """At the IdP: open the authorization URL, sign in on its login page, and return the URL it
    sends the browser back to (CallStudio's callback with `code` and `state`)."""
    with httpx.Client(timeout=10) as browser:
        r = browser.get(authorize_url)
        assert r.status_code == 302, r.text[:300]
        login_url = httpx.URL(authorize_url).join(r.headers["location"])
        page = browser.get(login_url)
        r = browser.post(
            login_url,
            data={"login": email, "password": password, "csrfmiddlewaretoken": _csrf(page.text)},
            headers={"Referer": str(login_url)},
        )
        assert r.status_code == 302, r.text[:500]
        r = browser.get(login_url.join(r.headers["location"]))
        assert r.status_code == 302, r.text[:300]
        return r.headers["location"]


def sso_round_trip(
    client,
    org_id: str,
    email: str,
    *,
    tamper_state: bool = False,
    tamper_nonce: bool = False,
    start_path: str | None = None,
):
    """POST /sso/<org>/login (or `start_path`), sign in at the IdP, then follow its redirect back
    to CallStudio's callback with the Django test client. Returns the callback's response."""
    start = client.post(start_path or f"/sso/{org_id}/login")
    assert start.status_code == 302, start.content[:300]
    authorize = start["Location"]
    if tamper_nonce:
        assert "nonce=" in authorize
        authorize = re.sub(r"nonce=[^&]+", "nonce=forged-nonce", authorize)
    callback = idp_sign_in(authorize, email)
    parts = urlsplit(callback)
    query = parts.query
    if tamper_state:
        query = re.sub(r"state=[^&]+", "state=forged-state-value", query)
    return client.get(f"{parts.path}?{query}")
