"""Screenshots of the main pages for docs/, taken from a real server with the demo data.

.venv/bin/python scripts/screenshots.py        # writes docs/screenshots/*.png
"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
BIN = Path(sys.executable).with_name("callstudio")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    data = tempfile.mkdtemp(prefix="callstudio-shots-")
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["CALLSTUDIO_DATA_DIR"] = data
    for args in (["migrate", "-v", "0"], ["demo"]):
        print("callstudio", *args, flush=True)
        subprocess.run([str(BIN), *args], env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    server = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/healthz")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})

            def shot(name: str, full_page: bool = True) -> None:
                page.wait_for_load_state()
                page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)
                print("wrote", OUT / f"{name}.png", flush=True)

            page.goto(f"{base}/accounts/login/")
            shot("login")
            page.get_by_label("Email").fill("admin@acme.example")
            page.get_by_label("Password").fill("callstudio-demo")
            page.get_by_role("button", name="Sign In").click()
            shot("org-home")
            page.get_by_role("link", name="Create Team").click()
            shot("create-team")
            page.get_by_label("Team name").fill("Escalations")
            page.get_by_label("Description").fill("Calls that need a second pair of ears.")
            page.get_by_role("button", name="Create").click()
            shot("team-empty")
            team_nav = page.get_by_role("navigation", name="Team")
            team_nav.get_by_role("link", name="Settings").click()
            shot("team-settings")
            page.get_by_role("link", name="Teams").click()
            page.get_by_role("link", name="Billing").click()
            page.get_by_role("navigation", name="Team").get_by_role("link", name="Members").click()
            shot("team-members")
            page.get_by_role("navigation", name="Team").get_by_role("link", name="Calls").click()
            shot("team-calls")
            page.locator("table tbody a").first.click()
            shot("call")
            for tab, name in [
                ("Analytics", "team-analytics"),
                ("Alerts", "team-alerts"),
                ("Automations", "team-automations"),
            ]:
                page.get_by_role("navigation", name="Team").get_by_role("link", name=tab).click()
                shot(name)
            page.get_by_role("link", name="Create automation").click()
            shot("automation-form")
            page.get_by_role("navigation", name="Team").get_by_role("link", name="Alerts").click()
            page.get_by_role("link", name="Create alert rule").click()
            shot("alert-rule-form")
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
            page.get_by_label("Search calls").fill('customer:"want to cancel" OR refund*')
            page.get_by_role("button", name="Search", exact=True).click()
            page.set_viewport_size({"width": 1280, "height": 1300})
            shot("search", full_page=False)  # the form and the first results of a long page
            page.set_viewport_size({"width": 1280, "height": 800})
            search_url = page.url
            page.goto(search_url.split("?")[0])
            page.get_by_text("Search syntax and examples").click()
            shot("search-help")
            page.get_by_role("link", name="Organization").click()
            page.get_by_role("navigation", name="Organization").get_by_role(
                "link", name="Members"
            ).click()
            shot("org-members")
            page.get_by_role("link", name="Add Member").click()
            shot("org-add-member")
            page.goto(page.url.replace("members/add", "roles/new"))
            shot("role-form")
            page.goto(page.url.replace("roles/new", "audit-log"))
            shot("audit-log")
            page.goto(page.url.replace("audit-log", "api-keys"))
            shot("api-keys")
            page.goto(page.url.replace("api-keys", "analytics"))
            shot("org-analytics")
            page.goto(f"{base}/profile")
            shot("profile")

            # The same pages on a phone (390x844): tabs scroll sideways, tables in their frame.
            page.set_viewport_size({"width": 390, "height": 844})
            page.goto(f"{base}/")
            page.get_by_role("link", name="Billing").click()
            team_nav = page.get_by_role("navigation", name="Team")
            for tab, name in [
                ("Overview", "phone-team-overview"),
                ("Calls", "phone-team-calls"),
                ("Analytics", "phone-team-analytics"),
                ("Members", "phone-team-members"),
            ]:
                team_nav.get_by_role("link", name=tab).click()
                shot(name)
            page.get_by_role("link", name="Organization").click()
            page.get_by_role("navigation", name="Organization").get_by_role(
                "link", name="Members"
            ).click()
            shot("phone-org-members")
            page.goto(search_url)
            results = page.get_by_role("list", name=re.compile("^Matching calls"))
            results.evaluate("list => list.scrollIntoView()")  # the results, under the form
            shot("phone-search", full_page=False)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
