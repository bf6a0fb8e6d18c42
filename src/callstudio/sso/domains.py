"""An organization's email domains (PRODUCT §8.1): claimed by an Admin, proven by a DNS TXT
record, then theirs alone. A verified domain routes "Sign in with SSO" by email to the
organization and puts its members under `require_sso`.

- Claim: the name is normalised (`normalize_domain`) and gets a fresh random TXT value. Several
  organizations may claim a name; the first to verify it wins, and from then on a claim or a
  verification by any other organization is 409 `domain_taken`. The database's partial unique
  constraint (one verified row per name) is the last line against two verifications racing.
- Verify: the TXT records at the domain itself are looked up (sso/dns.py) outside any transaction
  (a slow resolver must not hold a row lock); found → verified, audited. Not found → 422
  `txt_record_not_found`, resolver down → 503 `dns_unavailable`; neither changes anything. A
  verified domain stays verified: verifying it again is a no-op (the proof was given once).
- Remove: the claim goes, verified or not; its members leave `require_sso`'s reach.

Every operation needs `org.manage`; another organization's domain is not found."""

import ipaddress
import re
import secrets

import idna
from django.db import IntegrityError, transaction
from django.utils import timezone

from callstudio.access.policy import OrgAccess
from callstudio.accounts.models import email_domain
from callstudio.core.audit import audit_record
from callstudio.core.audit_actions import AuditAction
from callstudio.core.errors import Conflict, DomainError, Invalid, NotFound

from . import dns
from .models import OrgDomain

PERMISSION = "org.manage"
TXT_PREFIX = "callstudio-domain-verification="
MAX_DOMAINS = 20
MAX_LENGTH = 253
LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Mailbox providers: nobody can publish a TXT record there, and a claim on one would only ever
# put strangers under an organization's policies. Refused at once with a clear message.
FREE_MAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "mail.ru",
        "yandex.ru",
        "yandex.com",
        "qq.com",
        "163.com",
        "fastmail.com",
        "zoho.com",
    }
)


class DnsUnavailableError(DomainError):
    status = 503
    title = "Service unavailable"
    code = "dns_unavailable"


def normalize_domain(value, *, field: str = "domain") -> str:
    """The one spelling of a domain we store and compare: lower case, IDNA (punycode) form, no
    trailing dot. Refuses IP addresses, single labels ("com", "localhost"), names over 253
    characters or with a label over 63, anything not a host name, and free-mail providers."""
    if not isinstance(value, str):
        raise Invalid("Enter a domain name, such as acme.com.", field=field, code="invalid_domain")
    name = value.strip().rstrip(".").lower()
    if "@" in name:
        raise Invalid(
            "Enter the domain only (acme.com), not an email address.",
            field=field,
            code="invalid_domain",
        )
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        pass
    else:
        raise Invalid("An IP address is not a domain.", field=field, code="invalid_domain")
    if len(name) > MAX_LENGTH * 4:  # refused before IDNA spends time on it
        raise Invalid(f"At most {MAX_LENGTH} characters.", field=field, code="invalid_domain")
    try:
        name = idna.encode(name, uts46=True).decode("ascii") if name else ""
    except (idna.IDNAError, UnicodeError):
        raise Invalid(
            "This is not a valid domain name.", field=field, code="invalid_domain"
        ) from None
    labels = name.split(".")
    if len(name) > MAX_LENGTH:
        raise Invalid(f"At most {MAX_LENGTH} characters.", field=field, code="invalid_domain")
    if len(labels) < 2 or not all(LABEL.match(label) for label in labels):
        raise Invalid(
            "Enter a full domain name with at least one dot, such as acme.com.",
            field=field,
            code="invalid_domain",
        )
    if labels[-1].isdigit():
        raise Invalid("This is not a valid domain name.", field=field, code="invalid_domain")
    if name in FREE_MAIL:
        raise Invalid(
            f"{name} is a public mailbox provider: it cannot belong to one organization.",
            field=field,
            code="free_mail_domain",
        )
    return name


# Selectors


def domains_of(*, access: OrgAccess) -> list[OrgDomain]:
    access.require(PERMISSION)
    return list(OrgDomain.objects.filter(organization_id=access.organization.id).order_by("domain"))


