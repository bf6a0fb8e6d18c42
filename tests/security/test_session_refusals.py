"""Issue #11, Bad input: every refusal is the same through a browser session as through a token.
Each case below is made twice by the same person against the JSON API: with their personal token
(`Authorization: Bearer`), and from a signed-in browser session (the session cookie and the CSRF
token, no bearer). Both answers are the same problem+json (status, `code`, fields, words), and
neither changes anything (the full fingerprint)."""

from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from django.test import Client

from callstudio.access.policy import org_access
from callstudio.directory.services import invitation_create, invitation_resend, invitation_revoke
from tests.conftest import PASSWORD, Api
from tests.helpers import assert_problem, assert_unchanged, fingerprint
from tests.rules.conftest import automations_url, rules_url

LOOPBACK_DECIMAL = "http://2130706433/"  # 127.0.0.1


class SessionApi:
    """The JSON API from a signed-in browser: the session cookie, and on unsafe methods the CSRF
    token the browser got from a page (`X-CSRFToken`), as the web pages' scripts send it. CSRF
    checks are enforced, as in a real browser."""

    def __init__(self, account):
        self.client = Client(enforce_csrf_checks=True)
        self.client.force_login(account)
        page = self.client.get("/profile")
        assert page.status_code == 200, page.status_code
        self.csrf = self.client.cookies["csrftoken"].value

    def request(self, method: str, path: str, body=None, *, csrf: bool = True):
        kwargs: dict[str, Any] = {"headers": {"X-CSRFToken": self.csrf} if csrf else {}}
        if body is not None:
            kwargs["data"] = orjson.dumps(body)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method.lower())(path, **kwargs)


@dataclass
class Case:
    who: str
    method: str
    status: int
    code: str
    field: str | None = None


def _invitation_token(world, email: str, *, revoked: bool = False) -> str:
    admin = org_access(world["admin"].account, world.org.id)
    invitation, _ = invitation_create(access=admin, email=email, role="member")
    _, token = invitation_resend(access=admin, invitation_id=invitation.id)
    if revoked:
        invitation_revoke(access=admin, invitation_id=invitation.id)
    return token


def _alert_rule(world):
    body = {"name": "R", "condition": {"type": "keyword", "phrases": ["refund"]}}
    return rules_url(world), {**body, "webhook_url": LOOPBACK_DECIMAL}


def _automation(world):
    action = {"type": "webhook", "url": LOOPBACK_DECIMAL, "secret": "s" * 16}
    body = {"name": "A", "trigger": "call.ingested", "conditions": [], "actions": [action]}
    return automations_url(world), body


# Each case: who makes the request, and a setup returning (path, body) once the world is built.
CASES = {
    "unknown invitation token": (
        Case("outsider", "POST", 410, "invitation_gone"),
        lambda w: ("/api/v1/invitations/not-a-token/accept", None),
    ),
    "revoked invitation token": (
        Case("outsider", "POST", 410, "invitation_gone"),
        lambda w: (
            f"/api/v1/invitations/"
            f"{_invitation_token(w, 'outsider@elsewhere.test', revoked=True)}/accept",
            None,
        ),
    ),
    "invitation of another address": (
        Case("outsider", "POST", 403, "wrong_account"),
        lambda w: (
            f"/api/v1/invitations/{_invitation_token(w, 'newcomer@elsewhere.test')}/accept",
            None,
        ),
    ),
    "leaving as the last Admin": (
        Case("admin", "DELETE", 409, "last_admin"),
        lambda w: (f"/api/v1/me/orgs/{w.org.id}", None),
    ),
    "require_mfa without MFA": (
        Case("admin", "PATCH", 409, "enable_mfa_first", field="require_mfa"),
        lambda w: (w.org_url, {"require_mfa": True}),
    ),
    "alert rule webhook to 2130706433": (
        Case("supervisor", "POST", 422, "url_not_public", field="webhook_url"),
        _alert_rule,
    ),
    "automation webhook to 2130706433": (
        Case("supervisor", "POST", 422, "url_not_public", field="actions[0].url"),
        _automation,
    ),
    "token lifetime of 0 days": (
        Case("member", "POST", 422, "invalid", field="expires_in_days"),
        lambda w: (
            "/api/v1/auth/tokens",
            {"email": "member@acme.test", "password": PASSWORD, "expires_in_days": 0},
        ),
    ),
    "token lifetime of 367 days": (
        Case("member", "POST", 422, "invalid", field="expires_in_days"),
        lambda w: (
            "/api/v1/auth/tokens",
            {"email": "member@acme.test", "password": PASSWORD, "expires_in_days": 367},
        ),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_refusal_is_the_same_through_a_session_and_a_token(world, name):
    case, setup = CASES[name]
    path, body = setup(world)
    session = SessionApi(world[case.who].account)
    token = Api(world[case.who].token)

    before = fingerprint()
    by_token = token.request(case.method, path, body)
    problem = assert_problem(by_token, case.status, field=case.field, code=case.code)
    assert_unchanged(before, name, "token")

    by_session = session.request(case.method, path, body)
    assert by_session.status_code == by_token.status_code, by_session.content
    assert by_session["Content-Type"] == by_token["Content-Type"]
    assert by_session.json() == problem
    assert_unchanged(before, name, "session")


def test_the_session_caller_is_a_session_that_needs_its_csrf_token(world):
    """What the cases above rest on: the session client carries no bearer and is who it says
    (GET /me), and without the CSRF token its unsafe request is refused before anything runs."""
    session = SessionApi(world["admin"].account)
    me = session.request("GET", "/api/v1/me")
    assert me.status_code == 200 and me.json()["email"] == "admin@acme.test"
    before = fingerprint()
    refused = session.request("PATCH", world.org_url, {"require_mfa": True}, csrf=False)
    assert refused.status_code == 403
    assert "CSRF" in refused.content.decode()
    assert_unchanged(before)
