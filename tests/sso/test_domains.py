"""Email domains (PRODUCT §8.1) over the real API and pages, verified against a real DNS server
(tests/dnsserver.py): claim, list, verify by TXT record, remove; one organization per verified
domain (409 `domain_taken`, also when two verifications race); every refusal changes nothing."""

import socket

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from callstudio.core.models import AuditLogEntry
from callstudio.sso.models import OrgDomain
from tests.helpers import assert_problem, assert_unchanged, expect, fingerprint


def _url(world, org=None) -> str:
    return f"/api/v1/orgs/{(org or world.org).id}/domains"


def _claim(world, domain="acme.test", who="admin", org=None) -> dict:
    return expect(world.api(who).post(_url(world, org), {"domain": domain}), 201)


def _audit(org, action):
    return list(AuditLogEntry.objects.filter(organization=org, action=action))


# Claiming


def test_an_admin_claims_a_domain_and_gets_the_txt_record_to_publish(world):
    body = _claim(world, "Acme.TEST.")
    assert body["domain"] == "acme.test"
    assert body["txt_name"] == "acme.test"
    assert body["txt_record"].startswith("callstudio-domain-verification=")
    assert len(body["txt_record"]) > len("callstudio-domain-verification=") + 20
    assert body["verified"] is False and body["verified_at"] is None
    row = OrgDomain.objects.get(organization=world.org, domain="acme.test")
    assert row.txt_record == body["txt_record"] and row.verified_at is None
    (entry,) = _audit(world.org, "domain.add")
    assert entry.actor == world["admin"].account
    assert (entry.target_type, entry.target_id) == ("domain", "acme.test")
    assert entry.after == {"domain": "acme.test", "verified": False}

    listed = expect(world.api("admin").get(_url(world)), 200)
    assert listed == {"items": [body]}
    assert expect(world.api("admin").get(f"{_url(world)}/ACME.test"), 200) == body


def test_each_claim_gets_its_own_secret_value(world):
    a = _claim(world, "acme.test")
    b = _claim(world, "acme.test", who="foreign_admin", org=world.foreign_org)
    assert a["txt_record"] != b["txt_record"]


def test_international_names_are_stored_in_their_idna_form(world):
    body = _claim(world, "Bücher.Example")
    assert body["domain"] == "xn--bcher-kva.example"
    # The path takes either spelling.
    expect(world.api("admin").get(f"{_url(world)}/bücher.example"), 200)


@pytest.mark.parametrize(
    ("domain", "code"),
    [
        ("", "invalid_domain"),
        ("   ", "invalid_domain"),
        ("com", "invalid_domain"),
        ("localhost", "invalid_domain"),
        ("127.0.0.1", "invalid_domain"),
        ("[::1]", "invalid_domain"),
        ("2001:db8::1", "invalid_domain"),
        ("1.2.3", "invalid_domain"),
        ("people@acme.test", "invalid_domain"),
        ("acme..test", "invalid_domain"),
        ("-acme.test", "invalid_domain"),
        ("acme-.test", "invalid_domain"),
        ("ac_me.test", "invalid_domain"),
        ("acme.test/path", "invalid_domain"),
        ("https://acme.test", "invalid_domain"),
        ("a" * 64 + ".test", "invalid_domain"),
        (".".join(["a" * 50] * 5) + ".test", "invalid_domain"),  # 259 > 253
        ("x" * 5000, "invalid_domain"),
        ("gmail.com", "free_mail_domain"),
        ("Outlook.COM.", "free_mail_domain"),
    ],
)
def test_bad_domains_are_422_with_a_code_and_change_nothing(world, domain, code):
    before = fingerprint()
    response = world.api("admin").post(_url(world), {"domain": domain})
    assert_problem(response, 422, field="domain", code=code)
    assert_unchanged(before, domain)


def test_a_non_string_domain_is_422(world):
    before = fingerprint()
    response = world.api("admin").post(_url(world), {"domain": 42})
    assert_problem(response, 422, field="domain")
    assert_unchanged(before)


def test_claiming_the_same_domain_twice_is_409(world):
    _claim(world)
    before = fingerprint()
    assert_problem(
        world.api("admin").post(_url(world), {"domain": "ACME.test"}), 409, code="duplicate"
    )
    assert_unchanged(before)


def test_an_organization_claims_at_most_twenty_domains(world):
    for i in range(20):
        _claim(world, f"d{i}.acme.test")
    before = fingerprint()
    response = world.api("admin").post(_url(world), {"domain": "d20.acme.test"})
    assert_problem(response, 422, code="too_many_domains")
    assert_unchanged(before)


# Who may


