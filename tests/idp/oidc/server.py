"""Start and stop the OpenID Connect judge (tests/idp/oidc/settings.py) as its own process on a
free port: a fresh SQLite file in a temporary folder, a fresh RSA signing key, migrations, then
Django's development server. `OidcIdp.setup()` registers people and clients over HTTP."""

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[3]
READY_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


class OidcIdp:
    def __init__(self, folder: Path):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_urlsafe(16)
        self.log = folder / "idp.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
            "DJANGO_SETTINGS_MODULE": "tests.idp.oidc.settings",
            "IDP_DATABASE": str(folder / "idp.sqlite3"),
            "IDP_OIDC_PRIVATE_KEY": _private_key_pem(),
            "IDP_JUDGE_TOKEN": self.token,
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
        }
        self.process = None

    def start(self) -> "OidcIdp":
        django = [sys.executable, "-m", "django"]
        subprocess.run([*django, "migrate", "-v0"], env=self.env, cwd=ROOT, check=True)
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [*django, "runserver", f"127.0.0.1:{self.port}", "--noreload"],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the OIDC judge exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.discovery_url, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the OIDC judge did not start: {self.log.read_text()[-2000:]}")

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def setup(self, *, users=(), clients=()) -> dict:
        response = httpx.post(
            f"{self.issuer}/judge/setup",
            json={"users": list(users), "clients": list(clients)},
            headers={"X-Judge-Token": self.token},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
