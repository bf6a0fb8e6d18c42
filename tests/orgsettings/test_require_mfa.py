"""While an organization requires MFA, a member without a second factor keeps the membership but
reaches nothing of it: every endpoint (token or session) is 403 `mfa_required`, every page the
enrollment prompt. Ingestion by workflow ID is not a member's request and goes on."""

import orjson
import pytest
from django.test import Client

from callstudio.orgs.models import OrgMembership
from tests.calls.conftest import call_body
from tests.helpers import assert_problem, assert_unchanged, expect, fingerprint

from .mfa import give_mfa, require_mfa


@pytest.fixture
def acme(world):
    require_mfa(world)
    return world


def _session(world, who) -> Client:
    client = Client()
    client.force_login(world[who].account)
    return client


@pytest.mark.parametrize("who", ["supervisor", "manager", "agent"])
def test_token_requests_are_403_mfa_required(acme, who):
    for path in (acme.org_url, f"{acme.org_url}/teams", f"{acme.team_url}/calls"):
        before = fingerprint()
        body = assert_problem(acme.api(who).get(path), 403, code="mfa_required")
        assert "Acme requires two-factor authentication" in body["detail"]
        assert "/profile/security" in body["detail"]
        assert "POST /api/v1/me/mfa/totp" in body["detail"]
        assert body["organization"] == {"id": acme.org.id, "name": "Acme"}
        assert_unchanged(before, who, path)


def test_writes_are_refused_too_and_change_nothing(acme):
    before = fingerprint()
    response = acme.api("supervisor").post(
        f"{acme.team_url}/alert-rules",
        {"name": "Long", "condition": {"type": "duration_above", "seconds": 600}},
    )
    assert_problem(response, 403, code="mfa_required")
    assert_unchanged(before)


def test_session_api_requests_are_refused(acme):
    response = _session(acme, "supervisor").get(acme.org_url)
    assert_problem(response, 403, code="mfa_required")


def test_pages_show_the_enrollment_prompt_not_the_data(acme):
    client = _session(acme, "supervisor")
    for path in (f"/o/{acme.org.id}/", f"/o/{acme.org.id}/teams/{acme.team.id}/calls"):
        before = fingerprint()
        response = client.get(path)
        assert response.status_code == 403, path
        html = response.content.decode()
        assert "Acme requires two-factor authentication" in html
        assert 'href="/profile/security"' in html
        assert "Billing" not in html and "Retention" not in html
        assert_unchanged(before, path)


def test_the_membership_is_kept(acme):
    acme.api("supervisor").get(acme.org_url)
    membership = OrgMembership.objects.get(
        organization=acme.org, account=acme["supervisor"].account
    )
    assert membership.status == OrgMembership.ACTIVE


def test_with_a_second_factor_the_member_gets_in(acme):
    give_mfa(acme["supervisor"].account)
    expect(acme.api("supervisor").get(f"{acme.team_url}/calls"), 200)
    assert _session(acme, "supervisor").get(f"/o/{acme.org.id}/").status_code == 200


def test_admin_with_mfa_is_not_refused(acme):
    expect(acme.api("admin").get(acme.org_url), 200)


def test_other_organizations_are_not_affected(acme):
    expect(acme.api("foreign_admin").get(f"/api/v1/orgs/{acme.foreign_org.id}"), 200)


def test_strangers_still_get_404_not_a_hint(acme):
    assert_problem(acme.api("outsider").get(acme.org_url), 404)


def test_turning_it_off_lets_everyone_back(acme):
    expect(acme.api("admin").patch(acme.org_url, {"require_mfa": False}), 200)
    expect(acme.api("supervisor").get(acme.org_url), 200)


def test_ingestion_by_workflow_id_is_unaffected(acme):
    from callstudio.access.policy import org_access
    from callstudio.calls.services import ingest_key_create

    _, raw = ingest_key_create(access=org_access(acme["admin"].account, acme.org.id), name="pbx")
    response = Client().post(
        f"/api/v1/workflows/{acme.team.workflow_id}/calls",
        data=orjson.dumps(call_body("while-mfa")),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 201, response.content


def test_a_member_without_mfa_can_still_leave(acme):
    """Leaving is the one thing the policy does not refuse, over the API and on the page."""
    url = f"/api/v1/me/orgs/{acme.org.id}"
    assert expect(acme.api("supervisor").delete(url), 200)["status"] == "archived"
    client = _session(acme, "agent")
    page = client.get(f"/profile/orgs/{acme.org.id}/leave")
    assert page.status_code == 200
    assert client.post(f"/profile/orgs/{acme.org.id}/leave").status_code == 302
    statuses = OrgMembership.objects.filter(
        organization=acme.org, account__in=[acme["supervisor"].account, acme["agent"].account]
    ).values_list("status", flat=True)
    assert list(statuses) == ["archived", "archived"]
