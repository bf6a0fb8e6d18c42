"""Only a SCIM token of the organization in the URL reaches its SCIM endpoints: no header, an
unknown or revoked token is 401; a personal API token or a signed-in browser is 401 too (the
route matrix asks every session principal; here the token ones); another organization's token
is 404, as any other tenant's URL. No cookie is read or set, and no CSRF token is needed."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from callstudio.access.policy import org_access
from callstudio.scim.models import ScimToken
from callstudio.scim.tokens import scim_token_create, scim_token_revoke
from tests.helpers import assert_unchanged, fingerprint

from .conftest import Scim, make_scim_token, scim_error, user_body

ROUTES = ["ServiceProviderConfig", "Schemas", "ResourceTypes", "Users", "Groups", "Users/x", "Nope"]


def _unauthorized(response, *, cookies=False):
    scim_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert bool(response.cookies) == cookies


@pytest.mark.parametrize("route", ROUTES)
def test_no_unknown_or_malformed_credentials_are_401(world, route):
    _unauthorized(Scim(world.org.id, None).get(route))
    _unauthorized(Scim(world.org.id, "cs_scim_unknown").get(route))
    _unauthorized(Scim(world.org.id, None).get(route, headers={"Authorization": "Basic YTpi"}))


@pytest.mark.parametrize("who", ["admin", "member", "foreign_admin", "outsider"])
def test_personal_api_tokens_are_401(world, who):
    client = Scim(world.org.id, world[who].token)
    before = fingerprint()
    _unauthorized(client.get("Users"))
    _unauthorized(client.post("Users", user_body("sneaky@acme.test")))
    assert_unchanged(before, who)


def test_a_signed_in_browser_is_401(world):
    browser = Client()
    browser.force_login(world["admin"].account)
    # The browser's own session cookie may be refreshed by the session middleware (its idle
    # clock); SCIM neither reads it nor answers with anything but 401.
    response = browser.get(f"/scim/v2/{world.org.id}/Users")
    scim_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_401_at_once(world):
    access = org_access(world["admin"].account, world.org.id)
    token, raw = scim_token_create(access=access, name="Okta")
    client = Scim(world.org.id, raw)
    assert client.get("Users").status_code == 200
    scim_token_revoke(access=access, token_id=token.id)
    before = fingerprint()
    _unauthorized(client.get("Users"))
    _unauthorized(client.post("Users", user_body("late@acme.test")))
    assert_unchanged(before, "revoked")


def test_another_organizations_token_is_404(world):
    _, raw = make_scim_token(world.foreign_org, "Globex IdP")
    client = Scim(world.org.id, raw)
    before = fingerprint()
    for route in (
        "Users",
        "Groups",
        f"Users/{world['member'].account_id}",
        "ServiceProviderConfig",
    ):
        scim_error(client.get(route), 404)
    scim_error(client.post("Users", user_body("x@acme.test")), 404)
    assert_unchanged(before, "foreign token")
    # And the organization that does not exist answers the same.
    scim_error(Scim("org_doesnotexist", raw).get("Users"), 404)


def test_no_csrf_token_and_no_cookie(world, okta):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        okta.base + "Users",
        data=json.dumps(user_body("ada@acme.test")),
        content_type="application/scim+json",
        headers={"Authorization": f"Bearer {okta.raw}"},
    )
    assert response.status_code == 201
    assert not response.cookies and "Set-Cookie" not in response.headers
    assert response["Cache-Control"] == "no-store"


def test_last_used_at_is_written_at_most_once_a_minute(world, okta):
    assert okta.get("Users").status_code == 200
    first = ScimToken.objects.get(id=okta.token.id).last_used_at
    assert first is not None
    okta.get("Users")
    assert ScimToken.objects.get(id=okta.token.id).last_used_at == first
    ScimToken.objects.filter(id=okta.token.id).update(last_used_at=first - timedelta(seconds=61))
    okta.get("Users")
    assert ScimToken.objects.get(id=okta.token.id).last_used_at > first - timedelta(seconds=1)
    assert ScimToken.objects.get(id=okta.token.id).last_used_at <= timezone.now()


@pytest.mark.parametrize(
    "path", ["/api/v1/me", "/api/v1/orgs/{org}", "/api/v1/orgs/{org}/members", "/api/v1/orgs"]
)
def test_a_scim_token_opens_nothing_of_the_api(world, okta, path):
    response = Client().get(
        path.format(org=world.org.id), headers={"Authorization": f"Bearer {okta.raw}"}
    )
    assert response.status_code == 401


def test_a_scim_token_opens_no_page(world, okta):
    response = Client().get(f"/o/{world.org.id}/", headers={"Authorization": f"Bearer {okta.raw}"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
