"""Words a care provider understands: the "Opmaak" hint under a formatted text, by keyboard, without
JavaScript and at 320 px, and what it promises is what the published message shows."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from consult.consultations.models import Consultation, Status, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import OrgKind
from tests.conftest import make_org, make_user
from tests.e2e.conftest import assert_no_horizontal_overflow, check_accessibility, new_page, sign_in_page


def setup():
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Marktconsultatie Wmo", status=Status.OPEN,
                                municipalities=[leiden], closes_at=utcnow() + timedelta(days=7), principles=[])
    consultation.themes.append(Theme(title="Samenwerking", position=0))
    db.session.add(consultation)
    db.session.commit()
    make_user("anna@example.org", name="Anna Aanbieder", org=make_org("Zorg A", kvk="11111111"))


log_in = sign_in_page  # these journeys start logged in; logging in is tested on its own


def test_a_provider_opens_the_formatting_hint_by_keyboard_and_gets_what_it_shows(page, live):
    setup()
    log_in(page, "anna@example.org")
    page.goto("/consultations/wmo/discussion")
    expect(page.get_by_text("Markdown")).to_have_count(0)
    hint = page.locator("details.formatting-help")
    table = hint.get_by_role("table")
    expect(table).to_be_hidden()
    # From the message field, the next Tab stop is the hint; Enter opens it.
    page.get_by_label("Bericht").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_text("Opmaak: schuin, vet, lijstjes en links")).to_be_focused()
    page.keyboard.press("Enter")
    expect(table).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(6)
    expect(table.get_by_role("row", name="*schuin* schuin")).to_have_count(1)
    expect(table.locator("em")).to_have_text("schuin")
    expect(table.locator("strong")).to_have_text("vet")
    expect(table.locator("ul li")).to_have_text(["eerste punt", "tweede punt"])
    check_accessibility(page, "discussion list with the formatting hint open")

    # Typed as the hint shows, the message reads as its right column.
    page.get_by_label("Thema").select_option(label="Samenwerking")
    page.get_by_label("Titel").fill("Reistijd")
    page.get_by_label("Bericht").fill("Dit is *schuin* en **vet**:\n\n- eerste punt\n- tweede punt\n\n"
                                      "[tekst van de link](https://www.example.org)")
    page.get_by_role("button", name="Gesprek beginnen").click()
    message = page.locator(".post__body").first
    expect(message.locator("em")).to_have_text("schuin")
    expect(message.locator("strong")).to_have_text("vet")
    expect(message.locator("ul li")).to_have_text(["eerste punt", "tweede punt"])
    expect(message.get_by_role("link", name="tekst van de link")).to_have_attribute("href", "https://www.example.org")


def test_the_formatting_hint_opens_without_javascript_and_fits_320_px(browser, live, page_errors):
    setup()
    context, page = new_page(browser, page_errors, live.url, java_script_enabled=False,
                             viewport={"width": 320, "height": 800})
    try:
        log_in(page, "anna@example.org")
        page.goto("/consultations/wmo/discussion")
        page.get_by_text("Opmaak: schuin, vet, lijstjes en links").click()
        expect(page.locator("details.formatting-help").get_by_role("table")).to_be_visible()
        assert_no_horizontal_overflow(page, "formatting hint open at 320 px")
    finally:
        context.close()
    assert page_errors.errors == []
