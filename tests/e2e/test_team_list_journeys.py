"""The team pages through a long list of responses by keyboard, at desktop width and at 320 px."""
from __future__ import annotations

from playwright.sync_api import expect

from consult.demo import DEMO_PASSWORD
from consult.extensions import db
from tests.demo import load_demo
from tests.e2e.conftest import ARTIFACTS, assert_no_horizontal_overflow, check_accessibility
from tests.test_page_cost import SLUG, add_submitted_responses


def test_team_pages_through_responses_by_keyboard(page, live):
    load_demo()
    db.session.commit()
    add_submitted_responses(60)
    page.goto("/login")
    page.get_by_label("E-mailadres").fill("team@example.org")
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_label("Wachtwoord").press("Enter")
    page.goto(f"/consultations/{SLUG}/responses")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(50)
    pager = page.get_by_role("navigation", name="Pagina's")
    expect(pager.locator("[aria-current=page]")).to_have_text("Pagina 1")
    check_accessibility(page, "response list, page 1")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "team-list-page-1.png"), full_page=True)

    pager.get_by_role("link", name="Volgende").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live.url}/consultations/{SLUG}/responses?page=2")
    expect(pager.locator("[aria-current=page]")).to_have_text("Pagina 2")
    expect(pager.get_by_role("link", name="Vorige")).to_be_visible()
    expect(rows).not_to_have_count(0)
    check_accessibility(page, "response list, page 2")

    page.set_viewport_size({"width": 320, "height": 640})
    assert_no_horizontal_overflow(page, "team-response-list")
    check_accessibility(page, "response list at 320 px")
