"""axe-core over every page, for every role that can open it: no serious or critical violation.

The pages come from the route table (tests/security/routes.py), so a new page is checked as soon
as it is declared there; each role sees exactly the GET pages the table says it may open (200),
plus the sign-in pages, the 404 page and, for members, a 403 page. One browser context per role,
logged in once through the login page."""

import re

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
SIGNED_IN_PAGES = [
    "/accounts/password/change/",
    "/accounts/logout/",
    # allauth's MFA pages (Profile, Security links to them); the pages that need a factor
    # already (login stage, recovery codes, removal) are checked in tests/e2e/test_mfa.py.
    "/accounts/2fa/",
    "/accounts/2fa/totp/activate/",
    "/accounts/2fa/webauthn/add/",
]


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


def test_managed_team_pages_and_a_new_scim_token(world, axe_context, axe_source):
    """Pages in states the route table's world does not have: a team managed by an identity
    provider (the notice, no membership controls, the read-only name) and the Provisioning page
    showing a SCIM token just created."""
    from tests.scim.test_managed_teams import manage, scim_token

    manage(world.team, scim_token(world.org))
    page = axe_context().new_page()
    log_in(page, world["admin"].account.email)
    team = f"/o/{world.org.id}/teams/{world.team.id}/"
    found = []
    for path in (team, team + "members", team + "settings", f"/o/{world.org.id}/"):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        expect(
            page.locator("#managed-notice" if path.startswith(team) else ".badge")
        ).to_be_visible()
        found.extend(("admin", path, v) for v in axe_violations(page, axe_source))
    page.goto(f"/o/{world.org.id}/settings/provisioning")
    page.get_by_label("Identity provider").fill("Entra")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("button", name="Copy New SCIM token")).to_be_visible()
    found.extend(("admin", "provisioning, new token", v) for v in axe_violations(page, axe_source))
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


