"""Helpers for the sessions, tokens and passwords tests: real sign-ins through allauth's login
page (so allauth records the session as it does in production), from a given address."""

import pytest
from django.test import Client

from tests.conftest import PASSWORD, person

NEW_PASSWORD = "a-brand-new-password-63"


def browser(address: str = "198.51.100.1", agent: str = "Firefox/140 (X11; Linux)") -> Client:
    return Client(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)


def sign_in(email: str, password: str = PASSWORD, **kw) -> Client:
    client = browser(**kw)
    response = client.post("/accounts/login/", {"login": email, "password": password})
    assert response.status_code == 302, response.content[:500]
    return client


def is_signed_in(client: Client) -> bool:
    response = client.get("/profile")
    assert response.status_code in (200, 302)
    return response.status_code == 200


@pytest.fixture
def owner(db):
    return person("owner@acme.test")
