"""The analysis tag list in a browser: it reflows at 320 px (WCAG 1.4.10) with the demo's tags, and a
refused change of a tag on page 2 of the list comes back on page 2, at the form."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from consult.analysis.models import Tag
from consult.consultations.models import Consultation
from consult.extensions import db
from tests.demo import load_demo
from tests.e2e.conftest import ARTIFACTS, assert_no_horizontal_overflow, check_accessibility, new_page, sign_in_page

SLUG = "dialoog-dagbesteding-2025"
TAGS = f"/consultations/{SLUG}/analysis/tags"


def _demo_with_tags(extra: int = 0) -> Consultation:
    load_demo()
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
    db.session.add_all(Tag(consultation_id=consultation.id, name=f"Zz tag {n:02d}", colour="grey",
                           description="Een tag achteraan in de lijst") for n in range(extra))
    db.session.commit()
    return consultation


def test_the_tag_list_reflows_at_320_px(browser, live, page_errors):
    _demo_with_tags()
    for width in (320, 1280):
        context, page = new_page(browser, page_errors, live.url, viewport={"width": width, "height": 800})
        sign_in_page(page, "team@example.org")
        page.goto(TAGS)
        expect(page.get_by_role("region", name="Tags van deze consultatie")).to_be_visible()
        # The table scrolls in its own container; nothing in it (the hidden words of its buttons
        # neither) makes the page wider than the screen.
        assert_no_horizontal_overflow(page, f"analysis-tags-{width}")
        check_accessibility(page, f"tags at {width} px")
        context.close()
    assert page_errors.errors == []


def test_a_refused_change_on_page_two_comes_back_on_page_two_at_the_form(page, live):
    _demo_with_tags(extra=40)
    sign_in_page(page, "team@example.org")
    page.goto(f"{TAGS}?page=2")
    page.get_by_role("link", name="Wijzigen Zz tag 30").click()
    page.get_by_label("Naam").fill("")
    page.get_by_role("button", name="Tag opslaan").click()
    expect(page.locator(".error-summary")).to_contain_text("Geef de tag een naam.")
    assert page.url.endswith("&page=2#tag-form") and "edit=" in page.url
    expect(page.get_by_text("Pagina 2 van 2.")).to_be_visible()
    expect(page.get_by_role("row", name="Zz tag 30")).to_be_visible()
    expect(page.get_by_label("Naam")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=str(ARTIFACTS / "analysis-tags-refused-page-2.png"), full_page=True)
