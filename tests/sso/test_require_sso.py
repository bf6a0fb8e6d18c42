"""`require_sso` (PRODUCT §8.1): while Acme's SSO connection requires it, a member whose email is
in one of Acme's verified domains reaches Acme only through a session that signed in with
Acme's SSO (the session's mark, sso/session.py) or a token minted from such a session; an Admin
with a second factor keeps password access (break-glass); everyone else of those gets 403
`sso_required`. Members outside the domains, other organizations and leaving are unaffected.

Sessions are marked through Django's test client session, which is the real session store the
SSO callback writes to; tokens are minted through the real profile page."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from callstudio.access.policy import org_access
from callstudio.access.resolve import resolve_org
from callstudio.accounts.models import Account, PersonalToken
from callstudio.core.errors import Forbidden
from callstudio.directory.services import org_member_add, team_member_add
from callstudio.sso.models import OrgDomain, SsoConnection
from callstudio.sso.session import SESSION_KEY
from tests.conftest import PASSWORD, Api, person
from tests.helpers import assert_problem, assert_unchanged, expect, fingerprint
from tests.orgsettings.mfa import give_mfa


def require_sso(world, *, on: bool = True, domain: str = "acme.test") -> SsoConnection:
    """Acme has an OIDC connection with `require_sso` and has verified acme.test."""
    connection_row = SsoConnection.objects.create(
        organization=world.org,
        protocol=SsoConnection.OIDC,
        issuer="https://idp.acme.test",
        client_id="callstudio",
        require_sso=on,
    )
    OrgDomain.objects.create(
        organization=world.org, domain=domain, txt_record="v", verified_at=timezone.now()
    )
    return connection_row


def mark(client: Client, *org_ids: str) -> Client:
    """Mark the client's session as the SSO callback does (sso.session.mark_signed_in_with_sso)."""
    session = client.session
    session[SESSION_KEY] = sorted(org_ids)
    session.save()
    return client


def browser(world, who: str) -> Client:
    client = Client()
    client.force_login(world[who].account)
    return client


@pytest.fixture
def acme(world):
    require_sso(world)
    return world


def _paths(world) -> list[str]:
    return [world.org_url, f"{world.org_url}/teams", f"{world.team_url}/calls"]


def _pages(world) -> list[str]:
    return [f"/o/{world.org.id}/", f"/o/{world.org.id}/teams/{world.team.id}/calls"]


# Refused


@pytest.mark.parametrize("who", ["supervisor", "manager", "member", "agent"])
def test_a_password_session_is_403_sso_required_on_the_api(acme, who):
    client = browser(acme, who)
    for path in _paths(acme):
        before = fingerprint()
        body = assert_problem(client.get(path), 403, code="sso_required")
        assert "Acme requires signing in with its single sign-on" in body["detail"]
        assert body["organization"] == {"id": acme.org.id, "name": "Acme"}
        assert body["sso_login_url"] == f"/sso/{acme.org.id}/login"
        assert_unchanged(before, who, path)


@pytest.mark.parametrize("who", ["supervisor", "agent"])
def test_a_password_session_gets_the_sso_required_page(acme, who):
    client = browser(acme, who)
    for path in _pages(acme):
        before = fingerprint()
        response = client.get(path)
        assert response.status_code == 403, path
        html = response.content.decode()
        assert "Acme requires single sign-on" in html
        assert f'href="/sso/{acme.org.id}/login"' in html
        assert acme.team.name not in html
        assert_unchanged(before, path)


def test_a_token_minted_with_a_password_is_refused(acme):
    # The world's tokens were minted without any session; so is one from POST /auth/tokens.
    assert_problem(acme.api("supervisor").get(acme.team_url), 403, code="sso_required")
    minted = expect(
        Client().post(
            "/api/v1/auth/tokens",
            {"email": "supervisor@acme.test", "password": PASSWORD},
            content_type="application/json",
        ),
        201,
    )
    assert PersonalToken.objects.get(id=minted["id"]).sso_org_ids == []
    assert_problem(Api(minted["token"]).get(acme.team_url), 403, code="sso_required")


def test_writes_are_refused_and_change_nothing(acme):
    before = fingerprint()
    response = browser(acme, "manager").post(
        f"{acme.org_url}/teams", {"name": "Sneaky"}, content_type="application/json"
    )
    assert_problem(response, 403, code="sso_required")
    assert_unchanged(before)


def test_another_organizations_mark_does_not_open_acme(acme):
    client = mark(browser(acme, "supervisor"), acme.foreign_org.id)
    assert_problem(client.get(acme.team_url), 403, code="sso_required")


def test_an_admin_without_a_second_factor_is_refused(acme):
    assert_problem(browser(acme, "admin").get(acme.org_url), 403, code="sso_required")
    assert_problem(acme.api("admin").get(acme.org_url), 403, code="sso_required")
    assert browser(acme, "admin").get(f"/o/{acme.org.id}/").status_code == 403


