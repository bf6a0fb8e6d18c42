"""Search in a real browser: a Supervisor opens Search from the main navigation, looks for a phrase
the customer said, sees it highlighted in the one call where the customer said it (not where the
agent did), opens that snippet and lands on the call with the segment targeted. A query that
cannot be read comes back on its field, focused. axe-core checks the results and the error, two
states the route table's pages do not show."""

import re

import pytest
from playwright.sync_api import Page, expect

from callstudio.calls.ingest import store_calls
from callstudio.calls.models import Call
from callstudio.calls.schemas import CallIn
from tests.calls.conftest import call_body
from tests.conftest import PASSWORD

from .conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

PHRASE = "cancel my subscription"


def turn(speaker, text, start):
    return {"speaker": speaker, "start": start, "end": start + 8, "text": text}


@pytest.fixture
def calls(world):
    """Billing: the customer asks to cancel in c-said (third segment), the agent says the phrase
    in c-agent; Retention has a call nobody in Billing may read."""
    store_calls(
        team=world.team,
        calls=[
            CallIn.model_validate(
                call_body(
                    "c-said",
                    started_at="2026-11-20T10:00:00Z",
                    transcript=[
                        turn("agent", "Thanks for calling billing, how can I help?", 0),
                        turn("customer", "Hi, it is about my plan.", 9),
                        turn("customer", f"I want to {PHRASE} today.", 75),
                        turn("agent", "I am sorry to hear that.", 90),
                    ],
                )
            ),
            CallIn.model_validate(
                call_body(
                    "c-agent",
                    started_at="2026-11-21T10:00:00Z",
                    transcript=[turn("agent", f"You can {PHRASE} online.", 0)],
                )
            ),
        ],
    )
    store_calls(
        team=world.other_team,
        calls=[
            CallIn.model_validate(
                call_body("r-said", transcript=[turn("customer", f"Please {PHRASE}.", 0)])
            )
        ],
    )
    return world


def sign_in(page: Page, email: str) -> None:
    """The login page, in a context of `axe_context` (the `login` fixture has its own page)."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_search_a_phrase_said_by_the_customer_and_open_the_segment(calls, page: Page, login):
    world = calls
    login(world["supervisor"].account.email)
    page.goto(f"/o/{world.org.id}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    expect(page.get_by_role("heading", name="Search", level=1)).to_be_visible()

    page.get_by_text("Search syntax and examples").click()
    expect(page.get_by_text('customer:"cancel my subscription"')).to_be_visible()
    page.get_by_label("Search calls").fill(f'customer:"{PHRASE}"')
    page.get_by_role("button", name="Search", exact=True).click()

    results = page.get_by_role("list", name=re.compile("^Matching calls"))
    expect(results.locator(":scope > li")).to_have_count(1)  # not the agent's, not Retention's
    result = results.locator(":scope > li").first
    expect(result.get_by_role("heading", name="Call c-said")).to_be_visible()
    expect(result).to_contain_text("Billing")
    expect(result).to_contain_text("2026-11-20 10:00 UTC")
    snippet = result.get_by_role("list", name="Where call c-said matches").get_by_role("link")
    expect(snippet).to_have_count(1)
    expect(snippet).to_contain_text("Customer at 1:15")
    expect(snippet.locator("mark")).not_to_have_count(0)
    assert " ".join(snippet.locator("mark").all_inner_texts()).lower() == PHRASE

    snippet.click()
    call = Call.objects.get(external_id="c-said")
    expect(page).to_have_url(re.compile(rf"/teams/{world.team.id}/calls/{call.id}#segment-2$"))
    target = page.locator(":target")
    expect(target).to_have_attribute("id", "segment-2")
    expect(target).to_contain_text(f"I want to {PHRASE} today.")
    assert target.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"


def test_a_bad_query_is_said_on_the_field_and_focused(calls, page: Page, login):
    world = calls
    login(world["agent"].account.email)
    response = page.goto(f"/o/{world.org.id}/search?q=%22cancel")
    assert response is not None and response.status == 422
    field = page.get_by_label("Search calls")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_have_text("This quote is never closed (at character 1).")
    expect(page.get_by_role("list", name=re.compile("^Matching calls"))).to_have_count(0)


def test_search_results_and_errors_pass_axe(calls, axe_context, axe_source):
    world = calls
    page = axe_context().new_page()
    sign_in(page, world["admin"].account.email)
    found = []
    for query, status in [
        (f"q={PHRASE.replace(' ', '+')}", 200),  # results with snippets
        ("q=nowhere&direction=outbound", 200),  # no call matches
        ("q=%22cancel&max_duration=x", 422),  # errors on two fields
    ]:
        response = page.goto(f"/o/{world.org.id}/search?{query}")
        assert response is not None and response.status == status, query
        found.extend((query, v) for v in axe_violations(page, axe_source))
    call = Call.objects.get(external_id="c-said")
    page.goto(f"/o/{world.org.id}/teams/{world.team.id}/calls/{call.id}#segment-2")
    found.extend(("call#segment-2", v) for v in axe_violations(page, axe_source))
    assert not found, found


def test_search_fits_a_phone(calls, axe_context):
    """At 390 px the form, the open syntax help and the results do not scroll sideways."""
    world = calls
    page = axe_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, world["admin"].account.email)
    page.goto(f"/o/{world.org.id}/search?q=cancel")
    page.get_by_text("Search syntax and examples").click()
    expect(page.get_by_text("The grammar, for the exact rules:")).to_be_visible()
    expect(page.get_by_role("list", name=re.compile("^Matching calls"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
