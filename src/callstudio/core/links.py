"""Absolute links for mail and other messages read outside the browser. They are built from the
canonical base URL (`CALLSTUDIO_URL`), never from the request's Host header, which a client
chooses: a reset link built from it could point at an attacker's domain."""

from django.conf import settings


def absolute_url(path: str) -> str:
    """`/invitations/abc` → `https://callstudio.example.com/invitations/abc`."""
    if not path.startswith("/"):
        raise ValueError(f"absolute_url needs a path starting with '/', not {path!r}")
    return settings.CALLSTUDIO_URL.rstrip("/") + path