# Allowed


@pytest.mark.parametrize("who", ["supervisor", "manager", "member", "agent", "admin"])
def test_a_session_marked_by_acmes_sso_gets_in(acme, who):
    client = mark(browser(acme, who), acme.org.id)
    assert expect(client.get(acme.org_url), 200)["id"] == acme.org.id
    assert client.get(f"/o/{acme.org.id}/").status_code == 200


def test_a_marked_session_reaches_teams_on_the_api_and_pages(acme):
    client = mark(browser(acme, "supervisor"), acme.foreign_org.id, acme.org.id)
    for path in _paths(acme):
        assert client.get(path).status_code == 200, path
    for path in _pages(acme):
        assert client.get(path).status_code == 200, path


def _mint_in_browser(client: Client, name: str) -> str:
    expect(client.post("/accounts/reauthenticate/", {"password": PASSWORD}), 302)
    created = client.post("/profile", {"name": name})
    assert created.status_code == 302 and created["Location"] == "/profile"
    shown = client.get("/profile").content.decode()
    return re.search(r'<code id="new-token"[^>]*>(cs_pat_[^<]+)</code>', shown).group(1)


def test_a_token_minted_from_a_marked_session_gets_in(acme):
    client = mark(browser(acme, "supervisor"), acme.org.id)
    raw = _mint_in_browser(client, "from sso")
    token = PersonalToken.objects.get(account=acme["supervisor"].account, name="from sso")
    assert token.sso_org_ids == [acme.org.id]
    for path in _paths(acme):
        assert Api(raw).get(path).status_code == 200, path


def test_a_token_minted_from_an_unmarked_session_is_refused(acme):
    raw = _mint_in_browser(browser(acme, "supervisor"), "from password")
    token = PersonalToken.objects.get(account=acme["supervisor"].account, name="from password")
    assert token.sso_org_ids == []
    assert_problem(Api(raw).get(acme.team_url), 403, code="sso_required")


def test_a_token_is_judged_by_its_own_marks_not_a_session_cookie_beside_it(acme):
    client = mark(browser(acme, "supervisor"), acme.org.id)
    headers = {"Authorization": f"Bearer {acme['supervisor'].token}"}
    assert_problem(client.get(acme.team_url, headers=headers), 403, code="sso_required")
    assert client.get(acme.team_url).status_code == 200


def test_an_admin_with_a_second_factor_keeps_password_access(acme):
    give_mfa(acme["admin"].account)
    assert expect(browser(acme, "admin").get(acme.org_url), 200)["id"] == acme.org.id
    assert acme.api("admin").get(acme.team_url).status_code == 200
    assert browser(acme, "admin").get(f"/o/{acme.org.id}/").status_code == 200


def test_a_second_factor_does_not_exempt_other_members(acme):
    give_mfa(acme["supervisor"].account)
    give_mfa(acme["manager"].account)
    assert_problem(acme.api("supervisor").get(acme.team_url), 403, code="sso_required")
    assert_problem(browser(acme, "manager").get(acme.org_url), 403, code="sso_required")


def test_with_require_mfa_too_the_admin_break_glass_costs_no_extra_query(acme):
    from callstudio.directory.services import organization_update

    give_mfa(acme["admin"].account)
    organization_update(access=org_access(acme["admin"].account, acme.org.id), require_mfa=True)
    count, outcome = _resolve_queries(acme, "admin")
    assert count == 2  # the membership, then require_mfa's has_mfa; nothing for require_sso
    assert outcome.organization == acme.org
    # A member with a second factor passes require_mfa and still meets require_sso.
    give_mfa(acme["supervisor"].account)
    assert_problem(acme.api("supervisor").get(acme.team_url), 403, code="sso_required")
    assert_problem(acme.api("agent").get(acme.team_url), 403, code="mfa_required")


def test_a_custom_role_with_every_permission_is_not_the_admin_break_glass(acme):
    from callstudio.access.permissions import ORG_PERMISSIONS
    from callstudio.access.services import role_create
    from callstudio.directory.services import org_member_change_role

    admin = org_access(acme["admin"].account, acme.org.id)
    everything = role_create(
        access=admin, name="Almighty", scope="org", permissions=sorted(ORG_PERMISSIONS)
    )
    org_member_change_role(access=admin, account_id=acme["manager"].account_id, role=everything.id)
    give_mfa(acme["manager"].account)
    assert_problem(browser(acme, "manager").get(acme.org_url), 403, code="sso_required")


