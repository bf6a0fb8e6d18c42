"""A real SMTP server for tests (aiosmtpd on a free port): CallStudio sends through Django's SMTP
backend to it, and tests read what arrived and follow the links in it."""

import email
import email.policy
import re
import socket
import threading
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller

from tests.helpers import wait_until

LINK = re.compile(r"https?://[^\s\"'<>]+")


@dataclass
class Message:
    to: list[str]
    subject: str
    body: str

    @property
    def links(self) -> list[str]:
        return LINK.findall(self.body)


class _Inbox:
    def __init__(self):
        self.messages: list[Message] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        part = parsed.get_body(preferencelist=("plain", "html"))
        body = part.get_content() if part is not None else ""
        with self._lock:
            self.messages.append(
                Message(to=list(envelope.rcpt_tos), subject=str(parsed["subject"]), body=body)
            )
        return "250 OK"


class SmtpServer:
    def __init__(self):
        self.inbox = _Inbox()
        with (
            socket.socket() as s
        ):  # aiosmtpd checks it is up by connecting to the port it was given
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    @property
    def messages(self) -> list[Message]:
        return list(self.inbox.messages)

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in m.to]

    def wait_for(self, address: str, count: int = 1, *, subject: str = "") -> Message:
        """The latest message to `address` once `count` of them (matching `subject`) arrived."""

        def arrived():
            found = [m for m in self.to(address) if subject.lower() in m.subject.lower()]
            return found[-1] if len(found) >= count else None

        return wait_until(arrived, seconds=10, what=f"{count} mail(s) to {address} {subject!r}")


@pytest.fixture
def smtp(settings):
    """Mail goes by SMTP to a real server started for this test."""
    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield server
    finally:
        server.stop()
