"""The outbox: where mail goes when no SMTP server is configured (no `EMAIL_HOST`).

Each message is one file under `$CALLSTUDIO_DATA_DIR/outbox/`, readable by the service account
only (file 0600, directory 0700), because mail carries secrets (password reset and invitation
links). It is never printed to the log: logs are shipped, kept and read by many more people.
`callstudio outbox` prints the latest messages."""

import email
import email.policy
import os
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

_lock = threading.Lock()


def outbox_dir() -> Path:
    return Path(settings.DATA_DIR) / "outbox"


def _ensure_dir() -> Path:
    path = outbox_dir()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)  # mkdir's mode is masked by the umask, and an old directory may be wider
    return path


class OutboxBackend(BaseEmailBackend):
    """A Django EmailBackend writing each message as an RFC 5322 file (`<time>-<id>.eml`)."""

    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        directory = _ensure_dir()
        sent = 0
        for message in email_messages:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            path = directory / f"{stamp}-{secrets.token_hex(4)}.eml"
            try:
                with _lock:
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "wb") as fh:
                        fh.write(message.message().as_bytes(linesep="\n"))
            except OSError:
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent


def latest_messages(count: int) -> list[dict]:
    """The `count` latest messages, oldest first: to, subject, date and the text body."""
    directory = outbox_dir()
    if not directory.is_dir():
        return []
    paths = sorted(p for p in directory.iterdir() if p.suffix == ".eml")[-count:] if count else []
    messages = []
    for path in paths:
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        part = parsed.get_body(preferencelist=("plain", "html"))
        messages.append(
            {
                "to": str(parsed.get("To", "")),
                "subject": str(parsed.get("Subject", "")),
                "date": str(parsed.get("Date", "")),
                "body": part.get_content() if part is not None else "",
                "file": path.name,
            }
        )
    return messages
