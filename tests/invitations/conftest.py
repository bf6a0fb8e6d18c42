"""Invitation tests: the world of tests/conftest.py, an invitee with a verified address, and a
way to run the after-commit mail inside a test's transaction."""

import pytest
from allauth.account.models import EmailAddress

from tests.conftest import person


def verified(account, email: str | None = None):
    """The account owns `email` (default: its own address), verified."""
    EmailAddress.objects.update_or_create(
        user=account,
        email=email or account.email,
        defaults={"verified": True, "primary": email is None},
    )
    return account


@pytest.fixture
def invitee(db):
    """Someone with an account and a verified address, in no organization."""
    p = person("newcomer@elsewhere.test")
    verified(p.account)
    return p


def invite(world, email="newcomer@elsewhere.test", *, who="admin", **body):
    """POST an invitation as `who`; returns the response."""
    return world.api(who).post(f"{world.org_url}/invitations", {"email": email, **body})


def token_of(message) -> str:
    [link] = [link for link in message.links if "/invitations/" in link]
    return link.rsplit("/invitations/", 1)[1]
