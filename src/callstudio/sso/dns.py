"""TXT lookups for domain verification, through dnspython.

The resolver is `CALLSTUDIO_DNS_SERVER` (`host:port`, or just `host` for port 53) when set, so the
tests (and an operator with a split-horizon resolver) choose who answers; unset, the system's
resolvers (/etc/resolv.conf). Lookups are short (`CALLSTUDIO_DNS_TIMEOUT_SECONDS`, 3 by default):
a request waits for DNS, so a dead resolver must fail fast, as a 503, not hang a web worker."""

import ipaddress

import dns.exception
import dns.resolver
from django.conf import settings


class DnsUnavailable(Exception):
    """No resolver answered (timeout, refused, SERVFAIL everywhere): we do not know, so the
    domain's state must not change."""


def _server(value: str) -> tuple[str, int]:
    """`host:port`, `host`, `[v6]:port` or a bare IPv6 address → (address, port)."""
    value = value.strip()
    if value.startswith("["):
        host, _, port = value[1:].partition("]")
        return host, int(port.lstrip(":") or 53)
    if value.count(":") == 1:
        host, port = value.split(":")
        return host, int(port)
    return value, 53


def resolver() -> dns.resolver.Resolver:
    configured = getattr(settings, "CALLSTUDIO_DNS_SERVER", "") or ""
    timeout = float(getattr(settings, "CALLSTUDIO_DNS_TIMEOUT_SECONDS", 3))
    if configured:
        r = dns.resolver.Resolver(configure=False)
        host, port = _server(configured)
        ipaddress.ip_address(host)  # dnspython needs an address here, not a name
        r.nameservers = [host]
        r.port = port
    else:
        r = dns.resolver.Resolver()
    r.timeout = timeout
    r.lifetime = timeout
    return r


def txt_values(name: str) -> list[str]:
    """Every TXT string published at `name` (each record's chunks joined, as RFC 7208 reads
    them). No such name or no TXT record: []. Raises DnsUnavailable when nobody could say."""
    try:
        answer = resolver().resolve(name, "TXT", search=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.resolver.NoNameservers, dns.exception.Timeout, OSError) as exc:
        raise DnsUnavailable(str(exc)) from exc
    except dns.exception.DNSException as exc:
        raise DnsUnavailable(str(exc)) from exc
    return [b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer]
