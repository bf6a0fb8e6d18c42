"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

One browser for the whole e2e run, a fresh context (cookies, storage) per test. A failing test
leaves a full-page screenshot in var/e2e-failures/<test name>.png."""

import os
import re
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
TIMEOUT_MS = 5_000


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (rep_setup, rep_call) for the page fixture."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def browser():
    """One Chromium for every e2e test. Package scope: Playwright's sync API keeps an asyncio
    loop running in this thread while it lives, so it is stopped (and the Django async-safety
    override undone) before the rest of the suite runs."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Debian's chromium is not installed ({CHROMIUM}): apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as mp:
        # The ORM calls of the tests themselves run beside Playwright's loop; they are synchronous.
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
        finally:
            playwright.stop()


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        folder = Path(request.config.rootpath, "var", "e2e-failures")
        folder.mkdir(parents=True, exist_ok=True)
        path = (folder / (re.sub(r"[^\w.-]+", "_", request.node.name) + ".png")).resolve()
        try:
            page.screenshot(path=str(path), full_page=True)
        except Exception as exc:  # a crashed page must not hide the test's own failure
            print(f"e2e: no screenshot of {request.node.nodeid}: {exc}")
        else:
            print(f"e2e: screenshot of the failure: {path}")
            terminal = request.config.pluginmanager.get_plugin("terminalreporter")
            if terminal is not None:
                terminal.write_line(f"\ne2e: screenshot of {request.node.nodeid}: {path}")
    context.close()


@pytest.fixture
def login(page):
    """Log in through the real login page, as a person would."""

    def log_in(email: str, password: str = PASSWORD):
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return log_in


# axe-core, installed from the npm registry by `make install-dev` (tests/e2e/axe/package.json).
AXE_JS = Path(__file__).resolve().parents[2] / ".venv" / "axe" / "node_modules" / "axe-core"
AXE_JS = Path(os.environ.get("AXE_CORE_JS", AXE_JS / "axe.min.js"))
AXE_IMPACTS = ("serious", "critical")


@pytest.fixture(scope="package")
def axe_source() -> str:
    """axe-core's script. Missing is a failure, not a skip: `make test` installs it."""
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is not installed at {AXE_JS}: run `make install-dev`")
    return AXE_JS.read_text()


@pytest.fixture
def axe_context(browser, live_server, axe_source):
    """A browser context that may run axe-core: the app's CSP allows only its own scripts, so CSP
    is bypassed here (and only here) for the injected checker."""
    contexts = []

    def new_context(**options):
        context = browser.new_context(base_url=live_server.url, bypass_csp=True, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield new_context
    for context in contexts:
        context.close()


def axe_violations(page, axe_source: str) -> list[dict]:
    """axe-core over the page as it is now; the serious and critical violations, one dict per
    rule with its impact and the CSS selectors of the failing nodes."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    results = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(" ")),
            }));
        }"""
    )
    return [v for v in results if v["impact"] in AXE_IMPACTS]