@pytest.mark.parametrize("who", ["manager", "member", "supervisor", "agent"])
def test_without_org_manage_every_domain_route_is_403(world, dns_server, who):
    row = _claim(world)
    dns_server.add_txt("acme.test", row["txt_record"])
    api = world.api(who)
    before = fingerprint()
    for response in (
        api.get(_url(world)),
        api.post(_url(world), {"domain": "other.test"}),
        api.get(f"{_url(world)}/acme.test"),
        api.post(f"{_url(world)}/acme.test/verify"),
        api.delete(f"{_url(world)}/acme.test"),
    ):
        assert_problem(response, 403)
    assert_unchanged(before, who)
    assert dns_server.queries == []


def test_another_organizations_domains_are_not_found(world, dns_server):
    row = _claim(world)
    dns_server.add_txt("acme.test", row["txt_record"])
    globex = world.api("foreign_admin")
    before = fingerprint()
    # Through Acme's URL: Acme itself is not found for Globex's Admin.
    for response in (
        globex.get(_url(world)),
        globex.post(f"{_url(world)}/acme.test/verify"),
        globex.delete(f"{_url(world)}/acme.test"),
    ):
        assert_problem(response, 404)
    # Through Globex's own URL: Acme's claim is not Globex's.
    own = _url(world, world.foreign_org)
    assert expect(globex.get(own), 200) == {"items": []}
    assert_problem(globex.get(f"{own}/acme.test"), 404)
    assert_problem(globex.post(f"{own}/acme.test/verify"), 404)
    assert_problem(globex.delete(f"{own}/acme.test"), 404)
    assert_unchanged(before)
    assert dns_server.queries == []


def test_without_credentials_it_is_401(world):
    assert_problem(world.api(None).get(_url(world)), 401)


# Verifying


def test_verify_finds_the_txt_record_on_the_real_dns_server(world, dns_server):
    row = _claim(world)
    dns_server.add_txt("acme.test", "v=spf1 -all")  # other TXT records live there too
    dns_server.add_txt("acme.test", row["txt_record"])
    body = expect(world.api("admin").post(f"{_url(world)}/acme.test/verify"), 200)
    assert body["verified"] is True and body["verified_at"]
    assert dns_server.queries == [("acme.test", "TXT")]
    stored = OrgDomain.objects.get(organization=world.org, domain="acme.test")
    assert stored.verified_at is not None
    (entry,) = _audit(world.org, "domain.verify")
    assert entry.before == {"domain": "acme.test", "verified": False}
    assert entry.after == {"domain": "acme.test", "verified": True}


def test_verifying_a_verified_domain_again_is_a_no_op(world, dns_server):
    row = _claim(world)
    dns_server.add_txt("acme.test", row["txt_record"])
    expect(world.api("admin").post(f"{_url(world)}/acme.test/verify"), 200)
    dns_server.remove_txt("acme.test")
    before = fingerprint()
    body = expect(world.api("admin").post(f"{_url(world)}/acme.test/verify"), 200)
    assert body["verified"] is True
    assert_unchanged(before)
    assert len(dns_server.queries) == 1


@pytest.mark.parametrize(
    "published",
    [
        None,  # no such name
        ["v=spf1 -all"],  # the name has TXT records, not ours
        ["callstudio-domain-verification=somebody-elses-value"],
    ],
)
def test_verify_without_the_record_is_422_and_changes_nothing(world, dns_server, published):
    _claim(world)
    for value in published or []:
        dns_server.add_txt("acme.test", value)
    before = fingerprint()
    response = world.api("admin").post(f"{_url(world)}/acme.test/verify")
    body = assert_problem(response, 422, code="txt_record_not_found")
    assert "acme.test" in body["detail"]
    assert_unchanged(before)
    assert dns_server.queries == [("acme.test", "TXT")]


def test_the_record_is_found_with_stray_spaces_around_it(world, dns_server):
    row = _claim(world)
    dns_server.add_txt("acme.test", f" {row['txt_record']} ")
    assert expect(world.api("admin").post(f"{_url(world)}/acme.test/verify"), 200)["verified"]


def test_a_record_on_a_subdomain_does_not_verify_the_domain(world, dns_server):
    row = _claim(world)
    dns_server.add_txt("www.acme.test", row["txt_record"])
    response = world.api("admin").post(f"{_url(world)}/acme.test/verify")
    assert_problem(response, 422, code="txt_record_not_found")


def test_a_failing_dns_server_is_503_and_changes_nothing(world, dns_server):
    row = _claim(world)
    dns_server.add_txt("acme.test", row["txt_record"])
    dns_server.failing = True  # SERVFAIL
    before = fingerprint()
    response = world.api("admin").post(f"{_url(world)}/acme.test/verify")
    assert_problem(response, 503, code="dns_unavailable")
    assert_unchanged(before)


