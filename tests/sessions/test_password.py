"""A password change or reset (API, browser change, emailed reset link) revokes every personal
token and ends every other session of the account; the browser that made the change stays.

Finding fixed: "personal tokens survive a password change" — before, each of the three tests of
revocation below failed at its first `401` assertion: the old token still answered 200."""

from allauth.usersessions.models import UserSession

from callstudio.accounts.models import Account, PersonalToken
from callstudio.core.models import AuditLogEntry
from tests.conftest import PASSWORD, Api, person
from tests.helpers import assert_problem, assert_unchanged, fingerprint

from .conftest import NEW_PASSWORD, browser, is_signed_in, sign_in


def second_token(owner) -> str:
    body = (
        Api()
        .post("/api/v1/auth/tokens", {"email": owner.account.email, "password": PASSWORD})
        .json()
    )
    return body["token"]


def test_api_password_change_revokes_every_token_and_other_session(owner):
    other_token = second_token(owner)
    elsewhere = sign_in(owner.account.email, address="203.0.113.9")
    response = Api(owner.token).post(
        "/api/v1/me/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 204
    assert_problem(Api(owner.token).get("/api/v1/me"), 401)
    assert_problem(Api(other_token).get("/api/v1/me"), 401)
    assert not is_signed_in(elsewhere)
    assert not UserSession.objects.filter(user=owner.account).exists()
    assert Account.objects.get(pk=owner.account.pk).check_password(NEW_PASSWORD)
    # Minting a new token with the new password works.
    assert (
        Api()
        .post("/api/v1/auth/tokens", {"email": owner.account.email, "password": NEW_PASSWORD})
        .status_code
        == 201
    )
    entry = AuditLogEntry.objects.get(action="account.password_change")
    assert entry.actor_id == owner.account.pk and entry.organization_id is None
    assert entry.after == {"tokens_revoked": 2}


def test_api_password_change_from_a_browser_session_keeps_that_session(owner):
    here = sign_in(owner.account.email, address="198.51.100.1")
    elsewhere = sign_in(owner.account.email, address="203.0.113.9")
    response = here.post(
        "/api/v1/me/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 204
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)
    sessions = here.get("/api/v1/me/sessions").json()["items"]
    assert [(s["ip"], s["current"]) for s in sessions] == [("198.51.100.1", True)]
    assert_problem(Api(owner.token).get("/api/v1/me"), 401)


def test_wrong_current_password_is_422_and_changes_nothing(owner):
    before = fingerprint()
    body = assert_problem(
        Api(owner.token).post(
            "/api/v1/me/password", {"current_password": "wrong", "new_password": NEW_PASSWORD}
        ),
        422,
        field="current_password",
        code="wrong_password",
    )
    assert body["detail"]
    assert_unchanged(before)
    assert Api(owner.token).get("/api/v1/me").status_code == 200


def test_a_weak_new_password_is_422_with_the_validators_words(owner):
    before = fingerprint()
    for weak, words in [
        ("short", "too short"),
        ("password123", "too common"),
        ("12345678901", "numeric"),
    ]:
        body = assert_problem(
            Api(owner.token).post(
                "/api/v1/me/password", {"current_password": PASSWORD, "new_password": weak}
            ),
            422,
            field="new_password",
        )
        assert words in str(body).lower(), body
    assert_unchanged(before)


def test_guessing_the_current_password_with_a_stolen_token_is_throttled(owner):
    for _ in range(5):
        Api(owner.token).post(
            "/api/v1/me/password", {"current_password": "guess", "new_password": NEW_PASSWORD}
        )
    before = fingerprint()
    response = Api(owner.token).post(
        "/api/v1/me/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0
    assert_unchanged(before)


def test_browser_password_change_revokes_every_token_and_other_session(owner):
    here = sign_in(owner.account.email, address="198.51.100.1")
    elsewhere = sign_in(owner.account.email, address="203.0.113.9")
    response = here.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content[:400]
    assert_problem(Api(owner.token).get("/api/v1/me"), 401)
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)
    assert AuditLogEntry.objects.filter(action="account.password_change").count() == 1


def test_password_reset_by_mail_revokes_every_token_and_session(owner, smtp):
    elsewhere = sign_in(owner.account.email, address="203.0.113.9")
    stranger = person("stranger@acme.test")
    client = browser(address="192.0.2.80")
    assert (
        client.post("/accounts/password/reset/", {"email": owner.account.email}).status_code == 302
    )
    link = next(
        url
        for url in smtp.wait_for(owner.account.email, subject="password").links
        if "/key/" in url
    )
    path = link.split("://", 1)[1].split("/", 1)[1]
    form = client.get("/" + path, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0] if form.redirect_chain else "/" + path
    done = client.post(set_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302, done.content[:400]
    assert_problem(Api(owner.token).get("/api/v1/me"), 401)
    assert not is_signed_in(elsewhere)
    assert PersonalToken.objects.filter(account=owner.account, revoked_at__isnull=True).count() == 0
    # Another account's tokens are untouched.
    assert Api(stranger.token).get("/api/v1/me").status_code == 200
    assert AuditLogEntry.objects.filter(action="account.password_reset").count() == 1
