"""The team drafts the strategy with evidence links and shares it; a council comments; the team
handles the comment and compares revisions."""
from __future__ import annotations

from playwright.sync_api import expect

from consult.extensions import db
from tests.demo import load_demo
from tests.e2e.conftest import assert_no_horizontal_overflow, check_accessibility, settle, sign_in_page

BASE = "/consultations/dialoog-dagbesteding-2025/strategy"


log_in = sign_in_page  # these journeys start logged in; logging in is tested on its own


def test_strategy_with_evidence_comments_and_revisions(page, second_page, live):
    load_demo()
    db.session.commit()
    log_in(page, "team@example.org")
    page.goto(BASE)
    check_accessibility(page, "strategy overview")
    assert_no_horizontal_overflow(page, "strategy overview")
    page.get_by_role("link", name="Een segment toevoegen").click()
    page.get_by_role("button", name="Segment toevoegen").click()
    expect(page.locator(".error-summary")).to_be_focused()
    check_accessibility(page, "segment form with errors")
    page.get_by_label("Naam", exact=True).fill("Cliëntondersteuning")
    page.get_by_label("Open house", exact=True).check()
    page.get_by_label("Een aantal").check()
    page.get_by_label("Aantal, of het laagste aantal van het bereik").fill("4")
    page.get_by_label("Outputgericht").check()
    page.get_by_label("Contractduur").fill("4 jaar")
    page.get_by_role("button", name="Segment toevoegen").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("Het segment is toegevoegd.")
    page.get_by_role("link", name="Inbreng koppelen aan dit onderdeel").click()
    page.get_by_label("Zoeken in antwoorden").fill("e")
    page.get_by_role("button", name="Zoeken").click()
    check_accessibility(page, "evidence picker")
    page.locator("input[name=source]").first.check()
    page.get_by_label("Deels overgenomen").check()
    page.get_by_role("textbox", name="Reden").fill("Meegenomen in de eisen.")
    page.get_by_role("button", name="Koppelen aan Cliëntondersteuning").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("De inbreng is aan dit onderdeel gekoppeld.")
    expect(page.get_by_text("Meegenomen in de eisen.")).to_be_visible()
    check_accessibility(page, "segment with evidence")

    log_in(second_page, "adviesraad@example.org")
    second_page.goto(BASE)
    check_accessibility(second_page, "strategy overview (council)")
    second_page.get_by_role("link", name="Cliëntondersteuning").first.click()
    second_page.get_by_label("Uw opmerking").fill("Denk aan onafhankelijkheid van de cliëntondersteuner.")
    second_page.get_by_role("button", name="Opmerking plaatsen").click()
    expect(second_page.locator(".utrecht-alert[role=status]")).to_have_text("Uw opmerking is geplaatst.")
    check_accessibility(second_page, "segment (council)")

    page.reload()
    page.get_by_label("Reactie van het projectteam").last.fill("Opgenomen als geschiktheidseis.")
    page.get_by_role("button", name="Als afgehandeld markeren").last.click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("De opmerking is als afgehandeld gemarkeerd.")

    page.goto(f"{BASE}/revisions")
    check_accessibility(page, "revisions")
    page.get_by_role("button", name="Vergelijken").click()
    expect(page.get_by_role("heading", name="Wijzigingen van versie", exact=False)).to_be_visible()
    check_accessibility(page, "revision diff")
    page.goto(f"{BASE}/not-considered")
    check_accessibility(page, "not yet considered")
    settle(page)


def test_a_wrong_number_on_the_segment_form_names_its_field_and_keeps_the_text(page, live):
    load_demo()
    db.session.commit()
    log_in(page, "team@example.org")
    page.goto(f"{BASE}/segments/new")
    page.get_by_label("Naam", exact=True).fill("Huishoudelijke ondersteuning")
    page.get_by_label("Een bereik").check()
    page.get_by_label("Aantal, of het laagste aantal van het bereik").fill("vier")
    page.get_by_label("Hoogste aantal van het bereik").fill("12")
    page.get_by_label("Onderbouwing").fill("Meer keuze voor inwoners")
    page.get_by_role("button", name="Segment toevoegen").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(["Vul een heel getal in, bijvoorbeeld 8."])
    lowest = page.get_by_label("Aantal, of het laagste aantal van het bereik")
    expect(lowest).to_have_value("vier")
    expect(lowest).to_have_attribute("aria-invalid", "true")
    expect(lowest).to_have_accessible_description("Fout: Vul een heel getal in, bijvoorbeeld 8.")
    expect(page.get_by_label("Hoogste aantal van het bereik")).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Hoogste aantal van het bereik")).to_have_value("12")
    expect(page.get_by_label("Onderbouwing")).to_have_value("Meer keuze voor inwoners")
    expect(page.get_by_label("Een bereik")).to_be_checked()
    summary.get_by_role("link").click()
    expect(lowest).to_be_focused()
    check_accessibility(page, "segment form with a wrong number")
    lowest.fill("4")
    page.get_by_role("button", name="Segment toevoegen").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("Het segment is toegevoegd.")
    expect(page.get_by_label("Aantal, of het laagste aantal van het bereik")).to_have_value("4")
