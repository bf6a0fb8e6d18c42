"""A real SAML 2.0 identity provider for tests, run as its own process (tests/idp/saml/harness.py
starts it): pysaml2's IdP (`saml2.server.Server`) behind a small WSGI app, signing with
Debian's xmlsec1.

- `GET /metadata`: the IdP metadata, always with the *trusted* certificate.
- `GET /sso/redirect?SAMLRequest=…&RelayState=…` (HTTP-Redirect binding): parses the
  AuthnRequest and shows a login form.
- `POST /sso/login`: checks the test user's password and answers with an auto-submitting form
  that POSTs the signed Response to the AuthnRequest's AssertionConsumerServiceURL.
- `POST /_test/knobs` (JSON): how the next Responses are made, so one process serves a whole
  test module:
  - `signing`: "trusted", or "other" (signed by a certificate the metadata does not list);
  - `sign_assertion`: false signs only the Response, not the assertion in it;
  - `sha1`: sign with the deprecated RSA-SHA1 instead of RSA-SHA256;
  - `lifetime_minutes`: negative makes an assertion that has already expired;
  - `audience`: another SP's entity ID as the assertion's audience;
  - `email_verified`: sends an `email_verified` attribute with this value ("true");
  - the test user: `username`, `password`, `email`, `subject` (the persistent NameID),
    `first_name`, `last_name`.
  `POST /_test/reset` restores the defaults.
- `POST /_test/sp` (the SP's metadata XML): registers a service provider, as an Admin adds the
  app in the IdP (pysaml2 answers only SPs it knows).

Nothing here is CallStudio's: it knows the SP only from its metadata and AuthnRequest.
"""

import argparse
import base64
import html
import json
import sys
import traceback
from urllib.parse import parse_qs

from saml2 import BINDING_HTTP_REDIRECT
from saml2.authn_context import PASSWORD
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA1, DIGEST_SHA256, SIG_RSA_SHA1, SIG_RSA_SHA256