def test_members_outside_the_verified_domains_are_not_affected(acme):
    contractor = person("pat@contractors.test")
    admin = org_access(acme["admin"].account, acme.org.id)
    org_member_add(access=admin, account_id=contractor.account_id)
    from callstudio.access.policy import team_access

    team_member_add(
        access=team_access(admin, acme.team.id), account_id=contractor.account_id, role="agent"
    )
    assert Api(contractor.token).get(acme.team_url).status_code == 200
    client = Client()
    client.force_login(contractor.account)
    assert client.get(f"/o/{acme.org.id}/teams/{acme.team.id}/calls").status_code == 200


def test_a_subdomain_is_not_the_verified_domain(acme):
    Account.objects.filter(pk=acme["agent"].account.pk).update(email="agent@eu.acme.test")
    assert acme.api("agent").get(acme.team_url).status_code == 200


def test_an_unverified_claim_puts_nobody_under_the_policy(world):
    require_sso(world)
    OrgDomain.objects.filter(organization=world.org).update(verified_at=None)
    assert world.api("supervisor").get(world.team_url).status_code == 200


def test_with_require_sso_off_password_access_goes_on(world):
    require_sso(world, on=False)
    assert world.api("supervisor").get(world.team_url).status_code == 200
    assert browser(world, "supervisor").get(f"/o/{world.org.id}/").status_code == 200


def test_other_organizations_are_unaffected(acme):
    # Acme's supervisor is also a member of Globex, which has no SSO.
    globex = org_access(acme["foreign_admin"].account, acme.foreign_org.id)
    org_member_add(access=globex, account_id=acme["supervisor"].account_id)
    api = acme.api("supervisor")
    assert api.get(f"/api/v1/orgs/{acme.foreign_org.id}").status_code == 200
    assert_problem(api.get(acme.org_url), 403, code="sso_required")
    assert acme.api("foreign_admin").get(f"/api/v1/orgs/{acme.foreign_org.id}").status_code == 200


def test_leaving_stays_open(acme):
    client = browser(acme, "agent")
    assert client.get(f"/profile/orgs/{acme.org.id}/leave").status_code == 200
    response = acme.api("agent").delete(f"/api/v1/me/orgs/{acme.org.id}")
    assert expect(response, 200)["status"] == "archived"


# The mark and password sign-ins


def test_a_password_sign_in_clears_the_mark_of_the_session(acme):
    client = Client()
    mark(client, acme.org.id)  # e.g. left by an earlier SSO sign-in in this browser
    response = client.post("/accounts/login/", {"login": "agent@acme.test", "password": PASSWORD})
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert_problem(client.get(acme.team_url), 403, code="sso_required")


# Cost: read with the organization access


def _resolve_queries(world, who, marks=frozenset()) -> tuple[int, object]:
    request = RequestFactory().get("/")
    account = Account.objects.get(pk=world[who].account.pk)
    with CaptureQueriesContext(connection) as queries:
        try:
            outcome = resolve_org(request, world.org.id, account=account, sso_org_ids=marks)
        except Forbidden as exc:
            outcome = exc
    return len(queries), outcome


def test_no_sso_connection_costs_no_query(world):
    count, outcome = _resolve_queries(world, "supervisor")
    assert count == 1 and outcome.organization == world.org  # the membership query alone


def test_a_connection_without_require_sso_costs_no_query(world):
    require_sso(world, on=False)
    assert _resolve_queries(world, "supervisor")[0] == 1


def test_a_marked_request_costs_no_query(acme):
    assert _resolve_queries(acme, "supervisor", frozenset({acme.org.id}))[0] == 1


@pytest.mark.parametrize(("who", "mfa"), [("supervisor", False), ("admin", False), ("admin", True)])
def test_an_unmarked_request_costs_one_query(acme, who, mfa):
    if mfa:
        give_mfa(acme[who].account)
    count, outcome = _resolve_queries(acme, who)
    assert count == 2
    assert isinstance(outcome, Forbidden) is not mfa
    if not mfa:
        assert outcome.code == "sso_required"


def test_a_member_cannot_move_off_the_address_require_sso_binds(world):
    """The escape: a member of a verified domain adds a private address, verifies it, and is
    outside `require_sso` from then on. The address change is refused on the form (nothing
    changed) while the organization requires SSO; without it, the change is asked as usual."""
    connection = require_sso(world)
    client = browser(world, "agent")
    before = fingerprint()
    response = client.post("/accounts/email/", {"action_add": "", "email": "me@private.test"})
    assert response.status_code == 200
    assert "managed by Acme, which requires single sign-on" in response.content.decode()
    assert_unchanged(before, "address change under require_sso")
    connection.require_sso = False
    connection.save(update_fields=["require_sso"])
    response = client.post("/accounts/email/", {"action_add": "", "email": "me@private.test"})
    assert response.status_code == 302
    assert EmailAddress.objects.filter(
        user=world["agent"].account, email="me@private.test"
    ).exists()
