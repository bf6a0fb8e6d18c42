"""Starts the test SAML IdP (tests/idp/saml/idp.py) as its own process on a free port, with two
throwaway RSA certificates made here (cryptography): the *trusted* one its metadata lists, and
an *other* one it can be told to sign with instead."""

import datetime
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

XMLSEC1 = "/usr/bin/xmlsec1"
IDP_SCRIPT = Path(__file__).with_name("idp.py")


def write_certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed RSA-2048 certificate valid for a day: (key PEM file, certificate PEM file)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Test IdP {name}")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = folder / f"{name}.key", folder / f"{name}.crt"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


def sample_metadata(entity_id: str, sso_url: str | None = None) -> str:
    """IdP metadata that `sso/saml.py` accepts, with a fresh certificate, for tests that need a
    SAML connection but no running IdP."""
    import base64
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        _, cert_file = write_certificate(Path(folder), "sample")
        der = x509.load_pem_x509_certificate(cert_file.read_bytes()).public_bytes(
            serialization.Encoding.DER
        )
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
        f"{base64.b64encode(der).decode()}"
        "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        f'Location="{sso_url or entity_id + "/sso"}"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SamlIdp:
    """The running IdP: its base URL and metadata, and the knobs of its next Responses."""

    url: str
    metadata_xml: str
    other_cert_file: Path

    @property
    def sso_url(self) -> str:
        return f"{self.url}/sso/redirect"

    def configure(self, **knobs) -> None:
        httpx.post(f"{self.url}/_test/knobs", json=knobs).raise_for_status()

    def register_sp(self, metadata_xml: str) -> None:
        """Tell the IdP about a service provider (its SP metadata), as an Admin would."""
        httpx.post(f"{self.url}/_test/sp", content=metadata_xml.encode()).raise_for_status()

    def reset(self) -> None:
        httpx.post(f"{self.url}/_test/reset").raise_for_status()


@contextmanager
def running_idp(folder: Path):
    if not os.path.exists(XMLSEC1):
        import pytest

        pytest.skip(f"Debian's xmlsec1 is not installed ({XMLSEC1}): apt-get install -y xmlsec1")
    trusted_key, trusted_cert = write_certificate(folder, "trusted")
    other_key, other_cert = write_certificate(folder, "other")
    port = free_port()
    # A file, not a pipe: nobody reads a pipe while the tests run, and a full one blocks the IdP.
    log = (folder / "idp.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, str(IDP_SCRIPT), "--port", str(port), "--key", str(trusted_key)]
        + ["--cert", str(trusted_cert), "--other-key", str(other_key)]
        + ["--other-cert", str(other_cert), "--xmlsec", XMLSEC1],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        metadata = _wait_for_metadata(process, url, folder / "idp.log")
        yield SamlIdp(url=url, metadata_xml=metadata, other_cert_file=other_cert)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_for_metadata(process: subprocess.Popen, url: str, log: Path) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the SAML IdP exited: {log.read_text()}")
        try:
            response = httpx.get(f"{url}/metadata", timeout=2)
            if response.status_code == 200:
                return response.text
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the SAML IdP did not start within 30 s")
