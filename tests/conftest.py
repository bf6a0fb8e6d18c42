"""Shared fixtures: a world of two organizations with a member in every role, and an API client
that sends real requests through the whole Django stack with a personal token."""

import os
import time
from dataclasses import dataclass, field

import orjson
import psycopg
import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from callstudio.access.policy import org_access, team_access
from callstudio.access.services import role_create
from callstudio.accounts.models import Account
from callstudio.accounts.services import account_email_trust, token_create
from callstudio.directory.services import (
    org_member_add,
    organization_create,
    team_create,
    team_member_add,
)
from callstudio.search import index as search_index

# `smtp`: a real SMTP server per test (tests/mail.py); `dns_server`: a real DNS server
# (tests/dnsserver.py); `redis_url`: a Redis database of the test's own (tests/redis_db.py).
pytest_plugins = ["tests.mail", "tests.dnsserver", "tests.redis_db"]

PASSWORD = "a-long-test-password-91"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _empty_search_index(request, django_db_blocker):
    """Tests that commit (live servers, transactional_db) end with Django emptying every table it
    knows; the search index's tables are not models, so they are emptied here too."""
    yield
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        with django_db_blocker.unblock():
            search_index.clear()


class Api:
    """JSON over the Django test client, with `Authorization: Bearer`."""

    def __init__(self, token: str | None = None):
        self.client = Client()
        self.token = token

    def as_(self, token: str | None) -> "Api":
        return Api(token)

    def _headers(self, extra=None):
        headers = dict(extra or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def request(
        self, method: str, path: str, body=None, *, raw: bytes | None = None, headers=None, **query
    ):
        data = raw if raw is not None else (orjson.dumps(body) if body is not None else None)
        kwargs = {"headers": self._headers(headers)}
        if query:
            kwargs["query_params"] = query
        if data is not None:
            kwargs["data"] = data
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method.lower())(path, **kwargs)

    def get(self, path, **query):
        return self.request("GET", path, **query)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


@pytest.fixture
def api():
    return Api()


def make_account(email: str, name: str | None = None, *, verified: bool = True) -> Account:
    """A test person. Their address is verified unless asked otherwise (as after opening the
    link), so calls sent naming it are theirs; `verified=False` is the newly signed-up person."""
    account = Account.objects.create_user(
        email=email, password=PASSWORD, name=name or email.split("@")[0].title()
    )
    if verified:
        account_email_trust(account=account)
    return account


@dataclass
class Person:
    account: Account
    token: str

    @property
    def account_id(self) -> str:
        return self.account.account_id


@dataclass
class World:
    org: object
    team: object  # "Billing": where the team roles are held
    other_team: object  # "Retention": nobody but org-wide roles reach it
    custom_role: object  # team-scope custom role "QA Reviewer"
    people: dict = field(default_factory=dict)
    foreign_org: object = None
    foreign_team: object = None

    def __getitem__(self, key) -> Person:
        return self.people[key]

    def api(self, who: str | None) -> Api:
        return Api(self.people[who].token if who else None)

    @property
    def org_url(self) -> str:
        return f"/api/v1/orgs/{self.org.id}"

    @property
    def team_url(self) -> str:
        return f"{self.org_url}/teams/{self.team.id}"


def person(email: str, *, verified: bool = True) -> Person:
    account = make_account(email, verified=verified)
    _, raw = token_create(account=account, name="tests")
    return Person(account=account, token=raw)


@pytest.fixture
def world(db) -> World:
    """Acme: admin, manager, member (org roles); supervisor, agent, qa (team roles in Billing);
    outsider (no org); Globex: another organization with its own admin and team."""
    return build_world()


def build_world() -> World:
    admin = person("admin@acme.test")
    org = organization_create(actor=admin.account, name="Acme")
    access = org_access(admin.account, org.id)
    team = team_create(access=access, name="Billing", description="Invoices")
    other_team = team_create(access=access, name="Retention")
    qa_role = role_create(
        access=access,
        name="QA Reviewer",
        scope="team",
        permissions=["team.read", "team.members.read", "calls.read.all"],
    )
    w = World(org=org, team=team, other_team=other_team, custom_role=qa_role)
    w.people["admin"] = admin
    for key, org_role, team_role in [
        ("manager", "manager", None),
        ("member", "member", None),
        ("supervisor", "member", "supervisor"),
        ("agent", "member", "agent"),
        ("qa", "member", qa_role.id),
    ]:
        p = person(f"{key}@acme.test")
        org_member_add(access=access, account_id=p.account_id, role=org_role)
        if team_role:
            team_member_add(
                access=team_access(access, team.id), account_id=p.account_id, role=team_role
            )
        w.people[key] = p
    w.people["outsider"] = person("outsider@elsewhere.test")
    foreign = person("admin@globex.test")
    w.foreign_org = organization_create(actor=foreign.account, name="Globex")
    w.foreign_team = team_create(
        access=org_access(foreign.account, w.foreign_org.id), name="Globex Billing"
    )
    w.people["foreign_admin"] = foreign
    return w


@pytest.fixture
def database_url(tmp_path):
    """A fresh database for server and worker processes a test starts: "" (SQLite, in their data
    dir), or a new PostgreSQL database when the suite runs on PostgreSQL, dropped after."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        yield ""
        return
    db = settings.DATABASES["default"]
    name = f"drill_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
    admin = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
