"""PRODUCT §7.1: webhooks never reach loopback, private, link-local, multicast or reserved
addresses (nor IPv6 and numeric spellings of them) unless CALLSTUDIO_ALLOW_PRIVATE_URLS is set.
Refused when saved (422 naming the field) and again when delivered, connecting to the address
that was checked (no DNS rebinding). The default (off) is what these tests run with."""

import pytest
from django.test import Client

from callstudio.core import netguard
from callstudio.rules.models import WebhookDelivery
from callstudio.rules.webhooks import attempt
from tests.calls.conftest import ingest  # noqa: F401  (the `ingest` fixture)
from tests.helpers import assert_problem, assert_unchanged, fingerprint
from tests.rules.conftest import Receiver, analyze, automations_url, rules_url, send

KEYWORD = {"type": "keyword", "phrases": ["charged twice"]}
PUBLIC = "93.184.216.34"

REFUSED_HOSTS = [
    "localhost",
    "127.0.0.1",
    "127.1",
    "2130706433",  # decimal
    "0177.0.0.1",  # octal
    "0x7f.1",  # hex
    "0x7f000001",
    "0.0.0.0",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.10",
    "169.254.169.254",  # cloud metadata (link-local)
    "100.64.0.1",  # shared address space (carrier-grade NAT)
    "100.127.255.254",
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
    "255.255.255.255",  # broadcast
    "192.0.2.1",  # documentation (not global)
    "198.51.100.7",  # documentation
    "203.0.113.7",  # documentation
    "192.0.0.1",  # IETF protocol assignments
    "192.0.0.8",  # ... the IPv4 dummy address, global to some Python releases
    "192.0.0.9",  # ... the PCP anycast address, global to some Python releases
    "192.0.0.171",  # ... NAT64 discovery
    "192.88.99.1",  # deprecated 6to4 relay anycast
    "198.18.0.1",  # benchmarking
    "198.19.255.254",
    "[::1]",
    "[::]",
    "[::ffff:127.0.0.1]",  # IPv4-mapped
    "[::ffff:169.254.169.254]",
    "[::127.0.0.1]",  # IPv4-compatible
    "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
    "[64:ff9b::a00:1]",  # NAT64 of 10.0.0.1
    "[2002:7f00:1::]",  # 6to4 of 127.0.0.1
    "[2002:a9fe:a9fe::1]",  # 6to4 of 169.254.169.254
    "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",  # Teredo
    "[fe80::1]",
    "[fc00::1]",
    "[fd12:3456::1]",  # unique local
    "[fec0::1]",  # site-local (deprecated, reserved)
    "[feff::1]",  # ... the top of fec0::/10
    "[ff02::1]",
    "[2001:db8::1]",  # documentation
    "[3fff::1]",  # documentation (RFC 9637)
    "[2001:2::1]",  # benchmarking
    "[100::1]",  # discard-only
    "[4000::1]",  # outside global unicast 2000::/3
]


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_non_public_addresses_in_every_spelling_are_refused(settings, host):
    assert settings.CALLSTUDIO_ALLOW_PRIVATE_URLS is False  # the default on every profile
    with pytest.raises(netguard.Refused) as refused:
        netguard.target_for(f"http://{host}:8080/hook")
    assert str(refused.value) == netguard.REFUSED_ADDRESS and refused.value.permanent


@pytest.mark.parametrize(
    "host", [PUBLIC, "[2606:2800:220:1:248:1893:25c8:1946]", "[2002:808:808::1]", "8.8.8.8"]
)
def test_public_addresses_are_allowed_and_are_what_is_connected_to(host):
    target = netguard.target_for(f"https://{host}/hook")
    assert netguard.is_public(target.address) and target.port == 443


def test_every_address_of_a_name_is_checked(monkeypatch):
    monkeypatch.setattr(netguard, "resolve", lambda host, port: [PUBLIC, "10.0.0.5"])
    with pytest.raises(netguard.Refused):
        netguard.target_for("https://hooks.acme.test/hook")
    monkeypatch.setattr(netguard, "resolve", lambda host, port: [PUBLIC])
    assert netguard.target_for("https://hooks.acme.test/hook").address == PUBLIC


@pytest.mark.parametrize("url", ["ftp://hooks.acme.test/", "file:///etc/passwd", "gopher://x/"])
def test_only_http_and_https(url):
    with pytest.raises(netguard.Refused):
        netguard.target_for(url)


def test_the_operator_setting_allows_private_addresses(settings):
    settings.CALLSTUDIO_ALLOW_PRIVATE_URLS = True
    assert netguard.target_for("http://127.0.0.1:9/hook").address == "127.0.0.1"


@pytest.mark.parametrize("url", ["http://localhost:8080/h", "http://[::ffff:10.0.0.1]/h"])
def test_an_alert_rule_webhook_to_a_private_address_is_422(world, url):
    before = fingerprint()
    response = world.api("supervisor").post(
        rules_url(world), {"name": "R", "condition": KEYWORD, "webhook_url": url}
    )
    assert_problem(response, 422, field="webhook_url", code="url_not_public")
    assert_unchanged(before, url)