def test_a_silent_dns_server_times_out_as_503(world, settings):
    _claim(world)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))  # receives, never answers
        settings.CALLSTUDIO_DNS_SERVER = f"127.0.0.1:{silent.getsockname()[1]}"
        settings.CALLSTUDIO_DNS_TIMEOUT_SECONDS = 1
        before = fingerprint()
        started = timezone.now()
        response = world.api("admin").post(f"{_url(world)}/acme.test/verify")
        assert_problem(response, 503, code="dns_unavailable")
        assert (timezone.now() - started).total_seconds() < 5
        assert silent.recv(512)  # the query did reach it
    assert_unchanged(before)


# One organization per verified domain


def test_a_domain_verified_by_another_organization_cannot_be_claimed_or_verified(world, dns_server):
    globex_url = _url(world, world.foreign_org)
    globex_row = _claim(world, who="foreign_admin", org=world.foreign_org)  # before Acme wins
    acme_row = _claim(world)
    dns_server.add_txt("acme.test", acme_row["txt_record"])
    dns_server.add_txt("acme.test", globex_row["txt_record"])
    expect(world.api("admin").post(f"{_url(world)}/acme.test/verify"), 200)
    queries = len(dns_server.queries)

    before = fingerprint()
    globex = world.api("foreign_admin")
    assert_problem(globex.post(f"{globex_url}/acme.test/verify"), 409, code="domain_taken")
    assert_problem(globex.post(globex_url, {"domain": "Acme.Test"}), 409, code="domain_taken")
    assert_unchanged(before)
    assert len(dns_server.queries) == queries  # refused before any lookup

    # Acme lets it go: Globex may verify its own claim.
    assert world.api("admin").delete(f"{_url(world)}/acme.test").status_code == 204
    body = expect(globex.post(f"{globex_url}/acme.test/verify"), 200)
    assert body["verified"] is True


@pytest.mark.django_db(transaction=True)
def test_two_verifications_racing_leave_one_winner(world, dns_server):
    """Globex's verification lands while Acme's lookup is on the wire (the DNS server does it
    on receiving Acme's query, from its own thread and database connection). Acme's write then
    meets the partial unique constraint: 409 `domain_taken`, and Acme's claim stays unverified."""
    acme_row = _claim(world)
    globex_row = _claim(world, who="foreign_admin", org=world.foreign_org)
    dns_server.add_txt("acme.test", acme_row["txt_record"])
    dns_server.add_txt("acme.test", globex_row["txt_record"])

    def globex_wins(name):
        try:
            OrgDomain.objects.filter(organization=world.foreign_org, domain=name).update(
                verified_at=timezone.now()
            )
        finally:
            connection.close()
        dns_server.on_query = None

    dns_server.on_query = globex_wins
    response = world.api("admin").post(f"{_url(world)}/acme.test/verify")
    assert_problem(response, 409, code="domain_taken")
    assert OrgDomain.objects.get(organization=world.org).verified_at is None
    assert OrgDomain.objects.get(organization=world.foreign_org).verified_at is not None
    assert _audit(world.org, "domain.verify") == []


def test_the_verified_owner_of_an_address_is_found_by_its_domain(world, dns_server):
    from callstudio.sso.domains import verified_domain_owner

    row = _claim(world, "bücher.example")
    assert verified_domain_owner("ada@Bücher.Example") is None  # claimed, not verified
    dns_server.add_txt("xn--bcher-kva.example", row["txt_record"])
    expect(world.api("admin").post(f"{_url(world)}/bücher.example/verify"), 200)
    assert verified_domain_owner("ada@Bücher.Example") == world.org.id
    assert verified_domain_owner("ada@xn--bcher-kva.example") == world.org.id
    assert verified_domain_owner("ada@eu.xn--bcher-kva.example") is None
    assert verified_domain_owner("not an address") is None
    assert verified_domain_owner(None) is None


def test_the_test_dns_server_answers_over_tcp_too(dns_server):
    import dns.message
    import dns.query

    dns_server.add_txt("acme.test", "y" * 600)
    query = dns.message.make_query("acme.test", "TXT")
    answer = dns.query.tcp(query, "127.0.0.1", port=dns_server.port, timeout=2)
    (rrset,) = answer.answer
    assert b"".join(next(iter(rrset)).strings) == b"y" * 600


# Removing