DEFAULT_KNOBS = {
    "signing": "trusted",
    "lifetime_minutes": 5,
    "sha1": False,
    "sign_assertion": True,
    "audience": None,
    "email_verified": None,
    "username": "ada",
    "password": "idp-password-1",
    "email": "ada@acme.test",
    "subject": "okta-00u1ada",
    "first_name": "Ada",
    "last_name": "Lovelace",
}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1>{body}</main></body></html>"""


class TestIdp:
    def __init__(self, base_url: str, keys: dict[str, tuple[str, str]], xmlsec: str):
        self.base_url = base_url
        self.keys = keys  # "trusted" / "other" -> (key file, cert file)
        self.xmlsec = xmlsec
        self.knobs = dict(DEFAULT_KNOBS)
        # The service providers this IdP knows: their metadata, as an Admin registers an app.
        self.sp_metadata: list[str] = []
        self.metadata = create_metadata_string(
            None, config=self._config("trusted", 5), sign=False
        ).decode()

    def _config(self, signing: str, lifetime_minutes: int) -> IdPConfig:
        key_file, cert_file = self.keys[signing]
        config = IdPConfig()
        config.load(
            {
                "entityid": f"{self.base_url}/metadata",
                "xmlsec_binary": self.xmlsec,
                "key_file": key_file,
                "cert_file": cert_file,
                "metadata": {"inline": self.sp_metadata},
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [
                                (f"{self.base_url}/sso/redirect", BINDING_HTTP_REDIRECT)
                            ]
                        },
                        "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                        "want_authn_requests_signed": False,
                        "policy": {
                            "default": {
                                "lifetime": {"minutes": lifetime_minutes},
                                "attribute_restrictions": None,
                                "name_form": NAME_FORMAT_URI,
                            }
                        },
                    }
                },
            }
        )
        return config

    def server(self) -> Server:
        return Server(config=self._config(self.knobs["signing"], self.knobs["lifetime_minutes"]))

    # WSGI ------------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        try:
            if method == "GET" and path == "/metadata":
                return self._send(start_response, "200 OK", self.metadata, "text/xml")
            if method == "GET" and path == "/sso/redirect":
                return self._login_form(start_response, _query(environ))
            if method == "POST" and path == "/sso/login":
                return self._login(start_response, _form(environ))
            if method == "POST" and path == "/_test/knobs":
                self.knobs.update(json.loads(_body(environ) or b"{}"))
                return self._send(start_response, "204 No Content", "", "text/plain")
            if method == "POST" and path == "/_test/sp":
                metadata = _body(environ).decode()
                if metadata not in self.sp_metadata:
                    self.sp_metadata.append(metadata)
                return self._send(start_response, "204 No Content", "", "text/plain")
            if method == "POST" and path == "/_test/reset":
                self.knobs = dict(DEFAULT_KNOBS)
                return self._send(start_response, "204 No Content", "", "text/plain")
        except Exception:  # a broken request is the test's to see, not a hang
            detail = html.escape(traceback.format_exc())
            return self._page(
                start_response, "400 Bad Request", "IdP error", f"<pre>{detail}</pre>"
            )
        return self._send(start_response, "404 Not Found", "not found", "text/plain")

    def _login_form(self, start_response, query):
        request = self.server().parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT)
        hidden = _hidden(SAMLRequest=query["SAMLRequest"], RelayState=query.get("RelayState", ""))
        sp = html.escape(request.message.issuer.text)
        return self._page(start_response, "200 OK", "Test IdP sign-in", self._form_html(hidden, sp))

    def _form_html(self, hidden: str, sp: str, error: str = "") -> str:
        alert = f'<p role="alert">{html.escape(error)}</p>' if error else ""
        return (
            f"<p>Signing in to {sp}</p>{alert}"
            '<form method="post" action="/sso/login">'
            f"{hidden}"
            '<label for="username">Username</label> <input id="username" name="username">'
            '<label for="password">Password</label> '
            '<input id="password" name="password" type="password">'
            '<button type="submit">Sign in to the IdP</button></form>'
        )

    def _login(self, start_response, form):
        server = self.server()
        request = server.parse_authn_request(form["SAMLRequest"], BINDING_HTTP_REDIRECT).message
        knobs = self.knobs
        if form.get("username") != knobs["username"] or form.get("password") != knobs["password"]:
            hidden = _hidden(SAMLRequest=form["SAMLRequest"], RelayState=form.get("RelayState", ""))
            body = self._form_html(hidden, html.escape(request.issuer.text), "Wrong password.")
            return self._page(start_response, "401 Unauthorized", "Test IdP sign-in", body)
        acs_url = request.assertion_consumer_service_url
        identity = {
            "mail": [knobs["email"]],
            "givenName": [knobs["first_name"]],
            "sn": [knobs["last_name"]],
        }
        if knobs["email_verified"] is not None:
            identity["email_verified"] = [knobs["email_verified"]]
        response = server.create_authn_response(
            identity=identity,
            in_response_to=request.id,
            destination=acs_url,
            sp_entity_id=knobs["audience"] or request.issuer.text,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=knobs["subject"]),
            authn={"class_ref": PASSWORD, "authn_auth": self.base_url},
            sign_assertion=knobs["sign_assertion"],
            sign_response=True,
            sign_alg=SIG_RSA_SHA1 if knobs["sha1"] else SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA1 if knobs["sha1"] else DIGEST_SHA256,
        )
        saml_response = base64.b64encode(str(response).encode()).decode()
        hidden = _hidden(SAMLResponse=saml_response, RelayState=form.get("RelayState", ""))
        body = (
            f'<form id="saml-post" method="post" action="{html.escape(acs_url)}">{hidden}'
            '<button type="submit">Continue</button></form>'
            '<script>document.getElementById("saml-post").submit()</script>'
        )
        return self._page(start_response, "200 OK", "Signing you in", body)

    def _page(self, start_response, status, title, body):
        return self._send(
            start_response, status, PAGE.format(title=html.escape(title), body=body), "text/html"
        )

    @staticmethod
    def _send(start_response, status, text, content_type):
        data = text.encode()
        start_response(
            status,
            [
                ("Content-Type", f"{content_type}; charset=utf-8"),
                ("Content-Length", str(len(data))),
            ],
        )
        return [data]


def _query(environ) -> dict:
    return {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}


def _body(environ) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else b""


def _form(environ) -> dict:
    return {k: v[0] for k, v in parse_qs(_body(environ).decode()).items()}


def _hidden(**fields) -> str:
    return "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
        for name, value in fields.items()
    )


def main(argv=None):
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--other-key", required=True)
    parser.add_argument("--other-cert", required=True)
    parser.add_argument("--xmlsec", default="/usr/bin/xmlsec1")
    args = parser.parse_args(argv)

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *a):
            pass

    base_url = f"http://127.0.0.1:{args.port}"
    app = TestIdp(
        base_url,
        {"trusted": (args.key, args.cert), "other": (args.other_key, args.other_cert)},
        args.xmlsec,
    )
    with make_server("127.0.0.1", args.port, app, handler_class=QuietHandler) as httpd:
        print(f"saml idp ready on {base_url}", flush=True)
        httpd.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
