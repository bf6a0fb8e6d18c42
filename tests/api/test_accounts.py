import pytest
from django.test import override_settings

from callstudio.accounts.models import Account, PersonalToken
from tests.conftest import PASSWORD, make_account
from tests.helpers import assert_problem, expect, fingerprint

SIGNUP = {"email": "Nora@Example.test", "password": "correct horse battery 7", "name": "Nora"}


def test_sign_up_creates_an_account_with_a_public_account_id(api, db):
    response = api.post("/api/v1/accounts", SIGNUP)
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "account_id": body["account_id"],
        "email": "nora@example.test",
        "name": "Nora",
        "email_verified": False,
    }
    assert body["account_id"].startswith("acc_") and len(body["account_id"]) == 24
    account = Account.objects.get(account_id=body["account_id"])
    assert account.check_password(SIGNUP["password"])
    assert SIGNUP["password"] not in account.password


def test_account_ids_are_not_sequential(api, db):
    ids = [
        expect(api.post("/api/v1/accounts", {**SIGNUP, "email": f"n{i}@example.test"}), 201)[
            "account_id"
        ]
        for i in range(3)
    ]
    # 20 random characters from 36: not derived from a sequence, not guessable.
    assert len(set(ids)) == 3
    assert all(len(i) == 24 and i[4:].isalnum() and i[4:].islower() or i[4:].isdigit() for i in ids)
    assert len({i[4:10] for i in ids}) == 3


def test_sign_up_twice_with_the_same_email_in_any_case_is_a_conflict(api, db):
    assert api.post("/api/v1/accounts", SIGNUP).status_code == 201
    before = fingerprint()
    assert_problem(
        api.post("/api/v1/accounts", {**SIGNUP, "email": "NORA@example.test"}), 409, field="email"
    )
    assert fingerprint() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**SIGNUP, "email": "not-an-email"}, "email"),
        ({**SIGNUP, "password": "short"}, "password"),
        ({**SIGNUP, "password": "12345678901"}, "password"),
        ({**SIGNUP, "name": ""}, "name"),
        ({**SIGNUP, "name": "x" * 101}, "name"),
        ({**SIGNUP, "name": "No\x00ra"}, "name"),
        ({**SIGNUP, "name": 7}, "name"),
        ({"email": "a@b.test", "password": "correct horse battery 7"}, "name"),
        ({**SIGNUP, "account_id": "acc_chosen"}, "account_id"),
    ],
)
def test_invalid_sign_up_names_the_field_and_creates_nothing(api, db, body, field):
    before = fingerprint()
    assert_problem(api.post("/api/v1/accounts", body), 422, field=field)
    assert fingerprint() == before


@override_settings(CALLSTUDIO_OPEN_SIGNUP=False)
def test_closed_sign_up_is_refused(api, db):
    assert_problem(api.post("/api/v1/accounts", SIGNUP), 403)
    assert not Account.objects.exists()


@override_settings(CALLSTUDIO_SIGNUP_FAILURES=3)
def test_repeated_failed_sign_ups_are_rate_limited(api, db):
    for _ in range(3):
        assert api.post("/api/v1/accounts", {**SIGNUP, "email": "bad"}).status_code == 422
    response = api.post("/api/v1/accounts", SIGNUP)
    assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0
    assert not Account.objects.exists()


def test_token_creation_returns_the_secret_once_and_stores_a_digest(api, db):
    account = make_account("ann@example.test")
    response = api.post(
        "/api/v1/auth/tokens", {"email": "ANN@example.test", "password": PASSWORD, "name": "laptop"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "laptop" and body["token"].startswith("cs_pat_")
    stored = PersonalToken.objects.get(id=body["id"])
    assert stored.account == account and body["token"] not in (stored.digest, stored.hint)
    assert len(body["token"]) > 40
    listed = api.as_(body["token"]).get("/api/v1/auth/tokens").json()["items"]
    assert [t["id"] for t in listed] == [body["id"]]
    assert "token" not in listed[0]


@pytest.mark.parametrize(
    "body",
    [
        {"email": "ann@example.test", "password": "wrong"},
        {"email": "nobody@example.test", "password": PASSWORD},
    ],
)
def test_wrong_credentials_get_401_and_no_token(api, db, body):
    make_account("ann@example.test")
    assert_problem(api.post("/api/v1/auth/tokens", body), 401)
    assert not PersonalToken.objects.exists()


@override_settings(CALLSTUDIO_TOKEN_FAILURES=3)
def test_repeated_wrong_passwords_lock_token_creation(api, db):
    make_account("ann@example.test")
    for _ in range(3):
        assert (
            api.post(
                "/api/v1/auth/tokens", {"email": "ann@example.test", "password": "nope"}
            ).status_code
            == 401
        )
    response = api.post("/api/v1/auth/tokens", {"email": "ann@example.test", "password": PASSWORD})
    assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0
    assert not PersonalToken.objects.exists()


def test_me_lists_the_active_orgs_with_roles(world):
    body = world.api("supervisor").get("/api/v1/me").json()
    assert body == {
        "account_id": world["supervisor"].account_id,
        "email": "supervisor@acme.test",
        "name": "Supervisor",
        "email_verified": True,
        "pending_email": None,
        "orgs": [{"id": world.org.id, "name": "Acme", "role": "member"}],
        "mfa": {"enabled": False, "types": []},
    }


@pytest.mark.parametrize(
    "header", [None, "Bearer nope", "Bearer cs_pat_" + "a" * 43, "Basic abc", "Bearer "]
)
def test_missing_or_bad_credentials_get_401(api, db, header):
    headers = {"Authorization": header} if header else {}
    response = api.request("GET", "/api/v1/me", headers=headers)
    assert_problem(response, 401)
    assert response["WWW-Authenticate"] == "Bearer"


def test_revoked_token_stops_working_at_once(world):
    me = world.api("member")
    token_id = me.get("/api/v1/auth/tokens").json()["items"][0]["id"]
    assert me.get("/api/v1/me").status_code == 200
    assert me.delete(f"/api/v1/auth/tokens/{token_id}").status_code == 204
    assert_problem(me.get("/api/v1/me"), 401)
    assert PersonalToken.objects.get(id=token_id).revoked_at is not None


def test_nobody_revokes_someone_elses_token(world):
    victim = world.api("member").get("/api/v1/auth/tokens").json()["items"][0]["id"]
    before = fingerprint()
    assert_problem(world.api("admin").delete(f"/api/v1/auth/tokens/{victim}"), 404)
    assert fingerprint() == before


def test_last_used_time_is_recorded(world):
    token = PersonalToken.objects.get(account=world["agent"].account)
    assert token.last_used_at is None
    world.api("agent").get("/api/v1/me")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_anonymous_unsafe_request_is_401_not_a_csrf_error(api, db):
    assert_problem(api.post("/api/v1/orgs", {"name": "x"}), 401)


def test_browser_session_works_and_needs_csrf_on_unsafe_methods(world):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world["admin"].account)
    assert browser.get("/api/v1/me").json()["email"] == "admin@acme.test"
    before = fingerprint()
    refused = browser.post(
        "/api/v1/orgs", data=b'{"name": "Via browser"}', content_type="application/json"
    )
    assert refused.status_code == 403
    assert fingerprint() == before
