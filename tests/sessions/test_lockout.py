"""Failed logins and token requests count per address and per (account, address): a stranger's
failures lock out their own address, never the owner at another one.

Finding fixed: "a stranger locks the owner out". Before, allauth counted login failures per email
(5/5 min) and token requests counted per email too: both tests below failed where the owner, from
address B, signs in / mints a token (429 instead of 302 / 201)."""

from tests.conftest import PASSWORD, Api
from tests.helpers import assert_problem, assert_unchanged, fingerprint

from .conftest import browser

A, B = "203.0.113.66", "198.51.100.20"


def login(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


def mint(address, email, password):
    client = Api().client
    return client.post(
        "/api/v1/auth/tokens",
        {"email": email, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def test_a_strangers_wrong_passwords_lock_out_only_their_address(owner):
    stranger = browser(address=A)
    statuses = [login(stranger, owner.account.email, f"guess-{i}").status_code for i in range(10)]
    assert statuses[0] == 200 and statuses[-1] == 429, statuses
    before = fingerprint()
    refused = login(stranger, owner.account.email, PASSWORD)  # even the right password, from A
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert_unchanged(before)
    # The owner, from B: signs in, and mints a token.
    assert login(browser(address=B), owner.account.email, PASSWORD).status_code == 302
    assert mint(B, owner.account.email, PASSWORD).status_code == 201


def test_token_requests_lock_out_only_the_strangers_address(owner):
    for i in range(5):
        assert_problem(mint(A, owner.account.email, f"guess-{i}"), 401)
    before = fingerprint()
    refused = mint(A, owner.account.email, PASSWORD)
    assert_problem(refused, 429)
    assert int(refused["Retry-After"]) > 0
    assert_unchanged(before)
    assert mint(B, owner.account.email, PASSWORD).status_code == 201
    assert login(browser(address=B), owner.account.email, PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_stopped(owner):
    for i in range(5):
        assert_problem(mint(A, f"nobody{i}@acme.test", "guess"), 401)
    assert_problem(mint(A, owner.account.email, PASSWORD), 429)
    stranger = browser(address=A)
    statuses = [login(stranger, f"someone{i}@acme.test", "guess").status_code for i in range(11)]
    assert statuses[-1] == 429, statuses