def test_an_automation_webhook_action_to_a_private_address_is_422(world):
    before = fingerprint()
    response = world.api("supervisor").post(
        automations_url(world),
        {
            "name": "A",
            "trigger": "call.ingested",
            "conditions": [],
            "actions": [{"type": "webhook", "url": "http://169.254.169.254/", "secret": "s" * 12}],
        },
    )
    assert_problem(response, 422, field="actions[0].url", code="url_not_public")
    assert_unchanged(before)


def test_the_rule_form_refuses_a_private_webhook_next_to_the_field(world):
    browser = Client()
    browser.force_login(world["supervisor"].account)
    before = fingerprint()
    response = browser.post(
        f"/o/{world.org.id}/teams/{world.team.id}/alert-rules/new",
        {
            "name": "Refunds",
            "type": "keyword",
            "phrases": "refund",
            "webhook_url": "http://0x7f.1/",
        },
    )
    assert response.status_code == 422
    assert "public address" in response.content.decode()
    assert_unchanged(before)


@pytest.fixture
def private_receiver():
    """A real receiver on 127.0.0.1 that, with the default settings, must receive nothing."""
    r = Receiver()
    yield r
    r.close()


def _rule_delivering_to(world, ingest, url: str) -> WebhookDelivery:  # noqa: F811
    response = world.api("supervisor").post(
        rules_url(world), {"name": "R", "condition": KEYWORD, "webhook_url": url}
    )
    assert response.status_code == 201, response.content
    send(ingest, "call-1")
    analyze()
    return WebhookDelivery.objects.get()


def test_a_name_rebound_to_loopback_after_saving_is_refused_at_delivery(
    world,
    ingest,  # noqa: F811
    private_receiver,
    monkeypatch,
):
    """Public when saved, loopback when delivered (DNS rebinding): nothing reaches the receiver,
    the delivery fails at once, and its error names no address."""
    port = private_receiver.server.server_address[1]
    monkeypatch.setattr(netguard, "resolve", lambda host, port: [PUBLIC])
    delivery = _rule_delivering_to(world, ingest, f"http://hooks.acme.test:{port}/hook")
    monkeypatch.setattr(netguard, "resolve", lambda host, port: ["127.0.0.1"])
    assert attempt(delivery.id).retry_in is None
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.FAILED and delivery.last_status_code is None
    assert delivery.last_error == netguard.REFUSED_ADDRESS
    assert "127.0.0.1" not in delivery.last_error and str(port) not in delivery.last_error
    assert private_receiver.requests == []


def test_a_stored_localhost_url_is_refused_at_delivery(
    world,
    ingest,  # noqa: F811
    private_receiver,
    settings,
):
    """Saved while an operator allowed private addresses, delivered after they stopped."""
    settings.CALLSTUDIO_ALLOW_PRIVATE_URLS = True
    port = private_receiver.server.server_address[1]
    delivery = _rule_delivering_to(world, ingest, f"http://localhost:{port}/hook")
    settings.CALLSTUDIO_ALLOW_PRIVATE_URLS = False
    attempt(delivery.id)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == ("failed", netguard.REFUSED_ADDRESS)
    assert private_receiver.requests == []


def test_allowed_private_delivery_connects_to_the_checked_address(
    world,
    ingest,  # noqa: F811
    private_receiver,
    settings,
    monkeypatch,
):
    """`hooks.acme.test` resolves nowhere but through netguard's resolver (to 127.0.0.1): the
    receiver getting the POST shows the connection went to the checked address, with the
    name kept in the Host header."""
    settings.CALLSTUDIO_ALLOW_PRIVATE_URLS = True
    monkeypatch.setattr(netguard, "resolve", lambda host, port: ["127.0.0.1"])
    port = private_receiver.server.server_address[1]
    delivery = _rule_delivering_to(world, ingest, f"http://hooks.acme.test:{port}/hook")
    assert attempt(delivery.id).retry_in is None
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.DELIVERED, delivery.last_error
    (received,) = private_receiver.requests
    assert received.headers["host"] == f"hooks.acme.test:{port}"
    assert received.json["delivery_id"] == delivery.id


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "2130706433", "0177.0.0.1"]
)
def test_a_fresh_sign_up_cannot_point_an_automation_at_the_server(db, private_receiver, host):
    """The finding as reported: a stranger signs up, creates an organization, a team and an
    automation whose webhook is the server's own loopback. Each step is the stranger's right but
    the last, which is 422 and stores nothing; the receiver on 127.0.0.1 hears nothing."""
    from tests.conftest import Api

    api = Api()
    signup = {"email": "stranger@evil.test", "password": "a-long-stranger-pw-58", "name": "S"}
    assert api.post("/api/v1/accounts", signup).status_code == 201
    token = api.post("/api/v1/auth/tokens", signup).json()["token"]
    api = Api(token)
    org = api.post("/api/v1/orgs", {"name": "Evil"}).json()["id"]
    team = api.post(f"/api/v1/orgs/{org}/teams", {"name": "Probe"}).json()["id"]
    port = private_receiver.server.server_address[1]
    before = fingerprint()
    response = api.post(
        f"/api/v1/orgs/{org}/teams/{team}/automations",
        {
            "name": "Probe",
            "trigger": "call.ingested",
            "conditions": [],
            "actions": [{"type": "webhook", "url": f"http://{host}:{port}/", "secret": "s" * 16}],
        },
    )
    assert_problem(response, 422, field="actions[0].url", code="url_not_public")
    assert_unchanged(before, host)
    assert private_receiver.requests == []
