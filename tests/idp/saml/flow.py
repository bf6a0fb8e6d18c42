"""One SAML sign-in over real HTTP, step by step, as a browser without JavaScript would do it:
CallStudio's login page (allauth's SAML login, a POST with its CSRF token) → the IdP's
redirect endpoint and login form → the IdP's auto-submitting form → CallStudio's ACS → its
finish step. Each step asserts what a browser would need to go on."""

from dataclasses import dataclass
from urllib.parse import urljoin

import httpx
from lxml import html


@dataclass
class Posted:
    """The form the IdP's page would auto-submit to the ACS."""

    action: str
    fields: dict


def form_fields(page: str, xpath: str = "//form") -> tuple[str, dict]:
    """The one form `xpath` finds: its action and its inputs' values."""
    [form] = html.fromstring(page).xpath(xpath)
    fields = {i.get("name"): i.get("value") or "" for i in form.xpath(".//input[@name]")}
    return form.get("action"), fields


class SamlSignIn:
    """An SP-side HTTP client (cookies kept, like a browser's) and the IdP's URL."""

    def __init__(self, sp_base_url: str, org_id: str):
        self.sp = httpx.Client(base_url=sp_base_url, follow_redirects=False, timeout=20)
        self.org_id = org_id

    def close(self):
        self.sp.close()

    def start(self) -> str:
        """CallStudio's `/sso/<org>/login`: the page, then its POST → the IdP's URL."""
        path = f"/sso/{self.org_id}/login"
        page = self.sp.get(path)
        assert page.status_code == 200, page.text
        _, fields = form_fields(page.text, "//form[@method='post']")
        redirect = self.sp.post(path, data=fields)
        assert redirect.status_code == 302, redirect.text
        return redirect.headers["location"]

    @staticmethod
    def sign_in_at_idp(idp_url: str, username: str, password: str) -> httpx.Response:
        """The IdP's login form, filled and sent: its answer (the auto-submit page, or the form
        again with an error)."""
        with httpx.Client(timeout=20) as idp:
            form_page = idp.get(idp_url)
            assert form_page.status_code == 200, form_page.text
            action, fields = form_fields(form_page.text)
            fields.update(username=username, password=password)
            return idp.post(urljoin(idp_url, action), data=fields)

    def post_to_acs(self, idp_answer: httpx.Response) -> httpx.Response:
        """What the IdP's page auto-submits, sent to the ACS; then allauth's finish step.
        Returns the finish step's response (a redirect when signed in, a page when refused)."""
        assert idp_answer.status_code == 200, idp_answer.text
        action, fields = form_fields(idp_answer.text, "//form[@id='saml-post']")
        assert action.startswith(str(self.sp.base_url).rstrip("/"))
        acs = self.sp.post(action, data=fields)
        assert acs.status_code == 302, acs.text
        return self.sp.get(acs.headers["location"])

    def run(self, username: str, password: str) -> httpx.Response:
        return self.post_to_acs(self.sign_in_at_idp(self.start(), username, password))