def test_focus_moves_to_the_first_error_after_a_failed_form(world, axe_context):
    page = axe_context().new_page()
    # A field error: focus is on the field marked invalid.
    log_in(page, world["admin"].account.email)
    page.goto(f"/o/{world.org.id}/teams/new")
    expect(page.get_by_label("Team name", exact=True)).not_to_be_focused()
    page.get_by_role("button", name="Create", exact=True).click()
    team_name = page.get_by_label("Team name", exact=True)
    expect(team_name).to_have_attribute("aria-invalid", "true")
    expect(team_name).to_be_focused()
    # Several invalid fields: the first one in page order gets focus.
    page.goto(f"/o/{world.org.id}/teams/{world.team.id}/alert-rules/new")
    page.get_by_label("Name", exact=True).fill("")
    page.get_by_role("button", name="Create alert rule", exact=True).click()
    invalid = page.locator('#main [aria-invalid="true"]')
    expect(invalid.first).to_be_focused()
    expect(page.get_by_label("Name", exact=True)).to_be_focused()
    # A form-wide error (wrong password): focus is on the error summary, which says why.
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(world["admin"].account.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign In").click()
    summary = page.locator("#main .errorlist")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("not correct")


def test_repeated_buttons_say_what_they_act_on(world, objects, axe_context):
    page = axe_context().new_page()
    log_in(page, world["admin"].account.email)
    org, team = world.org.id, world.team.id

    def has(role: str, name: str):
        expect(page.get_by_role(role, name=name, exact=True)).to_have_count(1)

    page.goto(f"/o/{org}/members")
    has("link", "Revoke Supervisor")
    has("combobox", "Organization role of Supervisor")
    has("button", "Change Supervisor's organization role")
    page.goto(f"/o/{org}/members?status=archived")
    has("link", "Restore Former")
    page.goto(f"/o/{org}/teams/{team}/members")
    has("link", "Revoke Agent")
    has("combobox", "Role of Agent")
    has("button", "Change Agent's role")
    has("textbox", "Agent ID of Agent")
    has("button", "Save Agent's agent ID")
    page.goto(f"/o/{org}/teams/{team}/alerts")
    has("button", "Acknowledge alert on call matrix-call")
    has("button", "Resolve alert on call matrix-call")
    has("link", "Edit alert rule Refunds")
    has("link", "Delete alert rule Refunds")
    has("button", "Copy Signing secret of Refunds")
    page.goto(f"/o/{org}/teams/{team}/automations")
    has("link", "Edit automation Tag long calls")
    has("link", "Delete automation Tag long calls")
    page.goto(f"/o/{org}/roles")
    has("link", "Edit role Spare")
    has("link", "Delete role Spare")
    page.goto(f"/o/{org}/api-keys")
    has("link", "Revoke API key matrix")
    page.goto("/profile")
    has("link", "Revoke token tests")
    has("button", "Copy Your account ID")
    # The visible word stays the start of the name (what a voice-control user says).
    button = page.get_by_role("button", name="Copy Your account ID", exact=True)
    expect(button).to_have_text("Copy")


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_helper():
    assert round(contrast((0, 0, 0), (255, 255, 255)), 2) == 21.0
    assert round(contrast((118, 118, 118), (255, 255, 255)), 2) == 4.54


FOCUSED = """() => {
    const el = document.activeElement;
    const rgb = (s) => (s.match(/\\d+(\\.\\d+)?/g) || []).map(Number);
    const style = getComputedStyle(el);
    // The ring is drawn outside the element (outline-offset), over its parent's background.
    let node = el.parentElement, bg = [255, 255, 255];
    while (node) {
        const c = rgb(getComputedStyle(node).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] === 1)) { bg = c.slice(0, 3); break; }
        node = node.parentElement;
    }
    return {
        what: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + el.textContent.trim().slice(0, 30),
        style: style.outlineStyle, width: parseFloat(style.outlineWidth),
        outline: rgb(style.outlineColor).slice(0, 3), background: bg,
    };
}"""


def test_focus_ring_contrast_is_at_least_3_to_1(world, objects, axe_context):
    """Tab through pages with light, tinted and dark backgrounds; every focused element shows a
    solid ring of at least 2px whose colour contrasts 3:1 with the background around it."""
    page = axe_context().new_page()
    seen = []
    page.goto("/accounts/login/")
    log_in(page, world["admin"].account.email)
    for path in [
        f"/o/{world.org.id}/members",
        f"/o/{world.org.id}/teams/{world.team.id}/alerts",
        f"/o/{world.org.id}/teams/{world.team.id}/members",
    ]:
        page.goto(path)
        for _ in range(25):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            if focused["what"].startswith("body"):
                break
            seen.append((path, focused))
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    for _ in range(8):
        page.keyboard.press("Tab")
        seen.append(("/accounts/login/", page.evaluate(FOCUSED)))
    backgrounds = {tuple(f["background"]) for _, f in seen}
    assert (17, 26, 46) in backgrounds and (255, 255, 255) in backgrounds, backgrounds
    bad = [
        (path, f, round(contrast(tuple(f["outline"]), tuple(f["background"])), 2))
        for path, f in seen
        if f["style"] != "solid"
        or f["width"] < 2
        or contrast(tuple(f["outline"]), tuple(f["background"])) < 3
    ]
    assert not bad, bad


PHONE = {"width": 390, "height": 844}


def test_pages_fit_a_phone(world, objects, axe_context):
    """At 390×844 no page scrolls sideways (wide tables scroll inside their own frame); the team
    tabs scroll sideways with the current tab in view and a shadow on the side with more tabs."""
    page = axe_context(viewport=PHONE).new_page()
    log_in(page, world["admin"].account.email)
    too_wide = []
    for path in pages_for(world, objects, "admin"):
        head = page.context.request.get(path)
        if not head.headers.get("content-type", "").startswith("text/html"):
            continue
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide.append((path, width))
    assert not too_wide, too_wide

    team = f"/o/{world.org.id}/teams/{world.team.id}"
    page.goto(f"{team}/settings")
    tabs = page.get_by_role("navigation", name="Team")
    state = tabs.evaluate(
        """t => ({overflow: getComputedStyle(t).overflowX, scroll: t.scrollWidth,
                  client: t.clientWidth, left: t.scrollLeft,
                  shadows: (getComputedStyle(t).backgroundImage.match(/radial-gradient/g) || []).length})"""
    )
    assert state["overflow"] == "auto" and state["scroll"] > state["client"], state
    assert state["shadows"] == 2, state
    # axe-core leaves text over a background image unrated, so the tabs' text is rated here:
    # every tab's colour against the page background under the (transparent) gradients.
    colours = tabs.evaluate(
        """t => { const rgb = (s) => s.match(/\\d+/g).slice(0, 3).map(Number);
                  return {page: rgb(getComputedStyle(document.body).backgroundColor),
                          tabs: [...t.querySelectorAll("a")].map(a => rgb(getComputedStyle(a).color))}; }"""
    )
    ratios = [contrast(tuple(c), tuple(colours["page"])) for c in colours["tabs"]]
    assert len(ratios) == 7 and min(ratios) >= 4.5, (colours, ratios)
    assert state["left"] > 0, state  # scrolled so that the current tab (Settings) shows
    expect(tabs.get_by_role("link", name="Settings")).to_be_in_viewport(ratio=0.95)
    overview = tabs.get_by_role("link", name="Overview")
    overview.click()
    expect(page).to_have_url(re.compile(rf"{team}/$"))

    page.goto(f"{team}/calls")
    frame = page.locator(".table-wrap", has=page.get_by_role("table"))
    sizes = frame.evaluate(
        "f => ({overflow: getComputedStyle(f).overflowX, scroll: f.scrollWidth, client: f.clientWidth})"
    )
    assert sizes["overflow"] == "auto" and sizes["client"] <= PHONE["width"], sizes
    first_call = page.get_by_role("row").nth(1).get_by_role("link")  # the row's name: its time
    box = first_call.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert sizes["scroll"] > sizes["client"], sizes  # it does scroll, inside its frame...
    # ... and a keyboard user can scroll it: the frame is a named region that takes focus.
    region = page.get_by_role("region", name="Calls of Billing, newest first", exact=True)
    expect(region).to_have_attribute("tabindex", "0")
    region.focus()
    page.keyboard.press("End")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.table-wrap').scrollLeft > 0")

    page.goto(f"{team}/analytics")
    for card in page.locator(".stat, .chart-card").all():
        box = card.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