def domain_in_org(*, access: OrgAccess, domain) -> OrgDomain:
    access.require(PERMISSION)
    try:
        name = normalize_domain(domain)
    except Invalid:
        raise NotFound("Domain not found.") from None
    row = OrgDomain.objects.filter(organization_id=access.organization.id, domain=name).first()
    if row is None:
        raise NotFound("Domain not found.")
    return row


def verified_domain_owner(email) -> str | None:
    """The id of the organization that verified the domain of `email`, or None (one query):
    where "Sign in with SSO" sends an address. A subdomain is not its parent domain."""
    domain = email_domain(email) if isinstance(email, str) else ""
    if not domain:
        return None
    return (
        OrgDomain.objects.filter(domain=domain, verified_at__isnull=False)
        .values_list("organization_id", flat=True)
        .first()
    )


# Services


def _taken_elsewhere(access: OrgAccess, name: str) -> bool:
    return (
        OrgDomain.objects.filter(domain=name, verified_at__isnull=False)
        .exclude(organization_id=access.organization.id)
        .exists()
    )


def _taken(name: str) -> Conflict:
    return Conflict(
        f"{name} is verified by another organization.", field="domain", code="domain_taken"
    )


def _state(row: OrgDomain) -> dict:
    return {"domain": row.domain, "verified": row.verified_at is not None}


@transaction.atomic
def domain_add(*, access: OrgAccess, domain) -> OrgDomain:
    access.require(PERMISSION)
    name = normalize_domain(domain)
    org = access.organization
    if _taken_elsewhere(access, name):
        raise _taken(name)
    if OrgDomain.objects.filter(organization_id=org.id).count() >= MAX_DOMAINS:
        raise Invalid(
            f"An organization claims at most {MAX_DOMAINS} domains.",
            field="domain",
            code="too_many_domains",
        )
    row = OrgDomain(
        organization=org, domain=name, txt_record=TXT_PREFIX + secrets.token_urlsafe(24)
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise Conflict(
            f"{name} is already in this organization's list.", field="domain", code="duplicate"
        ) from None
    audit_record(
        actor=access.account,
        action=AuditAction.DOMAIN_ADD,
        target=row,
        organization=org,
        after=_state(row),
    )
    return row


def domain_verify(*, access: OrgAccess, domain) -> OrgDomain:
    """Not atomic as a whole on purpose: the DNS lookup happens between two short steps."""
    row = domain_in_org(access=access, domain=domain)
    if row.verified_at is not None:
        return row
    if _taken_elsewhere(access, row.domain):
        raise _taken(row.domain)
    try:
        published = dns.txt_values(row.domain)
    except dns.DnsUnavailable:
        raise DnsUnavailableError(
            "No DNS server answered for this domain just now. Nothing changed; try again in a "
            "minute."
        ) from None
    if row.txt_record not in {value.strip() for value in published}:
        raise Invalid(
            f"No TXT record {row.txt_record!r} was found at {row.domain}. Publish it at your DNS "
            "provider, wait for it to appear (minutes, sometimes longer), then verify again.",
            field="domain",
            code="txt_record_not_found",
        )
    return _mark_verified(access, row.pk)


@transaction.atomic
def _mark_verified(access: OrgAccess, pk) -> OrgDomain:
    row = (
        OrgDomain.objects.select_for_update()
        .filter(pk=pk, organization_id=access.organization.id)
        .first()
    )
    if row is None:  # removed while we were looking it up
        raise NotFound("Domain not found.")
    if row.verified_at is not None:
        return row
    before = _state(row)
    row.verified_at = timezone.now()
    try:
        with transaction.atomic():
            row.save(update_fields=["verified_at"])
    except IntegrityError:
        # Another organization verified it between our check and now.
        raise _taken(row.domain) from None
    audit_record(
        actor=access.account,
        action=AuditAction.DOMAIN_VERIFY,
        target=row,
        organization=access.organization,
        before=before,
        after=_state(row),
    )
    return row


@transaction.atomic
def domain_remove(*, access: OrgAccess, domain) -> None:
    row = domain_in_org(access=access, domain=domain)
    before = _state(row)
    audit_record(
        actor=access.account,
        action=AuditAction.DOMAIN_REMOVE,
        target=row,
        organization=access.organization,
        before=before,
    )
    row.delete()
