"""After the deadline the team writes the report texts, publishes the report and downloads it;
anyone then reads it at its stable address."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from consult.consultations.models import Consultation, Status
from consult.demo import DEMO_PASSWORD
from consult.extensions import db
from tests.demo import load_demo
from tests.e2e.conftest import assert_no_horizontal_overflow, check_accessibility, settle


def test_team_publishes_the_report_and_downloads_odt_and_pdf(page, second_page, live, tmp_path):
    load_demo()
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "dialoog-dagbesteding-2025"))
    consultation.status = Status.CLOSED  # publish again from the closed state, as a team would the first time
    db.session.commit()
    page.goto("/login")
    page.get_by_label("E-mailadres").fill("team@example.org")
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_label("Wachtwoord").press("Enter")
    page.goto("/consultations/dialoog-dagbesteding-2025/report/edit")
    check_accessibility(page, "report editor")
    page.get_by_label("Samenvatting").fill("")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Het verslag publiceren").click()
    expect(page.locator(".error-summary")).to_be_focused()
    check_accessibility(page, "report editor with error")
    page.get_by_label("Samenvatting").fill("Aanbieders vragen om minder administratieve lasten.")
    page.once("dialog", lambda dialog: dialog.accept())
    # Without Redis, publishing renders the version's files (ODT, PDF, DOCX in both languages) right
    # after the request, so the downloads below are sent as stored: this click waits for that.
    page.get_by_role("button", name="Het verslag publiceren").click(timeout=90_000)
    expect(page.locator(".utrecht-alert[role=status]")).to_contain_text("Het verslag is gepubliceerd (versie 2).")
    check_accessibility(page, "report (team)")
    for fmt, magic in [("ODT", b"PK"), ("PDF", b"%PDF-")]:
        with page.expect_download() as info:
            page.get_by_role("link", name=f"{fmt} (consultatieverslag)").click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        assert path.name == f"consultatieverslag-dialoog-dagbesteding-2025.{fmt.lower()}"
        assert path.read_bytes().startswith(magic)

    second_page.goto("/consultations/dialoog-dagbesteding-2025")
    second_page.get_by_role("link", name="Lees het consultatieverslag: wat we hoorden en wat we ermee doen").click()
    expect(second_page.get_by_role("heading", level=1)).to_contain_text("Consultatieverslag")
    expect(second_page.get_by_text("Aanbieders vragen om minder administratieve lasten.")).to_be_visible()
    check_accessibility(second_page, "public report")
    second_page.set_viewport_size({"width": 320, "height": 800})
    assert_no_horizontal_overflow(second_page, "public report at 320 px")
    settle(second_page)
