"""The route table again, for the principal "no_mfa": Acme's supervisor while Acme requires MFA
and they have none. Every organization and team route refuses them (API: 403 `mfa_required`;
pages: the enrollment prompt, 403) and changes nothing; account routes (their profile, tokens,
leaving an organization) answer as usual. The same supervisor with a second factor gets exactly
what the main matrix says a supervisor gets."""

import pytest

from tests.helpers import assert_unchanged, fingerprint
from tests.orgsettings.mfa import give_mfa, require_mfa

from .principals import targets  # noqa: F401  (fixture)
from .routes import API, UI
from .test_route_matrix import _send

WHO = "supervisor"
# Leaving is an organization route the policy does not refuse (access/resolve.py).
LEAVE = {"DELETE /api/v1/me/orgs/{org}", "GET profile/orgs/<str:org_id>/leave"}
LEAVE |= {"POST profile/orgs/<str:org_id>/leave"}
ORG_API = sorted(k for k, r in API.items() if r.kind == "org" and k not in LEAVE)
ORG_UI = sorted(k for k, r in UI.items() if r.kind == "org" and k not in LEAVE)
ACCOUNT_API = sorted(k for k, r in API.items() if r.kind == "account" or k in LEAVE)
ACCOUNT_UI = sorted(k for k, r in UI.items() if r.kind == "account" or k in LEAVE)


@pytest.fixture
def no_mfa(world, targets):  # noqa: F811
    require_mfa(world)
    return world, targets


@pytest.mark.parametrize("key", ORG_API)
def test_api_refuses_a_member_without_mfa(no_mfa, key):
    world, targets = no_mfa  # noqa: F811
    before = fingerprint()
    response, _ = _send(world, targets, key, WHO, ui=False)
    assert response.status_code == 403, (key, response.content[:300])
    assert response.json()["code"] == "mfa_required", key
    assert_unchanged(before, key)


@pytest.mark.parametrize("key", ORG_UI)
def test_pages_show_the_enrollment_prompt(no_mfa, key):
    world, targets = no_mfa  # noqa: F811
    before = fingerprint()
    response, _ = _send(world, targets, key, WHO, ui=True)
    assert response.status_code == 403, key
    html = response.content.decode()
    assert "Acme requires two-factor authentication" in html, key
    assert 'href="/profile/security"' in html
    assert world.team.name not in html, key
    assert_unchanged(before, key)


@pytest.mark.parametrize(
    ("key", "ui"), [(k, False) for k in ACCOUNT_API] + [(k, True) for k in ACCOUNT_UI]
)
def test_account_routes_answer_as_usual(no_mfa, key, ui):
    world, targets = no_mfa  # noqa: F811
    rule = (UI if ui else API)[key]
    response, _ = _send(world, targets, key, WHO, ui=ui)
    assert response.status_code == rule.expected(WHO, ui=ui), (key, response.content[:300])


@pytest.mark.parametrize(("key", "ui"), [(k, False) for k in ORG_API] + [(k, True) for k in ORG_UI])
def test_with_a_second_factor_the_supervisor_gets_the_usual_answer(no_mfa, key, ui):
    world, targets = no_mfa  # noqa: F811
    give_mfa(world[WHO].account)
    rule = (UI if ui else API)[key]
    response, _ = _send(world, targets, key, WHO, ui=ui)
    assert response.status_code == rule.expected(WHO, ui=ui), (key, response.status_code)
