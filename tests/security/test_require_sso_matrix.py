"""The route table again, for the principal "no_sso": Acme's supervisor (supervisor@acme.test, in
Acme's verified domain) while Acme's SSO connection has `require_sso` on, signed in with a
password (a session without the SSO mark, a token minted without one). Every organization and
team route refuses them (API: 403 `sso_required`; pages: the SSO sign-in prompt, 403) and changes
nothing; account routes and leaving answer as usual (the route split is require_mfa's,
test_require_mfa_matrix.py). The same supervisor through Acme's SSO (a marked session, a token
minted from one) gets exactly what the main matrix says a supervisor gets."""

import pytest

from callstudio.accounts.models import PersonalToken
from callstudio.sso.models import SsoConnection
from tests.helpers import assert_unchanged, fingerprint
from tests.sso.test_require_sso import mark

from . import test_route_matrix
from .principals import client_for, targets  # noqa: F401  (targets: a fixture)
from .routes import API, UI
from .test_require_mfa_matrix import ACCOUNT_API, ACCOUNT_UI, ORG_API, ORG_UI
from .test_route_matrix import _send

WHO = "supervisor"


@pytest.fixture
def no_sso(world, targets):  # noqa: F811
    # targets holds Acme's verified acme.test; Acme now requires SSO.
    SsoConnection.objects.create(
        organization=world.org,
        protocol=SsoConnection.OIDC,
        issuer="https://idp.acme.test",
        client_id="callstudio",
        require_sso=True,
    )
    return world, targets


@pytest.fixture
def through_sso(no_sso, monkeypatch):
    """The supervisor's token as minted from a session marked by Acme's SSO, and every page
    client's session marked so."""
    world, targets = no_sso  # noqa: F811
    PersonalToken.objects.filter(account=world[WHO].account).update(sso_org_ids=[world.org.id])

    def marked(world, targets, who, *, ui):  # noqa: F811
        client, headers = client_for(world, targets, who, ui=ui)
        if ui and who == WHO:
            mark(client, world.org.id)
        return client, headers

    monkeypatch.setattr(test_route_matrix, "client_for", marked)
    return world, targets


@pytest.mark.parametrize("key", ORG_API)
def test_api_refuses_a_password_signed_member(no_sso, key):
    world, targets = no_sso  # noqa: F811
    before = fingerprint()
    response, _ = _send(world, targets, key, WHO, ui=False)
    assert response.status_code == 403, (key, response.content[:300])
    assert response.json()["code"] == "sso_required", key
    assert_unchanged(before, key)


@pytest.mark.parametrize("key", ORG_UI)
def test_pages_show_the_sso_sign_in_prompt(no_sso, key):
    world, targets = no_sso  # noqa: F811
    before = fingerprint()
    response, _ = _send(world, targets, key, WHO, ui=True)
    assert response.status_code == 403, key
    html = response.content.decode()
    assert "Acme requires single sign-on" in html, key
    assert f'href="/sso/{world.org.id}/login"' in html
    assert world.team.name not in html, key
    assert_unchanged(before, key)


@pytest.mark.parametrize(
    ("key", "ui"), [(k, False) for k in ACCOUNT_API] + [(k, True) for k in ACCOUNT_UI]
)
def test_account_routes_answer_as_usual(no_sso, key, ui):
    world, targets = no_sso  # noqa: F811
    rule = (UI if ui else API)[key]
    response, _ = _send(world, targets, key, WHO, ui=ui)
    assert response.status_code == rule.expected(WHO, ui=ui), (key, response.content[:300])
    assert not _refused_by_sso(response, ui=ui), key


@pytest.mark.parametrize(("key", "ui"), [(k, False) for k in ORG_API] + [(k, True) for k in ORG_UI])
def test_through_acmes_sso_the_supervisor_gets_the_usual_answer(through_sso, key, ui):
    world, targets = through_sso  # noqa: F811
    rule = (UI if ui else API)[key]
    response, _ = _send(world, targets, key, WHO, ui=ui)
    assert response.status_code == rule.expected(WHO, ui=ui), (key, response.status_code)
    # A 403 the supervisor's role earns, never the policy's (which is also a 403).
    assert not _refused_by_sso(response, ui=ui), key


def _refused_by_sso(response, *, ui: bool) -> bool:
    if response.streaming:  # a CSV export: an answer, not a refusal page
        return False
    body = response.content.decode(errors="replace")
    if ui:
        return "requires single sign-on" in body
    return '"sso_required"' in body
