"""RFC 6238 TOTP, written out here (not allauth's code), so the tests check the server against
the standard rather than against itself; and enrolment over the API, for tests that need it."""

import base64
import hashlib
import hmac
import struct
import time

PERIOD = 30


def current_step() -> int:
    return int(time.time()) // PERIOD


def totp(secret: str, step: int | None = None, digits: int = 6) -> str:
    """The code an authenticator app shows for `secret` at `step` (default: now)."""
    key = base64.b32decode(secret, casefold=True)
    step = current_step() if step is None else step
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = (int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF) % 10**digits
    return f"{value:0{digits}d}"


def enroll(api) -> tuple[str, list[str], int]:
    """Set up TOTP over the API; returns (secret, recovery codes, the step used to confirm).
    The server accepts one step either side of its own, so a later call can use `step + 1`."""
    response = api.post("/api/v1/me/mfa/totp")
    assert response.status_code == 200, response.content
    secret = response.json()["secret"]
    step = current_step()
    response = api.post("/api/v1/me/mfa/totp/confirm", {"code": totp(secret, step)})
    assert response.status_code == 200, response.content
    return secret, response.json()["recovery_codes"], step
