"""The team requests advice; a council member comments, drafts and submits it; the team replies
per point and publishes; notifications lead people to each step."""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, TeamRole, Theme
from consult.core.time import to_local, utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from tests.conftest import make_org, make_user
from tests.e2e.conftest import assert_no_horizontal_overflow, check_accessibility, settle, sign_in_page

log_in = sign_in_page  # these journeys start logged in; logging in is tested on its own


def setup_consultation():
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Marktconsultatie Wmo", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=30), principles=[])
    theme = Theme(title="Toegang", position=0)
    theme.questions.append(Question(text="Hoe ervaren cliënten de toegang?", kind=QuestionKind.OPEN, position=0))
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    make_org("Cliëntenraad Noord", kind=OrgKind.COUNCIL)
    raad = make_org("Adviesraad Leiden", kind=OrgKind.COUNCIL)
    make_user("carla@example.org", name="Carla Contact", org=raad, role=MemberRole.CONTACT)
    editor = make_user("eva@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT)
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=editor.id, role=TeamRole.EDITOR))
    db.session.commit()


def test_council_advice_from_request_to_published_reply(page, second_page, live):
    setup_consultation()

    # The team asks the council for advice.
    log_in(page, "eva@example.org")
    page.goto("/consultations/wmo/advice")
    check_accessibility(page, "advice overview (team)")
    page.get_by_role("button", name="Advies vragen").click()
    expect(page.locator(".error-summary")).to_be_focused()
    check_accessibility(page, "advice request with errors")
    page.get_by_label("Vraag aan de raden").fill("Sluiten de thema's aan bij wat inwoners nodig hebben?")
    due = (to_local(utcnow()) + timedelta(days=14)).date().isoformat()
    page.get_by_label("Advies gevraagd vóór").fill(due)
    page.get_by_label("Adviesraad Leiden").check()
    page.get_by_role("button", name="Advies vragen").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_contain_text("Het advies is gevraagd.")

    # The council member is told, comments informally, drafts and submits.
    log_in(second_page, "carla@example.org")
    expect(second_page.locator(".bell__count")).to_have_text("1 ongelezen")
    second_page.get_by_role("link", name="Meldingen").click()
    check_accessibility(second_page, "notifications")
    second_page.get_by_role("link", name="Adviesaanvraag over “Marktconsultatie Wmo”").click()
    expect(second_page.get_by_role("heading", level=1)).to_have_text("Advies van Adviesraad Leiden")
    check_accessibility(second_page, "advice draft")
    assert_no_horizontal_overflow(second_page, "advice draft")
    second_page.get_by_role("textbox", name="Inleiding").fill("De adviesraad adviseert op twee punten.")
    second_page.get_by_role("button", name="Inleiding opslaan").click()
    expect(second_page.locator(".utrecht-alert[role=status]")).to_have_text("De inleiding is opgeslagen.")
    second_page.get_by_role("button", name="Adviespunt toevoegen").click()
    expect(second_page.locator(".error-summary")).to_be_focused()
    check_accessibility(second_page, "advice point with errors")
    for title, body in [("Betrek ervaringsdeskundigen", "Laat **cliënten** meelezen met de eisen."),
                        ("Let op de avonduren", "Vraag naar bereikbaarheid buiten kantoortijd.")]:
        second_page.get_by_label("Titel van het adviespunt").fill(title)
        second_page.get_by_label("Advies", exact=True).fill(body)
        second_page.get_by_role("button", name="Adviespunt toevoegen").click()
        expect(second_page.locator(".utrecht-alert[role=status]")).to_contain_text("is toegevoegd.")
    expect(second_page.get_by_role("heading", name="Adviespunt 2: Let op de avonduren")).to_be_visible()
    second_page.once("dialog", lambda dialog: dialog.accept())
    second_page.get_by_role("button", name="Advies indienen namens Adviesraad Leiden").click()
    expect(second_page.locator(".utrecht-alert[role=status]").first).to_contain_text("Uw ontvangstcode is")
    expect(second_page.locator(".receipt-code")).to_have_text(re.compile(r"^[0-9A-F]{4}(-[0-9A-F]{4}){7}$"))
    check_accessibility(second_page, "advice submitted (council)")

    second_page.goto("/consultations/wmo/council-comments")
    second_page.get_by_label("Over").select_option(label="Thema: Toegang")
    second_page.get_by_label("Uw opmerking").fill("Goed dat toegang een eigen thema is.")
    second_page.get_by_role("button", name="Opmerking plaatsen").click()
    expect(second_page.get_by_text("Goed dat toegang een eigen thema is.")).to_be_visible()
    check_accessibility(second_page, "council comments")

    # The team replies per point and publishes advice and reply together.
    page.goto("/notifications")
    page.get_by_role("link", name="Adviesraad Leiden heeft advies uitgebracht over “Marktconsultatie Wmo”").click()
    check_accessibility(page, "advice reply form")
    page.locator(".advice-point").nth(0).get_by_label("Overgenomen", exact=True).check()
    page.get_by_label("Motivering bij adviespunt 1").fill("We nodigen twee ervaringsdeskundigen uit.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Advies en reactie publiceren").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator(".error-summary")).to_contain_text("Kies wat de gemeente met adviespunt 2 doet.")
    check_accessibility(page, "advice reply with errors")
    expect(page.get_by_label("Motivering bij adviespunt 1")).to_have_value("We nodigen twee ervaringsdeskundigen uit.")
    page.locator(".advice-point").nth(1).get_by_label("Deels overgenomen").check()
    page.get_by_label("Motivering bij adviespunt 2").fill("We vragen ernaar in de volgende ronde.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Advies en reactie publiceren").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_contain_text("De reactie is gepubliceerd.")

    second_page.goto("/notifications")
    second_page.get_by_role("link", name="Reactie op het advies van Adviesraad Leiden gepubliceerd").click()
    expect(second_page.get_by_text("Deels overgenomen")).to_be_visible()
    check_accessibility(second_page, "published advice and reply")
    second_page.goto("/notifications")
    second_page.get_by_role("button", name="Alles als gelezen markeren").click()
    expect(second_page.locator(".bell__count")).to_have_count(0)
    second_page.get_by_role("link", name="Kies welke meldingen u per e-mail krijgt").click()
    check_accessibility(second_page, "notification settings")
    followed = second_page.locator("fieldset", has_text="Nieuwe berichten in de gesprekken die u volgt")
    followed.get_by_label("Dagelijks overzicht").check()
    second_page.get_by_role("button", name="Instellingen opslaan").click()
    expect(second_page.locator(".utrecht-alert[role=status]")).to_have_text("Uw instellingen voor meldingen zijn opgeslagen.")
    settle(second_page)
