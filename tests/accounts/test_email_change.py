"""§7.2: an address belongs to one account only, and a changed address takes effect only once
verified. The browser's Manage Emails page (allauth's, /accounts/email/) is the way in."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.test import Client

from callstudio.access.policy import org_access, team_access
from callstudio.calls.models import Call
from callstudio.core.models import AuditLogEntry
from callstudio.directory.services import org_member_add, team_member_add
from tests.calls.conftest import call_body
from tests.conftest import Api, person
from tests.helpers import assert_problem, assert_unchanged, expect, fingerprint

BASE = "https://calls.example.test"
LINK = re.compile(re.escape(BASE) + r"(/accounts/confirm-email/[^/\s]+/)")


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.CALLSTUDIO_URL = BASE


def browser_of(account) -> Client:
    client = Client()
    client.force_login(account)
    return client


def addresses(account) -> list[tuple[str, bool, bool]]:
    return sorted(
        EmailAddress.objects.filter(user=account).values_list("email", "primary", "verified")
    )


def add_address(client: Client, email: str):
    return client.post("/accounts/email/", {"action_add": "", "email": email})


def make_primary(client: Client, email: str):
    return client.post("/accounts/email/", {"action_primary": "", "email": email})


def agent_in_billing(world, email: str, *, verified: bool):
    someone = person(email, verified=verified)
    admin = org_access(world["admin"].account, world.org.id)
    org_member_add(access=admin, account_id=someone.account_id)
    team_member_add(
        access=team_access(admin, world.team.id), account_id=someone.account_id, role="agent"
    )
    return someone


def test_finding_an_agent_makes_an_unverified_address_primary_to_take_its_calls(world, ingest):
    """The finding: an agent with no verified address (every account, before verification
    existed) added carol@acme.test on Manage Emails, made it primary, and from then on received
    every call sent for Carol. Now the address stays pending, never primary, links nothing."""
    mallory = agent_in_billing(world, "mallory@acme.test", verified=False)
    browser = browser_of(mallory.account)
    assert add_address(browser, "carol@acme.test").status_code == 302
    assert make_primary(browser, "carol@acme.test").status_code == 302
    mallory.account.refresh_from_db()
    assert mallory.account.email == "mallory@acme.test"
    assert addresses(mallory.account) == [
        ("carol@acme.test", False, False),
        ("mallory@acme.test", True, False),
    ]
    body = expect(
        ingest.post(ingest.url, call_body("for-carol", agent={"email": "carol@acme.test"})), 201
    )
    call = (
        Call.objects.get(id=body["id"])
        if "id" in body
        else Call.objects.get(external_id="for-carol")
    )
    assert call.agent_id is None


def test_an_address_another_account_holds_cannot_be_added(world):
    browser = browser_of(world["agent"].account)
    for taken in ["supervisor@acme.test", "SUPERVISOR@acme.test"]:
        before = fingerprint()
        response = add_address(browser, taken)
        assert response.status_code == 200  # the page again, with the form's error
        assert "belongs to another account" in response.content.decode()
        assert_unchanged(before, taken)


def test_an_address_pending_for_another_account_cannot_be_added(world):
    add_address(browser_of(world["agent"].account), "new@acme.test")
    before = fingerprint()
    response = add_address(browser_of(world["supervisor"].account), "new@acme.test")
    assert response.status_code == 200
    assert "belongs to another account" in response.content.decode()
    assert_unchanged(before)


def test_the_database_holds_one_account_per_address(world):
    """Even a write that skips every check (verified or not) cannot give an address to two."""
    for verified in (False, True):
        with pytest.raises(IntegrityError), transaction.atomic():
            EmailAddress.objects.create(
                user=world["agent"].account, email="supervisor@acme.test", verified=verified
            )


def test_a_change_takes_effect_only_once_verified_and_then_links_calls(world, ingest, smtp):
    agent = world["agent"]
    expect(ingest.post(ingest.url, call_body("before", agent={"email": "ann@acme.test"})), 201)
    browser = browser_of(agent.account)
    assert add_address(browser, "ann@acme.test").status_code == 302
    agent.account.refresh_from_db()
    assert agent.account.email == "agent@acme.test"
    me = world.api("agent").get("/api/v1/me").json()
    assert (me["email"], me["email_verified"], me["pending_email"]) == (
        "agent@acme.test",
        True,
        "ann@acme.test",
    )
    expect(ingest.post(ingest.url, call_body("pending", agent={"email": "ann@acme.test"})), 201)
    assert set(
        Call.objects.filter(agent_ref="email:ann@acme.test").values_list("agent_id", flat=True)
    ) == {None}

    message = smtp.wait_for("ann@acme.test", subject="Confirm your email address")
    path = LINK.search(message.body).group(1)
    assert browser.post(path).status_code == 302

    agent.account.refresh_from_db()
    assert agent.account.email == "ann@acme.test"
    assert addresses(agent.account) == [("ann@acme.test", True, True)]
    linked = Call.objects.filter(agent_ref="email:ann@acme.test").values_list("agent_id", flat=True)
    assert sorted(linked) == [agent.account.pk, agent.account.pk]
    change = AuditLogEntry.objects.get(action="account.email.change", target_id=agent.account_id)
    assert (change.before, change.after) == (
        {"email": "agent@acme.test"},
        {"email": "ann@acme.test"},
    )
    # The old address links nothing any more.
    expect(ingest.post(ingest.url, call_body("old", agent={"email": "agent@acme.test"})), 201)
    assert Call.objects.get(external_id="old").agent_id is None


def test_the_profile_says_whether_the_address_is_verified(world):
    unverified = person("nell@acme.test", verified=False)
    page = browser_of(unverified.account).get("/profile").content.decode()
    assert "not verified" in page and 'href="/accounts/email/"' in page
    page = browser_of(world["agent"].account).get("/profile").content.decode()
    assert "<strong>verified</strong>" in page


def test_signing_up_with_an_address_pending_elsewhere_is_409(world):
    add_address(browser_of(world["agent"].account), "new@acme.test")
    before = fingerprint()
    body = {"email": "New@acme.test", "password": "a long passphrase 9", "name": "New"}
    assert_problem(Api().post("/api/v1/accounts", body), 409, code="duplicate")
    assert_unchanged(before)
