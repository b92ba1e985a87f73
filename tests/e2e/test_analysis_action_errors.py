"""The refused actions on an analysis question page in a browser: the message is at the field it is
about, the error summary links there, the choices stay, and the page passes axe and reflows at 320 px."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from consult.analysis.models import Tag
from consult.consultations.models import Consultation
from consult.extensions import db
from tests.demo import load_demo
from tests.e2e.conftest import ARTIFACTS, assert_no_horizontal_overflow, check_accessibility, new_page, sign_in_page

SLUG = "dialoog-dagbesteding-2025"


def test_refused_bulk_and_excerpt_are_named_at_their_fields(browser, live, page_errors):
    load_demo()
    db.session.commit()
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
    question = consultation.themes[0].questions[0]
    tag = db.session.scalar(select(Tag).where(Tag.consultation_id == consultation.id).order_by(Tag.name))
    for width in (1280, 320):
        context, page = new_page(browser, page_errors, live.url, viewport={"width": width, "height": 900})
        sign_in_page(page, "team@example.org")
        page.goto(f"/consultations/{SLUG}/analysis/questions/{question.id}")
        # A tag, but no answer selected: said at the selection, the tag stays chosen.
        page.get_by_label("Tag om toe te voegen of te verwijderen").select_option(label=tag.name)
        page.get_by_role("button", name="De geselecteerde antwoorden taggen").click()
        summary = page.locator(".error-summary")
        expect(summary).to_be_focused()
        expect(summary.get_by_role("link")).to_have_text("Selecteer minstens één antwoord.")
        expect(page.get_by_label("Tag om toe te voegen of te verwijderen")).to_have_value(str(tag.id))
        expect(page.locator("#bulk-answers-error")).to_be_visible()
        check_accessibility(page, f"bulk refused at {width} px")
        assert_no_horizontal_overflow(page, f"analysis-bulk-refused-{width}")

        # An excerpt without a tag or key quote: said at the tag, the text stays.
        card = page.locator(".answer-card").first
        card.locator("summary").click()
        card.get_by_label("Fragment").fill("een stuk tekst")
        card.get_by_role("button", name="Fragment markeren").click()
        expect(page.locator(".error-summary")).to_be_focused()
        card = page.locator(".answer-card").first
        expect(card.get_by_role("combobox", name="Tag")).to_have_attribute("aria-invalid", "true")
        expect(card.get_by_label("Fragment")).to_have_value("een stuk tekst")
        page.locator(".error-summary").get_by_role("link").click()
        expect(card.get_by_role("combobox", name="Tag")).to_be_focused()
        check_accessibility(page, f"excerpt refused at {width} px")
        assert_no_horizontal_overflow(page, f"analysis-excerpt-refused-{width}")
        card.screenshot(path=str(ARTIFACTS / f"analysis-excerpt-refused-card-{width}.png"))
        context.close()
    assert page_errors.errors == []
