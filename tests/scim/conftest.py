"""SCIM test helpers: tokens stored as scim/tokens.py stores them (its prefix and digest), and a SCIM client over Django's test client that sends
`application/scim+json` with `Authorization: Bearer`."""

import json
import secrets

import pytest
from django.test import Client

from callstudio.scim.models import ScimToken
from callstudio.scim.tokens import TOKEN_PREFIX, token_digest

SCIM_JSON = "application/scim+json"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def make_scim_token(organization, name: str = "Okta") -> tuple[ScimToken, str]:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ScimToken.objects.create(
        organization=organization, name=name, hint=raw[:12], digest=token_digest(raw)
    )
    return token, raw


class Scim:
    def __init__(self, org_id: str, raw: str | None):
        self.client = Client()
        self.base = f"/scim/v2/{org_id}/"
        self.raw = raw

    def request(self, method: str, path: str, body=None, *, headers=None, **query):
        headers = dict(headers or {})
        if self.raw:
            headers.setdefault("Authorization", f"Bearer {self.raw}")
        kwargs = {"headers": headers}
        if query:
            kwargs["query_params"] = query
        if body is not None:
            kwargs["data"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
            kwargs["content_type"] = SCIM_JSON
        return getattr(self.client, method.lower())(self.base + path, **kwargs)

    def get(self, path, **query):
        return self.request("GET", path, **query)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def patch(self, path, operations, **kw):
        return self.request("PATCH", path, {"schemas": [PATCH_OP], "Operations": operations}, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def scim_error(response, status: int, scim_type: str | None = None) -> dict:
    """Assert a SCIM error body and return it."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(SCIM_JSON)
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type
    assert body["detail"]
    return body


def user_body(email: str, **extra) -> dict:
    given, _, family = email.split("@")[0].partition(".")
    body = {
        "schemas": [USER],
        "userName": email,
        "name": {"givenName": given.title(), "familyName": family.title() or "Doe"},
        "emails": [{"value": email, "primary": True, "type": "work"}],
        "active": True,
    }
    body.update(extra)
    return body


@pytest.fixture
def okta(world):
    """A SCIM token "Okta" of Acme and a client using it."""
    token, raw = make_scim_token(world.org, "Okta")
    client = Scim(world.org.id, raw)
    client.token = token
    return client
