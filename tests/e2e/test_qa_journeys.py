"""A provider asks a question; the team rephrases, answers and publishes it to everyone."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from consult.consultations.models import Consultation, Status, TeamMember, TeamRole, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from tests.conftest import make_org, make_user
from tests.e2e.conftest import check_accessibility, sign_in_page

log_in = sign_in_page  # these journeys start logged in; logging in is tested on its own


def test_team_answers_and_publishes_a_question(page, second_page, live):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Marktconsultatie Wmo", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=7), principles=[])
    consultation.themes.append(Theme(title="Dienstverlening", position=0))
    db.session.add(consultation)
    db.session.commit()
    make_user("anna@example.org", name="Anna Aanbieder", org=make_org("Geheime Zorg BV", kvk="11111111"))
    make_user("bert@example.org", name="Bert Ander", org=make_org("Zorg B", kvk="22222222"))
    editor = make_user("eva@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT)
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=editor.id, role=TeamRole.EDITOR))
    db.session.commit()

    log_in(page, "anna@example.org")
    page.goto("/consultations/wmo")
    page.get_by_role("link", name="Vragen en antwoorden").click()
    check_accessibility(page, "qa page")
    page.get_by_label("Over").select_option(label="Dienstverlening")
    page.get_by_label("Uw vraag").fill("Wij (Geheime Zorg BV) willen weten of onderaanneming mag.")
    page.get_by_role("button", name="Vraag versturen").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_contain_text("Uw vraag is naar het projectteam gestuurd.")
    expect(page.get_by_text("wacht op antwoord")).to_be_visible()

    log_in(second_page, "eva@example.org")
    second_page.goto("/consultations/wmo/qa/manage")
    check_accessibility(second_page, "qa manage")
    second_page.get_by_role("link", name="Beantwoorden en publiceren").click()
    check_accessibility(second_page, "qa answer form")
    second_page.get_by_label("Vraag zoals die wordt gepubliceerd").fill("Mag een aanbieder onderaannemers inzetten?")
    second_page.get_by_label("Antwoord", exact=True).fill("Ja, als de aanbieder verantwoordelijk blijft voor de kwaliteit.")
    second_page.once("dialog", lambda dialog: dialog.accept())
    second_page.get_by_role("button", name="Publiceren voor alle deelnemers").click()
    expect(second_page.locator(".utrecht-alert[role=status]")).to_have_text(
        "Vraag 1 en het antwoord zijn gepubliceerd voor alle deelnemers.")

    second_page.get_by_role("button", name="Uitloggen").click()
    log_in(second_page, "bert@example.org")
    second_page.goto("/consultations/wmo/qa")
    expect(second_page.get_by_role("heading", name="Vraag 1 · Dienstverlening")).to_be_visible()
    expect(second_page.get_by_text("Mag een aanbieder onderaannemers inzetten?")).to_be_visible()
    expect(second_page.get_by_text("Geheime Zorg")).to_have_count(0)
    second_page.get_by_role("link", name="Ontvangen informatie, met publicatietijden").click()
    check_accessibility(second_page, "information received")
