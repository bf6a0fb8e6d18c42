"""Every request the server makes to an identity provider goes through core/netguard.py: the
issuer is chosen by a tenant, so it must not make the server reach its own network (loopback,
private ranges, cloud metadata) unless the operator allows it (CALLSTUDIO_ALLOW_PRIVATE_URLS).

- `fetch_discovery`: the OpenID Connect discovery document, read when an Admin saves the
  connection. Like webhooks, it connects to the address netguard checked (no DNS rebinding).
- `GuardedSession`: the `requests` session allauth uses during a login (discovery, token,
  userinfo and JWKS endpoints). Each URL is checked before it is requested; `requests` resolves
  the name again, so a rebinding name could still slip between the two (docs/sso.md says so)."""

import functools
import hashlib
from urllib.parse import urlsplit

import httpx
import requests
from django.conf import settings
from django.core.cache import cache

from callstudio.core import netguard
from callstudio.core.errors import Invalid

TIMEOUT_SECONDS = 5
MAX_DOCUMENT_BYTES = 256 * 1024
WELL_KNOWN = "/.well-known/openid-configuration"
REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + WELL_KNOWN


@functools.cache
def _client() -> httpx.Client:
    return httpx.Client(follow_redirects=False, trust_env=False)


def _unreadable(why: str) -> Invalid:
    return Invalid(
        f"Could not read the identity provider's discovery document ({why}). Check the "
        "issuer URL: CallStudio fetches <issuer>/.well-known/openid-configuration.",
        field="issuer",
        code="discovery_failed",
    )


def fetch_discovery(issuer: str) -> dict:
    """The discovery document of `issuer`, checked: JSON, the endpoints a login needs, and the
    same issuer (OpenID Connect Discovery §4.3: a document naming another issuer is refused)."""
    url = discovery_url(issuer)
    try:
        target = netguard.target_for(url)
    except netguard.Refused as exc:
        raise Invalid(
            f"The issuer's address is {str(exc).removeprefix('refused: ')}.",
            field="issuer",
            code="url_not_public" if exc.permanent else "discovery_failed",
        ) from None
    original = httpx.URL(url)
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        response = _client().get(
            original.copy_with(host=target.address),
            headers={"Host": original.netloc.decode("ascii"), "Accept": "application/json"},
            timeout=TIMEOUT_SECONDS,
            extensions=extensions,
        )
    except httpx.TimeoutException:
        raise _unreadable(f"no answer within {TIMEOUT_SECONDS} s") from None
    except httpx.HTTPError as exc:
        raise _unreadable(type(exc).__name__) from None
    if response.status_code != 200:
        raise _unreadable(f"HTTP {response.status_code}")
    if len(response.content) > MAX_DOCUMENT_BYTES:
        raise _unreadable("larger than 256 KiB")
    try:
        document = response.json()
    except ValueError:
        raise _unreadable("not JSON") from None
    if not isinstance(document, dict) or not all(
        isinstance(document.get(k), str) and document[k] for k in REQUIRED
    ):
        raise _unreadable("it lacks " + ", ".join(REQUIRED[1:]))
    if document["issuer"].rstrip("/") != issuer.rstrip("/"):
        raise Invalid(
            f"The discovery document names another issuer ({document['issuer'][:200]}): use "
            "exactly that value.",
            field="issuer",
            code="issuer_mismatch",
        )
    return document


class GuardedSession(requests.Session):
    """allauth's HTTP session during a login: every URL checked by netguard, no redirects
    followed, no proxy from the environment, a timeout on every request."""

    def __init__(self):
        super().__init__()
        self.trust_env = False
        self.max_redirects = 0

    def request(self, method, url, *args, **kwargs):
        try:
            netguard.target_for(str(url))
        except netguard.Refused as exc:
            raise requests.ConnectionError(str(exc)) from None
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)


def allow_private() -> bool:
    return bool(settings.CALLSTUDIO_ALLOW_PRIVATE_URLS)


def _origin(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def cached_discovery(issuer: str) -> dict | None:
    """The discovery document, read at most once every ten minutes per issuer; None while it
    cannot be read (the page or the sign-in then says so)."""
    key = "sso.discovery." + hashlib.sha256(issuer.encode()).hexdigest()
    document = cache.get(key)
    if document is None:
        try:
            document = fetch_discovery(issuer)
        except Invalid:
            return None
        cache.set(key, document, 600)
    return document


def authorization_origin(issuer: str) -> str | None:
    """The origin of the IdP's authorization endpoint: the sign-in page's Content-Security-Policy
    lets its form lead there (`form-action`), and nowhere else. The issuer's own origin while the
    document cannot be read."""
    document = cached_discovery(issuer) or {}
    return _origin(document.get("authorization_endpoint", "")) or _origin(issuer)
