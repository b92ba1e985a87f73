"""After the deadline the team tags answers, marks an excerpt as a key quote and writes a synthesis."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from consult.consultations.models import Consultation
from consult.demo import DEMO_PASSWORD
from consult.extensions import db
from tests.demo import load_demo
from tests.e2e.conftest import check_accessibility, settle


def test_team_tags_quotes_and_summarises(page, live):
    load_demo()
    db.session.commit()
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "dialoog-dagbesteding-2025"))
    question = consultation.themes[0].questions[0]
    page.goto("/login")
    page.get_by_label("E-mailadres").fill("team@example.org")
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_label("Wachtwoord").press("Enter")
    page.goto(f"/consultations/{consultation.slug}/analysis")
    check_accessibility(page, "analysis overview")
    page.get_by_role("link", name="Tags", exact=True).first.click()
    check_accessibility(page, "tags")
    page.get_by_label("Naam").fill("Wachtlijst")
    page.get_by_label("Paars").check()
    page.get_by_role("button", name="Tag opslaan").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("De tag is opgeslagen.")

    page.goto(f"/consultations/{consultation.slug}/analysis/questions/{question.id}")
    check_accessibility(page, "analysis per question")
    page.get_by_label("Tekst bevat").fill("a")
    page.get_by_role("button", name="Filteren").click()
    page.get_by_label("Tag om toe te voegen of te verwijderen").select_option(label="Wachtlijst")
    page.locator("input[name=answers]").first.check()
    page.get_by_role("button", name="De geselecteerde antwoorden taggen").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("Tag “Wachtlijst” toegevoegd aan 1 antwoorden.")
    card = page.locator(".answer-card").first
    expect(card.locator(".tag-chip", has_text="Wachtlijst")).to_be_visible()

    card.locator("summary").click()
    card.get_by_label("Fragment").fill("dit staat er niet in")
    card.get_by_role("button", name="Fragment markeren").click()
    expect(page.locator(".error-summary")).to_be_focused()
    check_accessibility(page, "excerpt error")
    card = page.locator(".answer-card").first
    text = card.locator(".answer-card__text").inner_text()
    excerpt = " ".join(text.split()[:2])
    card.get_by_label("Fragment").fill(excerpt)
    card.get_by_role("combobox", name="Tag").select_option(label="Wachtlijst")
    card.get_by_role("button", name="Fragment markeren").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("Het fragment is gemarkeerd.")

    page.get_by_label("Wat we hoorden").fill("Aanbieders noemen **wachtlijsten** als knelpunt.")
    page.get_by_label("Definitief").check()
    page.get_by_role("button", name="Synthese opslaan").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("De synthese is opgeslagen.")
    check_accessibility(page, "analysis after saving")
    page.goto("/consultations/marktconsultatie-wmo-leidse-regio/analysis/posts")
    check_accessibility(page, "discussion messages for analysis")
    first = page.locator(".answer-card").first
    words = " ".join(first.locator(".answer-card__text").inner_text().split()[:3])
    first.locator("summary").click()
    first.get_by_label("Fragment").fill(words)
    first.get_by_role("button", name="Als kerncitaat markeren").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("Het fragment is gemarkeerd.")
    expect(page.get_by_text(f"(toegeschreven aan: een aanbieder): “{words}”")).to_be_visible()
    settle(page)