def test_removing_a_domain(world, dns_server):
    row = _claim(world)
    dns_server.add_txt("acme.test", row["txt_record"])
    expect(world.api("admin").post(f"{_url(world)}/acme.test/verify"), 200)
    response = world.api("admin").delete(f"{_url(world)}/acme.test")
    assert response.status_code == 204
    assert not OrgDomain.objects.filter(domain="acme.test").exists()
    (entry,) = _audit(world.org, "domain.remove")
    assert entry.before == {"domain": "acme.test", "verified": True}
    before = fingerprint()
    assert_problem(world.api("admin").delete(f"{_url(world)}/acme.test"), 404)
    assert_problem(world.api("admin").post(f"{_url(world)}/acme.test/verify"), 404)
    assert_problem(world.api("admin").get(f"{_url(world)}/not..a.domain"), 404)
    assert_unchanged(before)


# The page


def _browser(world, who="admin") -> Client:
    client = Client()
    client.force_login(world[who].account)
    return client


def _page(world) -> str:
    return f"/o/{world.org.id}/settings/domains"


def test_the_page_lists_domains_with_the_record_and_its_copy_button(world):
    row = _claim(world)
    response = _browser(world).get(_page(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert "acme.test" in html and row["txt_record"] in html
    assert 'data-copy="txt-acme.test"' in html
    assert "Waiting for its TXT record" in html
    assert f'action="/o/{world.org.id}/settings/domains/acme.test/verify"' in html
    assert f'action="/o/{world.org.id}/settings/domains/acme.test/remove"' in html


def test_the_page_adds_verifies_and_removes(world, dns_server):
    client = _browser(world)
    response = client.post(_page(world), {"domain": "Acme.test"})
    assert response.status_code == 302 and response["Location"] == _page(world)
    row = OrgDomain.objects.get(organization=world.org, domain="acme.test")

    response = client.post(f"{_page(world)}/ACME.test/verify")  # any spelling
    assert response.status_code == 422
    html = response.content.decode()
    assert 'role="alert" id="error-acme.test">No TXT record' in html
    assert OrgDomain.objects.get(pk=row.pk).verified_at is None

    dns_server.add_txt("acme.test", row.txt_record)
    assert client.post(f"{_page(world)}/acme.test/verify").status_code == 302
    page = client.get(_page(world)).content.decode()
    assert "acme.test is verified." in page and "Verified " in page
    assert OrgDomain.objects.get(pk=row.pk).verified_at is not None

    assert client.post(f"{_page(world)}/acme.test/remove").status_code == 302
    assert not OrgDomain.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize(
    ("domain", "status", "message"),
    [
        ("com", 422, "at least one dot"),
        ("gmail.com", 422, "public mailbox provider"),
        ("", 422, "This field is required."),
    ],
)
def test_page_errors_show_on_the_form_and_change_nothing(world, domain, status, message):
    before = fingerprint()
    response = _browser(world).post(_page(world), {"domain": domain})
    assert response.status_code == status
    html = response.content.decode()
    assert message in html
    assert 'class="field-error" role="alert"' in html
    assert_unchanged(before, domain)


def test_the_page_says_when_another_organization_holds_the_domain(world):
    OrgDomain.objects.create(
        organization=world.foreign_org,
        domain="acme.test",
        txt_record="x",
        verified_at=timezone.now(),
    )
    before = fingerprint()
    response = _browser(world).post(_page(world), {"domain": "acme.test"})
    assert response.status_code == 409
    assert "verified by another organization" in response.content.decode()
    assert_unchanged(before)


def test_the_page_shows_a_dns_outage_on_the_row(world, dns_server):
    _claim(world)
    dns_server.failing = True
    before = fingerprint()
    response = _browser(world).post(f"{_page(world)}/acme.test/verify")
    assert response.status_code == 503
    assert "No DNS server answered" in response.content.decode()
    assert_unchanged(before)


@pytest.mark.parametrize(("who", "status"), [("manager", 403), ("member", 403), ("outsider", 404)])
def test_the_page_refuses_without_org_manage(world, who, status):
    _claim(world)
    client = _browser(world, who)
    before = fingerprint()
    assert client.get(_page(world)).status_code == status
    assert client.post(_page(world), {"domain": "other.test"}).status_code == status
    assert client.post(f"{_page(world)}/acme.test/verify").status_code == status
    assert client.post(f"{_page(world)}/acme.test/remove").status_code == status
    assert_unchanged(before, who)


def test_another_organizations_domain_is_not_found_on_the_page(world):
    OrgDomain.objects.create(organization=world.foreign_org, domain="globex.test", txt_record="x")
    before = fingerprint()
    client = _browser(world)
    assert client.post(f"{_page(world)}/globex.test/verify").status_code == 404
    assert client.post(f"{_page(world)}/globex.test/remove").status_code == 404
    assert_unchanged(before)
