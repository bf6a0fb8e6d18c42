"""Alert rules, alerts, automations and webhooks: a real HTTP receiver on 127.0.0.1, and helpers
that drive the analysis pass the way the worker does (tests run in a transaction, so the
hand-overs queued on commit never fire: tests call `analyze_pending()` and `attempt()`)."""

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import pytest

from callstudio.access.policy import org_access, team_access
from callstudio.access.services import role_create
from callstudio.directory.services import team_member_add, team_member_change_role
from callstudio.orgs.models import TeamMembership
from callstudio.pipeline.analysis import analyze_pending
from tests.calls.conftest import call_body, ingest  # noqa: F401  (the `ingest` fixture)


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return orjson.loads(self.body)

    def signed_with(self, secret: str) -> bool:
        expected = "sha256=" + hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(self.headers.get("x-callstudio-signature", ""), expected)


class Receiver:
    """A webhook receiver over real HTTP, in a thread. Each request is recorded on arrival, then
    answered with the next scripted reply (a status code, or ("hang", seconds)), then `default`.
    `unique()` is what a receiver keeps after deduplicating by `delivery_id`."""

    def __init__(self):
        self.requests: list[Received] = []
        self.script: list = []
        self.default = 200
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.in_flight = self.most_in_flight = 0  # requests being answered at once
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    reply = receiver.script.pop(0) if receiver.script else receiver.default
                    receiver.in_flight += 1
                    receiver.most_in_flight = max(receiver.most_in_flight, receiver.in_flight)
                try:
                    if isinstance(reply, tuple):  # ("hang", seconds): answer late, if ever
                        receiver.release.wait(reply[1])
                        reply = 200
                    self.send_response(reply)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the sender gave up waiting
                    pass
                finally:
                    with receiver.lock:
                        receiver.in_flight -= 1

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait_for(self, count: int, seconds: float = 30) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if len(self.requests) >= count:
                return True
            time.sleep(0.05)
        return False

    def unique(self) -> dict[str, Received]:
        return {r.json["delivery_id"]: r for r in self.requests}

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slow_receiver(settings):
    """A second receiver, for another organization's webhooks."""
    settings.CALLSTUDIO_ALLOW_PRIVATE_URLS = True
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def receiver(settings):
    """The receiver listens on 127.0.0.1, which webhooks may reach only when an operator allows
    private addresses: these tests allow it explicitly (the default is tested in
    tests/security/test_ssrf.py)."""
    settings.CALLSTUDIO_ALLOW_PRIVATE_URLS = True
    r = Receiver()
    yield r
    r.close()


def rules_url(world) -> str:
    return f"{world.team_url}/alert-rules"


def automations_url(world) -> str:
    return f"{world.team_url}/automations"


def create_rule(world, condition, *, name="Rule", webhook_url=None, who="supervisor") -> dict:
    body = {"name": name, "condition": condition}
    if webhook_url is not None:
        body["webhook_url"] = webhook_url
    response = world.api(who).post(rules_url(world), body)
    assert response.status_code == 201, response.content
    return response.json()


def create_automation(
    world, *, trigger="call.ingested", conditions=(), actions, name="Automation", **extra
) -> dict:
    body = {
        "name": name,
        "trigger": trigger,
        "conditions": list(conditions),
        "actions": list(actions),
        **extra,
    }
    response = world.api("supervisor").post(automations_url(world), body)
    assert response.status_code == 201, response.content
    return response.json()


def send(client, external_id="call-1", **over) -> int:
    """Ingest one call (201) and return its id."""
    response = client.post(client.url, call_body(external_id, **over))
    assert response.status_code == 201, response.content
    return response.json()["id"]


def analyze() -> int:
    return analyze_pending()


def give_team_role(world, who: str, permissions: list[str], *, name="Custom") -> None:
    """Make `who`'s role in Billing a custom team role holding exactly `permissions`."""
    access = org_access(world["admin"].account, world.org.id)
    role = role_create(access=access, name=name, scope="team", permissions=permissions)
    in_team = team_access(access, world.team.id)
    account = world[who].account
    if TeamMembership.objects.filter(
        team=world.team, account=account, revoked_at__isnull=True
    ).exists():
        team_member_change_role(access=in_team, account_id=account.account_id, role=role.id)
    else:
        team_member_add(access=in_team, account_id=account.account_id, role=role.id)
