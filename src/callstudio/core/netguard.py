"""Which URLs the server may fetch (webhooks now, any fetched URL later): a guard against
server-side request forgery. A tenant-chosen URL must never make the server reach its own network:
loopback, private ranges, link-local (cloud metadata at 169.254.169.254), shared address space,
multicast, reserved and unspecified addresses, nor IPv6 forms that embed such an IPv4 address
(IPv4-mapped, IPv4-compatible, 6to4, NAT64, Teredo). The special-purpose ranges are listed here
rather than left to `ipaddress` alone, whose tables differ between Python releases and miss some
(the deprecated IPv6 site-local fec0::/10, 192.0.0.0/24 beyond its first addresses, 192.88.99.0/24,
3fff::/20): an IPv6 address must also be global unicast (2000::/3). Numeric host spellings (`2130706433`,
`0177.0.0.1`, `0x7f.1`) are caught because the host is resolved the way the connection would
resolve it (getaddrinfo accepts those forms) and every address it resolves to is checked.

`target_for()` resolves once and returns the checked address: the caller connects to that
address (not to the name again), so a name that answers a public address to the check and a
private one to the connection (DNS rebinding) gets nowhere. `CALLSTUDIO_ALLOW_PRIVATE_URLS=1`
lets an operator reach private addresses on purpose (a self-hosted receiver on the LAN)."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from .errors import Invalid

SCHEMES = {"http": 80, "https": 443}
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
# IANA's special-purpose IPv4 ranges (RFC 6890 and successors) that are not ordinary public
# unicast, whatever this Python's `ipaddress` says about them.
_REFUSED_V4 = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local (cloud metadata)
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast 255.255.255.255
    )
)
_GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")
_REFUSED_V6 = tuple(
    ipaddress.ip_network(net)
    for net in (
        "2001::/23",  # IETF protocol assignments (Teredo, ORCHID, benchmarking...)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
    )
)
REFUSED_ADDRESS = "refused: the host does not have a public address"
UNRESOLVED = "the host name does not resolve"


class Refused(Exception):
    """The URL may not be fetched. `str()` is safe to store and show: it never names what the
    host resolved to nor what answered there. `permanent`: trying again will not help (an address
    refused by policy), unlike a name that does not resolve right now."""

    def __init__(self, message: str, *, permanent: bool = True):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str  # the name from the URL, for the Host header and TLS (SNI, certificate)
    port: int
    address: str  # the checked address to connect to


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the seam tests replace to add a name)."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(info[4][0] for info in infos))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    found = []
    if ip.ipv4_mapped:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour:
        found.append(ip.sixtofour)
    if ip.teredo:
        found.extend(ip.teredo)
    if any(ip in net for net in _NAT64):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def is_public(address: str) -> bool:
    """Whether an address may be connected to without CALLSTUDIO_ALLOW_PRIVATE_URLS."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if not all(is_public(str(v4)) for v4 in _embedded_ipv4(ip)):
            return False
        # Outside 2000::/3: ::, ::1, ::a.b.c.d, ::ffff:a.b.c.d, NAT64, unique-local fc00::/7,
        # link-local fe80::/10, site-local fec0::/10 (deprecated), multicast ff00::/8.
        if ip not in _GLOBAL_UNICAST_V6 or ip.is_site_local:
            return False
        if any(ip in net for net in _REFUSED_V6):
            return False
    elif any(ip in net for net in _REFUSED_V4):
        return False
    return ip.is_global and not (
        ip.is_multicast
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
    )


def _parts(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("refused: not an http:// or https:// URL") from None
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise Refused("refused: not an http:// or https:// URL")
    return parts.scheme, parts.hostname, port or SCHEMES[parts.scheme]


def target_for(url: str) -> Target:
    """Resolve `url`'s host once and check every address; the first is the one to connect to.
    Raises Refused."""
    scheme, host, port = _parts(url)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        raise Refused(UNRESOLVED, permanent=False) from None
    if not addresses:
        raise Refused(UNRESOLVED, permanent=False)
    if not settings.CALLSTUDIO_ALLOW_PRIVATE_URLS and not all(is_public(a) for a in addresses):
        raise Refused(REFUSED_ADDRESS)
    return Target(url=url, scheme=scheme, host=host, port=port, address=addresses[0])


def check_url(url: str, *, field: str) -> None:
    """Save-time check (422 naming `field`): the scheme, and the addresses the host resolves to
    now. A name that does not resolve yet is accepted: it is checked again at every delivery."""
    try:
        target_for(url)
    except Refused as exc:
        if not exc.permanent:
            return
        raise Invalid(
            "Must be an http:// or https:// URL on a public address (not loopback, private, "
            "link-local or reserved).",
            field=field,
            code="url_not_public" if str(exc) == REFUSED_ADDRESS else None,
        ) from None
