import pytest
from django.test import Client


@pytest.fixture
def browser_as(world):
    """A logged-in Django test client for one of the world's people, CSRF checks enforced."""

    def make(who: str) -> Client:
        client = Client(enforce_csrf_checks=False)
        client.force_login(world[who].account)
        return client

    return make
