"""A market consultation is public: an anonymous visitor reads the published questions and answers and
the councils' advice with the municipality's reply, and downloads the public answers as XLSX, without an
account. Once the team closes it to invited organisations, the same visitor gets none of it."""
from __future__ import annotations

from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from consult.advice.models import Advice, AdviceStatus, Disposition
from consult.advice.services import publish_reply, save_reply
from consult.consultations.models import Consultation
from consult.consultations.services import close
from consult.demo import DEMO_PASSWORD
from consult.extensions import db
from consult.qa.models import QaItem, QaStatus
from consult.reports.services import publish as publish_report
from consult.reports.services import save_texts
from tests.demo import load_demo
from tests.e2e.conftest import assert_no_horizontal_overflow, check_accessibility

SLUG = "marktconsultatie-wmo-leidse-regio"


def _run_to_the_report() -> tuple[QaItem, Advice]:
    """The demo's open consultation at its end: the first council's advice replied to and published, the
    consultation closed and its report published."""
    users = load_demo()
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
    advice = db.session.scalar(select(Advice).where(Advice.status == AdviceStatus.SUBMITTED))
    save_reply(advice, introduction="Wij danken de adviesraad voor het zorgvuldige advies.",
               replies={point.id: (point.disposition or Disposition.PARTLY,
                                   point.reply or "We nemen het vervoer mee in de volgende ronde.")
                        for point in advice.points}, by=users["team"])
    publish_reply(advice, by=users["team"])
    close(consultation, by=users["team"])
    save_texts(consultation, summary="Wat we hoorden en wat we ermee doen.", introduction="", next_steps="",
               by=users["team"])
    publish_report(consultation, by=users["team"])
    db.session.commit()
    item = db.session.scalar(select(QaItem).where(QaItem.consultation_id == consultation.id,
                                                  QaItem.status == QaStatus.PUBLISHED).order_by(QaItem.number))
    return item, advice


def test_anonymous_visitor_reads_qa_and_advice_and_downloads_xlsx_until_the_team_closes_it(
        page, second_page, live, tmp_path, page_errors):
    item, advice = _run_to_the_report()
    last_point = advice.points[-1]

    page.goto(f"/consultations/{SLUG}")
    page.get_by_role("link", name="Vragen en antwoorden").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vragen en antwoorden")
    expect(page.get_by_text(item.answer.splitlines()[0][:60]).first).to_be_visible()
    expect(page.get_by_role("button", name="Vraag versturen")).to_have_count(0)  # asking needs an account
    check_accessibility(page, "Q&A, anonymous")
    page.set_viewport_size({"width": 320, "height": 800})
    assert_no_horizontal_overflow(page, "public-qa-320")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto(f"/consultations/{SLUG}")
    page.get_by_role("link", name="Advies van de adviesraden").click()
    page.get_by_role("link", name=advice.council.name).click()
    expect(page.get_by_text("Wij danken de adviesraad voor het zorgvuldige advies.")).to_be_visible()
    expect(page.get_by_text(last_point.title).first).to_be_visible()
    expect(page.get_by_text("We nemen het vervoer mee in de volgende ronde.")).to_be_visible()
    check_accessibility(page, "advice with reply, anonymous")

    page.goto(f"/consultations/{SLUG}")
    page.get_by_role("link", name="Lees het consultatieverslag: wat we hoorden en wat we ermee doen").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="XLSX", exact=True).click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name == f"antwoorden-{SLUG}-openbaar.xlsx"
    header = [cell.value for cell in next(load_workbook(path).active.iter_rows(max_row=1))]
    assert header[0] == "Organisatie"

    # The team closes the consultation to one invited provider.
    second_page.goto("/login")
    second_page.get_by_label("E-mailadres").fill("team@example.org")
    second_page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    second_page.get_by_label("Wachtwoord").press("Enter")
    second_page.goto(f"/consultations/{SLUG}/manage")
    second_page.get_by_role("link", name="Openbaar of gesloten").click()
    second_page.get_by_label("Gesloten: alleen de uitgenodigde organisaties hieronder").check()
    second_page.get_by_role("button", name="Opslaan").click()
    expect(second_page.locator(".error-summary")).to_be_focused()
    expect(second_page.locator(".error-summary")).to_contain_text(
        "Kies ten minste één organisatie om uit te nodigen, of maak de consultatie openbaar.")
    expect(second_page.get_by_label("Gesloten: alleen de uitgenodigde organisaties hieronder")).to_be_checked()
    check_accessibility(second_page, "access setting with error")
    second_page.get_by_label("Thuishulp Rijnstreek (Zorgaanbieder)").check()
    second_page.get_by_role("button", name="Opslaan").click()
    expect(second_page.get_by_text(
        "Deze consultatie is nu gesloten: alleen de uitgenodigde organisaties zien haar.")).to_be_visible()
    expect(second_page.locator(".pre-heading .status--invited-only")).to_have_text(
        "Gesloten: alleen uitgenodigde organisaties")
    check_accessibility(second_page, "access setting, closed")
    second_page.set_viewport_size({"width": 320, "height": 800})
    assert_no_horizontal_overflow(second_page, "access-setting-320")

    # The anonymous visitor now meets the login page everywhere, and no longer finds it listed.
    for url in (f"/consultations/{SLUG}", f"/consultations/{SLUG}/qa", f"/advice/{advice.id}",
                f"/consultations/{SLUG}/report"):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
        assert page.url.split("?")[0].endswith("/login"), url
    page.goto("/consultations")
    expect(page.get_by_text(advice.request.consultation.title)).to_have_count(0)
