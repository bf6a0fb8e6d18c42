"""axe-core over every page, for every role that can open it: no serious or critical violation.

The pages come from the route table (tests/security/routes.py), so a new page is checked as soon
as it is declared there; each role sees exactly the GET pages the table says it may open (200),
plus the sign-in pages, the 404 page and, for members, a 403 page. One browser context per role,
logged in once through the login page."""

import pytest
from django.db import transaction
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.security.principals import MEMBERS, targets  # noqa: F401  (fixture, used below)
from tests.security.routes import UI
from tests.security.test_route_matrix import _concrete

from .conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = ["anonymous", *MEMBERS]
# The sign-in pages live under /accounts/ (allauth), outside the route table.
SIGNED_OUT_PAGES = ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
SIGNED_IN_PAGES = ["/accounts/password/change/", "/accounts/logout/"]


@pytest.fixture
def objects(world, request):
    """The route matrix's objects (call, rule, alert, automation, role, key, former member). Made
    in one transaction, as in the matrix's own tests: the call is analysed after the rule exists,
    so it raises the alert the alert pages act on."""
    with transaction.atomic():
        return request.getfixturevalue("targets")


def pages_for(world, targets, who: str) -> list[str]:  # noqa: F811
    """The GET pages of the route table that `who` opens with 200, as concrete paths."""
    paths = []
    for key, rule in sorted(UI.items()):
        method, route = key.split(" ", 1)
        if method == "GET" and rule.expected(who, ui=True) == 200:
            paths.append("/" + _concrete(world, targets, route, who))
    return paths


def forbidden_page(world, targets, who: str) -> str | None:  # noqa: F811
    """One page of Acme the role is refused (403), to check the 403 page as that role sees it."""
    for key, rule in sorted(UI.items()):
        method, route = key.split(" ", 1)
        if method == "GET" and rule.expected(who, ui=True) == 403:
            return "/" + _concrete(world, targets, route, who)
    return None


def log_in(page, email: str):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def report(found: list[tuple[str, str, dict]]) -> str:
    lines = [f"{len(found)} serious/critical axe-core violation(s):"]
    for who, path, v in found:
        lines.append(f"- [{who}] {path}: {v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    {target}" for target in v["targets"][:10])
        if len(v["targets"]) > 10:
            lines.append(f"    … and {len(v['targets']) - 10} more")
    return "\n".join(lines)


@pytest.mark.parametrize("who", ROLES)
def test_no_serious_violation_on_any_page(world, objects, axe_context, axe_source, who):
    context = axe_context()
    page = context.new_page()
    if who == "anonymous":
        paths = [*SIGNED_OUT_PAGES, *pages_for(world, objects, who)]
    else:
        log_in(page, world[who].account.email)
        paths = [*pages_for(world, objects, who), *SIGNED_IN_PAGES]
        refused = forbidden_page(world, objects, who)
        if refused:
            paths.append(refused)  # the 403 page
        paths.append(f"/o/{world.foreign_org.id}/")  # another organization: the 404 page
    paths.append("/no-such-page/")  # Django's 404 page
    checked, found = 0, []
    for path in paths:
        head = context.request.get(path)
        if not head.headers.get("content-type", "").startswith("text/html"):
            continue  # CSV exports, the health check
        response = page.goto(path)
        assert response is not None
        assert response.status == head.status, (who, path, response.status, head.status)
        checked += 1
        found.extend((who, path, v) for v in axe_violations(page, axe_source))
    assert checked >= (3 if who == "anonymous" else 8), (who, checked)
    assert not found, report(found)


def test_the_check_finds_a_violation(world, axe_context, axe_source):
    """The checker itself works on our pages: a button stripped of its name is reported."""
    page = axe_context().new_page()
    page.goto("/accounts/login/")
    button = page.get_by_role("button", name="Sign In")
    expect(button).to_be_visible()
    button.evaluate("b => { b.textContent = ''; }")
    ids = {v["id"] for v in axe_violations(page, axe_source)}
    assert "button-name" in ids, ids
