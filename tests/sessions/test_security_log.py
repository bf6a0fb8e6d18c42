"""`GET /api/v1/me/security-log` and Profile → Activity: the account's own events, newest first
(sign-ins, failed ones too, password, tokens, sessions), never another account's."""

from tests.conftest import PASSWORD, Api, person
from tests.helpers import assert_problem

from .conftest import NEW_PASSWORD, browser, sign_in


def events(token, **query):
    response = Api(token).get("/api/v1/me/security-log", **query)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_log_tells_the_accounts_story_newest_first(owner):
    stranger = person("stranger@acme.test")
    browser(address="203.0.113.66").post(
        "/accounts/login/", {"login": owner.account.email, "password": "a guess"}
    )
    browser().post("/accounts/login/", {"login": "stranger@acme.test", "password": "x"})
    here = sign_in(owner.account.email, address="198.51.100.1")
    there = sign_in(owner.account.email, address="198.51.100.2")
    other = next(s for s in here.get("/api/v1/me/sessions").json()["items"] if not s["current"])
    here.delete(f"/api/v1/me/sessions/{other['id']}")
    assert there.get("/profile").status_code == 302
    Api().post("/api/v1/auth/tokens", {"email": owner.account.email, "password": "wrong"})
    assert (
        here.post(
            "/api/v1/me/password",
            {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
            content_type="application/json",
        ).status_code
        == 204
    )
    token = (
        Api()
        .post("/api/v1/auth/tokens", {"email": owner.account.email, "password": NEW_PASSWORD})
        .json()["token"]
    )
    items = events(token)["items"]
    actions = [e["action"] for e in items]
    assert actions == [
        "token.create",
        "account.password_change",
        "account.login_failed",
        "session.revoke",
        "account.login",
        "account.login",
        "account.login_failed",
        "token.create",  # the fixture's token
    ], actions
    failed_api, failed_browser = items[2], items[6]
    assert failed_browser["details"]["after"] == {"ip": "203.0.113.66", "via": "browser"}
    assert failed_api["details"]["after"]["via"] == "api"
    assert failed_browser["actor"] == {"account_id": None, "email": ""}
    assert items[1]["label"] == "Password changed"
    # The stranger's own log has their events only.
    theirs = [e["action"] for e in events(stranger.token)["items"]]
    assert theirs == ["account.login_failed", "token.create"]


def test_revoking_a_token_is_in_the_log_through_the_api_and_the_profile_page(owner):
    credentials = {"email": owner.account.email, "password": PASSWORD}
    by_api = Api().post("/api/v1/auth/tokens", {**credentials, "name": "CI"}).json()
    by_page = Api().post("/api/v1/auth/tokens", {**credentials, "name": "Laptop"}).json()
    assert Api(owner.token).delete(f"/api/v1/auth/tokens/{by_api['id']}").status_code == 204
    client = sign_in(owner.account.email)
    assert client.post(f"/profile/tokens/{by_page['id']}/revoke").status_code == 302
    items = events(owner.token)["items"]
    revoked = [e for e in items if e["action"] == "token.revoke"]
    assert [(e["target"]["id"], e["target"]["label"]) for e in revoked] == [
        (by_page["id"], "Laptop"),
        (by_api["id"], "CI"),
    ]
    assert {e["actor"]["account_id"] for e in revoked} == {owner.account.account_id}
    assert revoked[0]["label"] == "API token revoked"
    # A token that is already revoked is 404 and logs nothing more.
    assert Api(owner.token).delete(f"/api/v1/auth/tokens/{by_api['id']}").status_code == 404
    assert [e["action"] for e in events(owner.token)["items"]].count("token.revoke") == 2
    page = client.get("/profile/activity").content.decode()
    assert "API token revoked" in page


def test_the_log_pages_by_cursor(owner):
    for _ in range(3):
        Api(owner.token).post(
            "/api/v1/auth/tokens", {"email": owner.account.email, "password": PASSWORD}
        )
    first = events(owner.token, limit=2)
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = events(owner.token, limit=2, cursor=first["next_cursor"])
    ids = [e["id"] for e in first["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 4
    assert rest["next_cursor"] is None
    assert_problem(
        Api(owner.token).get("/api/v1/me/security-log", cursor="not-a-cursor"), 422, field="cursor"
    )


def test_organization_events_stay_out_of_the_personal_log(world):
    Api(world["admin"].token).post(f"{world.org_url}/teams", {"name": "Escalations"})
    actions = {e["action"] for e in events(world["admin"].token)["items"]}
    assert actions == {"token.create"}


def test_the_activity_page_shows_the_events(owner):
    browser(address="203.0.113.66").post(
        "/accounts/login/", {"login": owner.account.email, "password": "a guess"}
    )
    client = sign_in(owner.account.email)
    page = client.get("/profile/activity")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Sign-in failed" in text and "203.0.113.66" in text and "Signed in" in text
    assert client.get("/profile/activity", {"cursor": "garbage"}).status_code == 422
