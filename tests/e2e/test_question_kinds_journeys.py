"""A ranking, a matrix and a price table in the browser: the team adds them in the questions editor; a
provider on a phone answers them with the keyboard's fields, is told at the question when a place is
given twice, and sees the amounts and the total of its prices after saving."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, TeamRole, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from tests.conftest import make_org, make_user
from tests.e2e.conftest import ARTIFACTS, assert_no_horizontal_overflow, check_accessibility, sign_in_page

log_in = sign_in_page


def _world() -> Theme:
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo Leidse regio", status=Status.OPEN, principles=[],
                                municipalities=[leiden], closes_at=utcnow() + timedelta(days=20))
    theme = Theme(title="Inkoop", position=0)
    theme.questions.append(Question(text="Wat werkt goed?", kind=QuestionKind.OPEN, position=0))
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    editor = make_user("eva@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT)
    make_user("anna@example.org", name="Anna Aanbieder", org=make_org("Zorg A", kvk="11111111"))
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=editor.id, role=TeamRole.EDITOR))
    db.session.commit()
    return theme


def _add_question(page, text: str, kind: str, options: str, **fields) -> None:
    page.get_by_role("link", name="Vraag toevoegen aan Inkoop").click()
    page.get_by_label("Vraag", exact=True).fill(text)
    page.get_by_label("Soort antwoord").select_option(label=kind)
    page.get_by_label("Opties").fill(options)
    for label, value in fields.items():
        page.get_by_label(label).fill(value)
    page.get_by_label("Reden van de wijziging").fill("Nieuwe vraag")  # the consultation is open
    page.get_by_role("button", name="Vraag opslaan").click()
    expect(page.locator(".question-list__item", has_text=text)).to_have_count(1)


def test_a_ranking_a_matrix_and_a_price_table_from_editor_to_answer(page, second_page, live, page_errors):
    theme = _world()
    log_in(page, "eva@example.org", "/consultations/wmo/manage/questions")
    _add_question(page, "Wat weegt voor u het zwaarst?", "Rangschikking (zet de opties op volgorde)",
                  "Kwaliteit\nPrijs\nNabijheid")
    _add_question(page, "Hoe beoordeelt u de toegang?", "Matrix (rijen op een schaal van 1 tot 5)",
                  "Bereikbaarheid\nWachttijd", **{"Omschrijving bij 1": "slecht", "Omschrijving bij 5": "goed"})
    _add_question(page, "Wat zijn uw tarieven?", "Prijstabel (prijs per eenheid en volume per product)",
                  "Individuele begeleiding | uur\nDagbesteding | dagdeel")
    expect(page.locator(".question-list__item", has_text="Wat zijn uw tarieven?")).to_contain_text(
        "Opties: Individuele begeleiding | uur · Dagbesteding | dagdeel")

    second_page.set_viewport_size({"width": 320, "height": 700})
    log_in(second_page, "anna@example.org", "/consultations/wmo")
    second_page.get_by_role("button", name="Begin de reactie van").click()
    second_page.get_by_role("link", name="Inkoop").click()
    ranking = second_page.get_by_role("group", name="Vraag 2 Wat weegt voor u het zwaarst?")
    ranking.get_by_label("Kwaliteit").select_option("1")
    ranking.get_by_label("Prijs").select_option("1")
    ranking.get_by_label("Nabijheid").select_option("2")
    matrix = second_page.get_by_role("group", name="Vraag 3 Hoe beoordeelt u de toegang?")
    matrix.get_by_role("group", name="Bereikbaarheid").get_by_label("4").check()
    matrix.get_by_role("group", name="Wachttijd").get_by_label("1 – slecht").check()
    prices = second_page.get_by_role("group", name="Vraag 4 Wat zijn uw tarieven?")
    prices.get_by_label("Prijs per uur (€)").fill("62,50")
    prices.get_by_label("Volume (in uur)").fill("1.200")
    second_page.get_by_role("button", name="Opslaan", exact=True).click()
    summary = second_page.locator(".error-summary")
    expect(summary).to_contain_text("“Wat weegt voor u het zwaarst?”: Geef elke plaats van 1 tot 3 aan één optie.")
    expect(ranking.get_by_label("Prijs")).to_have_value("1")  # as chosen, to be mended
    check_accessibility(second_page, "ranking, matrix and price table with an error at 320 px")
    assert_no_horizontal_overflow(second_page, "ranking, matrix and price table at 320 px")
    ranking.get_by_label("Prijs").select_option("3")
    second_page.get_by_role("button", name="Opslaan", exact=True).click()
    expect(second_page.get_by_role("status").first).to_contain_text("Uw antwoorden zijn opgeslagen.")
    expect(prices).to_contain_text("Bedrag: € 75.000,00")
    expect(prices).to_contain_text("Totaal: € 75.000,00")
    expect(matrix.get_by_role("group", name="Bereikbaarheid").get_by_label("4")).to_be_checked()
    second_page.screenshot(path=str(ARTIFACTS / "question-kinds-320.png"), full_page=True)
    second_page.get_by_role("link", name="Overzicht van de reactie").click()
    second_page.get_by_role("link", name="Controleren en indienen").first.click()
    main = second_page.locator("main")
    expect(main).to_contain_text("1. Kwaliteit; 2. Nabijheid; 3. Prijs")
    expect(main).to_contain_text("Bereikbaarheid: 4; Wachttijd: 1")
    expect(main).to_contain_text("Individuele begeleiding: € 62,50 per uur × 1.200 = € 75.000; totaal € 75.000")
    check_accessibility(second_page, "review with the new kinds")
    assert theme.id
