"""The team publishes a question whose text still names the asker: warned, then confirmed."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from consult.consultations.models import Consultation, Status, TeamMember, TeamRole
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from consult.qa.models import QaItem
from consult.qa.services import ask
from tests.conftest import make_org, make_user
from tests.e2e.conftest import ARTIFACTS, assert_no_horizontal_overflow, check_accessibility
from tests.e2e.test_qa_journeys import log_in

RAW = "Wij van Geheime Zorg BV vragen: mogen wij met onderaannemers werken? Bel 06-12345678."


def test_team_is_warned_before_publishing_a_question_that_names_the_asker(page, live):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Marktconsultatie Wmo", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=7), principles=[])
    db.session.add(consultation)
    db.session.commit()
    organisation = make_org("Geheime Zorg BV", kvk="11111111")
    anna = make_user("anna@example.org", name="Anna Vraagsteller", org=organisation)
    editor = make_user("eva@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT)
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=editor.id, role=TeamRole.EDITOR))
    item = ask(consultation, None, RAW, by=anna, organisation=organisation)
    db.session.commit()

    log_in(page, "eva@example.org")
    page.goto(f"/qa/{item.id}")
    question = page.get_by_label("Vraag zoals die wordt gepubliceerd")
    expect(question).to_have_value("")
    expect(page.locator("#asked-text")).to_have_text(RAW)
    question.fill("Mag Geheime Zorg BV onderaannemers inzetten? Bel 06-12345678.")
    page.get_by_label("Antwoord", exact=True).fill("Ja, als de aanbieder verantwoordelijk blijft voor de kwaliteit.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Publiceren voor alle deelnemers").click()

    expect(page.locator(".error-summary")).to_contain_text(
        "Pas de tekst aan, of bevestig dat die niemand herkenbaar maakt.")
    expect(page.locator("#identity-warnings li")).to_have_text([
        "Naam van de organisatie die de vraag stelde: Geheime Zorg BV", "Telefoonnummer: 06-12345678"])
    expect(question).to_have_value("Mag Geheime Zorg BV onderaannemers inzetten? Bel 06-12345678.")
    check_accessibility(page, "qa answer form with identity warning")
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "qa-identity-warning-1280.png"), full_page=True)
    page.set_viewport_size({"width": 320, "height": 900})
    assert_no_horizontal_overflow(page, "qa-identity-warning-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_label("Ik heb gecontroleerd dat de vraag en het antwoord niemand herkenbaar maken").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Publiceren voor alle deelnemers").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text(
        "Vraag 1 en het antwoord zijn gepubliceerd voor alle deelnemers.")
    db.session.expire_all()
    assert db.session.get(QaItem, item.id).question == "Mag Geheime Zorg BV onderaannemers inzetten? Bel 06-12345678."


def test_answer_form_with_the_identity_warning_is_valid_html(app, tmp_path):
    import shutil

    from tests.conftest import login, post_form
    from tests.e2e.conftest import require
    from tests.e2e.test_html_valid import VNU, validate

    require(shutil.which("java") is not None, "HTML validation skipped: no Java runtime (apt-get install default-jre-headless)")
    require(VNU.exists(), "HTML validation skipped: vnu-jar not installed (npm ci)")
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=7), principles=[])
    db.session.add(consultation)
    db.session.commit()
    organisation = make_org("Geheime Zorg BV", kvk="11111111")
    anna = make_user("anna@example.org", name="Anna Vraagsteller", org=organisation)
    editor = make_user("eva@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT)
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=editor.id, role=TeamRole.EDITOR))
    item = ask(consultation, None, RAW, by=anna, organisation=organisation)
    db.session.commit()
    team = app.test_client()
    login(team, "eva@example.org")
    refused = post_form(team, f"/qa/{item.id}", {"theme": "0", "question": "Mag Geheime Zorg BV dat?",
                                                 "answer": "Ja. Anna Vraagsteller weet het.", "action": "publish"})
    assert refused.status_code == 200
    assert validate({"qa-warning": refused.get_data(as_text=True)}, tmp_path) == []
