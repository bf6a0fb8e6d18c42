"""A real DNS server for tests (dnslib, UDP and TCP on one free port of 127.0.0.1): it answers TXT
queries from the records a test publishes, NXDOMAIN for names it has none for, and SERVFAIL for
everything while told to fail. The `dns_server` fixture starts it and points
`CALLSTUDIO_DNS_SERVER` at it, so domain verification goes over the wire exactly as in
production."""

import socket
import threading
from collections.abc import Callable

import pytest
from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer


def _free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port


def _key(name: str) -> str:
    return name.rstrip(".").lower()


class _Resolver(BaseResolver):
    def __init__(self, server: "TestDnsServer"):
        self.server = server

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname)
        self.server.queries.append((name.rstrip("."), QTYPE[request.q.qtype]))
        if self.server.on_query is not None:
            self.server.on_query(name.rstrip("."))
        if self.server.failing:
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        values = self.server.records.get(_key(name))
        if values is None:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        if request.q.qtype == QTYPE.TXT:
            for value in values:
                # Long values go out as several 255-byte strings, as DNS providers publish them.
                chunks = [value[i : i + 255] for i in range(0, len(value), 255)] or [""]
                reply.add_answer(RR(name, QTYPE.TXT, rdata=TXT(chunks), ttl=60))
        return reply  # the name exists; other types: an empty answer (NoAnswer)


class TestDnsServer:
    __test__ = False  # not a test class for pytest

    def __init__(self):
        self.records: dict[str, list[str]] = {}
        self.queries: list[tuple[str, str]] = []
        self.failing = False
        # Called with the queried name before answering (in the server's thread).
        self.on_query: Callable[[str], None] | None = None
        self.port = _free_port()
        resolver = _Resolver(self)
        quiet = DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)
        self._servers = [
            DNSServer(resolver, address="127.0.0.1", port=self.port, logger=quiet),
            DNSServer(resolver, address="127.0.0.1", port=self.port, tcp=True, logger=quiet),
        ]
        self._lock = threading.Lock()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> "TestDnsServer":
        for server in self._servers:
            server.start_thread()
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.stop()
            server.server.server_close()

    def add_txt(self, name: str, value: str) -> None:
        with self._lock:
            self.records.setdefault(_key(name), []).append(value)

    def remove_txt(self, name: str, value: str | None = None) -> None:
        with self._lock:
            if value is None:
                self.records.pop(_key(name), None)
            else:
                self.records.get(_key(name), []).remove(value)


@pytest.fixture
def dns_server(settings):
    server = TestDnsServer().start()
    settings.CALLSTUDIO_DNS_SERVER = server.address
    settings.CALLSTUDIO_DNS_TIMEOUT_SECONDS = 2
    try:
        yield server
    finally:
        server.stop()
