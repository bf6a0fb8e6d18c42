"""§7.2: calls link to a member by account ID, by agent ID, or by a VERIFIED address only. An
unverified address links nothing, at ingestion or when the member joins a team; once it is
verified, the calls already stored for it in the member's teams become theirs."""

import re

import pytest
from allauth.account.models import EmailAddress

from callstudio.access.policy import org_access, team_access
from callstudio.calls.models import Call
from callstudio.directory.services import org_member_add, team_member_add
from tests.conftest import Api
from tests.helpers import expect

from .conftest import call_body

PASSWORD = "a long passphrase 9"
LINK = re.compile(r"/accounts/confirm-email/([^/\s]+)/")


@pytest.fixture
def newcomer(world, smtp):
    """Nell signed up through the API and has not opened her link yet; the key is kept."""
    body = expect(
        Api().post(
            "/api/v1/accounts", {"email": "nell@acme.test", "password": PASSWORD, "name": "Nell"}
        ),
        201,
    )
    key = LINK.search(smtp.wait_for("nell@acme.test").body).group(1)
    return body["account_id"], key


def join(world, account_id, team):
    admin = org_access(world["admin"].account, world.org.id)
    org_member_add(access=admin, account_id=account_id)
    team_member_add(access=team_access(admin, team.id), account_id=account_id, role="agent")


def agents() -> dict[str, int | None]:
    return dict(Call.objects.values_list("external_id", "agent_id"))


def test_an_unverified_address_links_nothing_until_verified(world, ingest, newcomer):
    account_id, key = newcomer
    nell = EmailAddress.objects.get(email="nell@acme.test").user
    expect(
        ingest.post(ingest.url, call_body("before-join", agent={"email": "nell@acme.test"})), 201
    )
    join(world, account_id, world.team)
    retention = f"/api/v1/workflows/{world.other_team.workflow_id}/calls"
    expect(ingest.post(ingest.url, call_body("after-join", agent={"email": "Nell@acme.test"})), 201)
    expect(ingest.post(retention, call_body("other-team", agent={"email": "nell@acme.test"})), 201)
    by_id = call_body("by-id", agent={"account_id": account_id})
    expect(ingest.post(ingest.url, by_id), 201)
    assert agents() == {
        "before-join": None,
        "after-join": None,
        "other-team": None,
        "by-id": nell.pk,
    }

    expect(Api().post("/api/v1/accounts/verify-email", {"key": key}), 200)
    # Her team's calls are hers now; Retention's stay unlinked (she is not a member there).
    assert agents() == {
        "before-join": nell.pk,
        "after-join": nell.pk,
        "other-team": None,
        "by-id": nell.pk,
    }
    expect(ingest.post(ingest.url, call_body("verified", agent={"email": "nell@acme.test"})), 201)
    assert agents()["verified"] == nell.pk


def test_linking_on_verification_reaches_her_calls_through_the_api(world, ingest, newcomer):
    account_id, key = newcomer
    join(world, account_id, world.team)
    expect(ingest.post(ingest.url, call_body("mine", agent={"email": "nell@acme.test"})), 201)
    token = expect(
        Api().post("/api/v1/auth/tokens", {"email": "nell@acme.test", "password": PASSWORD}), 201
    )["token"]
    calls = f"{world.team_url}/calls"
    assert expect(Api(token).get(calls), 200)["items"] == []
    expect(Api().post("/api/v1/accounts/verify-email", {"key": key}), 200)
    assert [c["external_id"] for c in expect(Api(token).get(calls), 200)["items"]] == ["mine"]


def test_joining_a_team_links_by_verified_address_only(world, ingest):
    expect(
        ingest.post(ingest.url, call_body("for-member", agent={"email": "member@acme.test"})), 201
    )
    EmailAddress.objects.filter(user=world["member"].account).update(verified=False)
    admin = team_access(org_access(world["admin"].account, world.org.id), world.team.id)
    team_member_add(access=admin, account_id=world["member"].account_id, role="agent")
    assert agents() == {"for-member": None}
