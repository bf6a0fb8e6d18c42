"""Personal tokens expire (1–366 days, 90 by default; expired → 401), and minting one in the
browser asks for the password again."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from callstudio.accounts.models import PersonalToken
from tests.conftest import PASSWORD, Api
from tests.helpers import assert_problem, assert_unchanged, fingerprint

from .conftest import browser, sign_in


def mint(**extra):
    return Api().post(
        "/api/v1/auth/tokens", {"email": "owner@acme.test", "password": PASSWORD, **extra}
    )


def test_a_token_lives_90_days_unless_told(owner):
    before = timezone.now()
    body = mint().json()
    expires = parse_datetime(body["expires_at"])
    assert before + timedelta(days=90) <= expires <= timezone.now() + timedelta(days=90)
    body = mint(expires_in_days=1).json()
    assert parse_datetime(body["expires_at"]) <= timezone.now() + timedelta(days=1)
    listed = Api(body["token"]).get("/api/v1/auth/tokens").json()["items"]
    assert {t["id"]: t["expires_at"] for t in listed}[body["id"]] == body["expires_at"]


@pytest.mark.parametrize("days", [0, -1, 367, 10_000, "soon", True, None])
def test_a_lifetime_out_of_range_is_422_and_mints_nothing(owner, days):
    before = fingerprint()
    assert_problem(mint(expires_in_days=days), 422, field="expires_in_days")
    assert_unchanged(before, days)


def test_366_days_is_the_longest(owner):
    assert mint(expires_in_days=366).status_code == 201


def test_an_expired_token_is_401_everywhere(owner):
    raw = mint(expires_in_days=1).json()["token"]
    assert Api(raw).get("/api/v1/me").status_code == 200
    PersonalToken.objects.filter(account=owner.account).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert_problem(Api(raw).get("/api/v1/me"), 401)
    assert_problem(Api(raw).get("/api/v1/me/sessions"), 401)


def test_minting_in_the_browser_asks_for_the_password_again(owner):
    client = browser()
    client.force_login(owner.account)  # signed in, but not recently by password
    tokens = PersonalToken.objects.filter(account=owner.account).count()
    response = client.post("/profile", {"name": "laptop", "expires_in_days": "30"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert PersonalToken.objects.filter(account=owner.account).count() == tokens
    # A wrong password does not mint either.
    wrong = client.post(response["Location"], {"password": "not the password"})
    assert wrong.status_code == 200
    assert PersonalToken.objects.filter(account=owner.account).count() == tokens
    # The right one replays the suspended form: the token exists, with its 30 days.
    client.post(response["Location"], {"password": PASSWORD})
    minted = PersonalToken.objects.filter(account=owner.account, name="laptop").get()
    assert abs(minted.expires_at - minted.created_at - timedelta(days=30)) < timedelta(seconds=1)


def test_once_confirmed_the_password_is_not_asked_again_for_a_while(owner):
    client = sign_in("owner@acme.test")
    response = client.post("/profile", {"name": "desk", "expires_in_days": "7"})
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert client.post(response["Location"], {"password": PASSWORD}).status_code == 302
    response = client.post("/profile", {"name": "desk 2", "expires_in_days": "7"})
    assert response.status_code == 302 and response["Location"] == "/profile"
    assert PersonalToken.objects.filter(account=owner.account, name__startswith="desk").count() == 2
    page = client.get("/profile")
    assert page.status_code == 200
    assert b"cs_pat_" in page.content and b"Expires" in page.content


def test_the_browser_refuses_a_lifetime_out_of_range(owner):
    client = sign_in("owner@acme.test")
    reauth = client.post("/profile", {"name": "desk", "expires_in_days": "7"})["Location"]
    client.post(reauth, {"password": PASSWORD})
    before = fingerprint()
    response = client.post("/profile", {"name": "desk", "expires_in_days": "367"})
    assert response.status_code == 422
    assert_unchanged(before)
