"""Issue 18 in the browser: nobody left untold, a home page that says what to do now, the
pre-moderation switch on the moderation page, and pending invitations a contact person manages."""
from __future__ import annotations

import re
from datetime import time, timedelta

from playwright.sync_api import expect
from sqlalchemy import select, update

from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, TeamRole, Theme
from consult.core.time import combine_local, to_local, utcnow
from consult.dialogue.services import create_thread
from consult.extensions import db
from consult.notify.models import Visit
from consult.orgs.models import MemberRole, Organisation, OrgKind
from consult.responses.models import Publication
from consult.responses.services import save_answer, set_publication, start_response, submit
from consult.strategy.services import create_draft
from tests.conftest import make_org, make_user
from tests.e2e.conftest import assert_no_horizontal_overflow, check_accessibility, sign_in_page

TITLE = "Marktconsultatie Wmo"


log_in = sign_in_page  # these journeys start logged in; logging in is tested on its own


def log_out(page) -> None:
    page.get_by_role("button", name="Uitloggen").click()


def setup(status: Status = Status.OPEN) -> dict:
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    # A week from today, late in the evening: seven calendar days and seven whole days left at any
    # hour the suite runs (a deadline of now + 7 days lands on the eighth day after 22:00).
    closes_at = combine_local(to_local(utcnow()).date() + timedelta(days=7), time(23, 59))
    consultation = Consultation(slug="wmo", title=TITLE, status=status, municipalities=[leiden],
                                closes_at=closes_at, principles=[])
    theme = Theme(title="Samenwerking", position=0)
    theme.questions.append(Question(text="Hoe werkt u samen?", kind=QuestionKind.OPEN, position=0))
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    users = {
        "anna": make_user("anna@example.org", name="Anna Aanbieder", org=make_org("Zorg A", kvk="11111111"),
                          role=MemberRole.CONTACT),
        "bert": make_user("bert@example.org", name="Bert Bijstand", org=make_org("Zorg B", kvk="22222222"),
                          role=MemberRole.CONTACT),
        "rita": make_user("rita@example.org", name="Rita Raad",
                          org=make_org("Adviesraad Leiden", kind=OrgKind.COUNCIL), role=MemberRole.CONTACT),
        "eva": make_user("eva@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT),
    }
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=users["eva"].id, role=TeamRole.EDITOR))
    db.session.commit()
    return {"consultation": consultation, "users": users}


def bell(page):
    return page.locator(".site-nav .bell__count")


def test_the_team_hears_of_a_reported_message_and_a_new_question(page, second_page, live):
    world = setup()
    thread = create_thread(world["consultation"], None, "Samen optrekken", "Wie werkt er al samen in de wijk?",
                           by=world["users"]["bert"])
    db.session.commit()

    log_in(page, "anna@example.org")
    page.goto(f"/discussion/{thread.id}")
    page.get_by_role("link", name="Melden").click()
    page.get_by_label("Reden").fill("Hier staat de naam van een cliënt in.")
    page.get_by_role("button", name="Melding versturen").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_contain_text("Dank u. De moderatoren bekijken uw melding.")
    page.goto("/consultations/wmo/qa")
    page.get_by_label("Uw vraag").fill("Mogen wij onderaannemers inzetten?")
    page.get_by_role("button", name="Vraag versturen").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_contain_text("Uw vraag is naar het projectteam gestuurd.")

    log_in(second_page, "eva@example.org")
    card = second_page.locator("#team-wmo")
    expect(card).to_contain_text("1 gemeld bericht")
    expect(card).to_contain_text("1 vraag wacht op antwoord")
    expect(bell(second_page)).to_have_text("2 ongelezen")
    check_accessibility(second_page, "home page of the team")
    second_page.get_by_role("link", name="Meldingen").click()
    expect(second_page.get_by_role("link", name="Nieuwe vraag over “Marktconsultatie Wmo”")).to_be_visible()
    check_accessibility(second_page, "notifications of the team")
    second_page.get_by_role("link", name="Een bericht in “Samen optrekken” is gemeld").click()
    expect(second_page).to_have_url(re.compile(r"/consultations/wmo/moderation#reports-title$"))
    expect(second_page.get_by_text("Hier staat de naam van een cliënt in.")).to_be_visible()
    second_page.goto("/")
    second_page.locator("#team-wmo").get_by_role("link", name="1 vraag wacht op antwoord").click()
    expect(second_page.get_by_text("Mogen wij onderaannemers inzetten?")).to_be_visible()


def test_an_editor_switches_approval_on_where_the_moderation_happens(page, second_page, live):
    world = setup()
    thread = create_thread(world["consultation"], None, "Samen optrekken", "Wie werkt er al samen in de wijk?",
                           by=world["users"]["bert"])
    db.session.commit()

    log_in(second_page, "eva@example.org")
    second_page.locator("#team-wmo").get_by_role("link", name="0 berichten wachten op goedkeuring").click()
    expect(second_page.get_by_role("heading", name="Goedkeuring vóór publicatie")).to_be_visible()
    group = second_page.get_by_role("group", name="Goedkeuring van berichten")
    expect(group.get_by_label("Berichten zijn meteen zichtbaar; een moderator kan ze daarna verbergen")).to_be_checked()
    group.get_by_label("Een moderator keurt elk bericht goed voordat anderen het zien").check()
    second_page.get_by_role("button", name="Instelling opslaan").click()
    expect(second_page.locator(".utrecht-alert[role=status]")).to_contain_text(
        "Berichten wachten nu op goedkeuring van een moderator voordat anderen ze zien.")
    check_accessibility(second_page, "moderation page with the switch")

    log_in(page, "anna@example.org")
    page.goto(f"/discussion/{thread.id}")
    page.get_by_label("Uw bericht").fill("Wij werken samen met het wijkteam.")
    page.get_by_role("button", name="Bericht plaatsen").click()
    expect(page.get_by_text("Wij werken samen met het wijkteam.")).to_be_visible()

    second_page.goto("/")
    expect(bell(second_page)).to_have_text("1 ongelezen")
    second_page.locator("#team-wmo").get_by_role("link", name="1 bericht wacht op goedkeuring").click()
    expect(second_page.get_by_text("Wij werken samen met het wijkteam.")).to_be_visible()
    second_page.get_by_role("button", name="Goedkeuren").click()
    expect(second_page.get_by_text("Er wachten geen berichten.")).to_be_visible()


def test_a_provider_that_took_no_part_hears_of_a_published_answer(page, second_page, live):
    setup()
    log_in(page, "anna@example.org")
    page.goto("/consultations/wmo/qa")
    page.get_by_label("Uw vraag").fill("Mogen wij onderaannemers inzetten?")
    page.get_by_role("button", name="Vraag versturen").click()

    log_in(second_page, "eva@example.org")
    second_page.goto("/consultations/wmo/qa/manage")
    second_page.get_by_role("link", name="Beantwoorden en publiceren").click()
    second_page.get_by_label("Vraag zoals die wordt gepubliceerd").fill("Mag een aanbieder onderaannemers inzetten?")
    second_page.get_by_label("Antwoord", exact=True).fill("Ja, als de aanbieder verantwoordelijk blijft.")
    second_page.once("dialog", lambda dialog: dialog.accept())
    second_page.get_by_role("button", name="Publiceren voor alle deelnemers").click()
    expect(second_page.locator(".utrecht-alert[role=status]")).to_contain_text("Vraag 1 en het antwoord zijn gepubliceerd")
    log_out(second_page)

    # Bert's organisation has not started a response and asked nothing: it hears of it all the same.
    log_in(second_page, "bert@example.org")
    expect(bell(second_page)).to_have_text("1 ongelezen")
    card = second_page.locator("#open-wmo")
    expect(card).to_contain_text("1 nieuw antwoord dat u nog niet hebt gelezen")
    card.get_by_role("link", name="Vragen en antwoorden").click()
    expect(second_page.get_by_text("Mag een aanbieder onderaannemers inzetten?")).to_be_visible()
    second_page.goto("/")
    expect(second_page.locator("#open-wmo")).to_contain_text("1 antwoord gepubliceerd, niets nieuws voor u")
    expect(bell(second_page)).to_have_count(0)


def test_a_provider_begins_and_continues_its_response_from_the_home_page(page, live):
    setup()
    log_in(page, "bert@example.org")
    card = page.locator("#open-wmo")
    expect(card.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(card).to_contain_text("Zorg B is nog niet begonnen aan een reactie.")
    expect(card).to_contain_text("(nog 7 dagen)")
    check_accessibility(page, "home page of a provider")
    card.get_by_role("button", name="Begin de reactie van Zorg B").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Onze reactie")
    expect(page).to_have_url(re.compile(r"/responses/\d+$"))
    page.get_by_role("link", name="Consult").first.click()
    card = page.locator("#open-wmo")
    expect(card).to_contain_text("De reactie van Zorg B is een concept en is nog niet ingediend.")
    card.get_by_role("link", name="Verder met de reactie van Zorg B").click()
    expect(page).to_have_url(re.compile(r"/responses/\d+$"))
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto("/")
    assert_no_horizontal_overflow(page, "home-provider")
    check_accessibility(page, "home page of a provider at 320 px")


def test_the_team_sees_responses_since_its_last_visit(page, live):
    world = setup()
    log_in(page, "eva@example.org")
    card = page.locator("#team-wmo")
    expect(card).to_contain_text("0 reacties ingediend")
    expect(card).not_to_contain_text("sinds uw vorige bezoek")
    # Two hours pass; meanwhile Zorg A submits its response.
    db.session.execute(update(Visit).where(Visit.user_id == world["users"]["eva"].id)
                       .values(seen_at=utcnow() - timedelta(hours=2)))
    consultation = db.session.get(Consultation, world["consultation"].id)
    anna = world["users"]["anna"]
    org = db.session.scalar(select(Organisation).where(Organisation.name == "Zorg A"))
    response = start_response(consultation, org, by=anna)
    save_answer(response, consultation.themes[0].questions[0], "Met het wijkteam.", False, None, by=anna)
    set_publication(response, Publication.NAMED, by=anna)
    submit(response, by=anna)
    db.session.commit()
    page.reload()
    card = page.locator("#team-wmo")
    expect(card).to_contain_text("1 reactie ingediend, 1 nieuwe sinds uw vorige bezoek")
    expect(card).to_contain_text("nog 7 dagen tot de sluitingsdatum")
    card.get_by_role("link", name="1 reactie ingediend").click()
    expect(page.get_by_text("Zorg A")).to_be_visible()
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto("/")
    assert_no_horizontal_overflow(page, "home-team")
    check_accessibility(page, "home page of the team at 320 px")


def test_a_council_hears_of_the_shared_strategy_and_finds_it_on_the_consultation_page(page, second_page, live):
    world = setup(status=Status.CLOSED)
    create_draft(world["consultation"], by=world["users"]["eva"])
    db.session.commit()
    log_in(second_page, "eva@example.org")
    second_page.goto("/consultations/wmo/strategy")
    second_page.get_by_role("button", name="Delen met de adviesraden").click()
    expect(second_page.locator(".utrecht-alert[role=status]")).to_contain_text("Het concept is gedeeld met de adviesraden")

    log_in(page, "rita@example.org")
    expect(bell(page)).to_have_text("1 ongelezen")
    page.get_by_role("link", name="Meldingen").click()
    expect(page.get_by_role("link", name="Het concept van de inkoopstrategie van “Marktconsultatie Wmo” is gedeeld "
                                          "met de adviesraden")).to_be_visible()
    page.goto("/consultations/wmo")
    section = page.get_by_role("region", name="Het concept van de inkoopstrategie")
    expect(section).to_contain_text("Het projectteam heeft het concept van de inkoopstrategie gedeeld met de adviesraden.")
    check_accessibility(page, "consultation page of a council")
    section.get_by_role("link", name="Het concept van de inkoopstrategie lezen en becommentariëren").click()
    expect(page).to_have_url(re.compile(r"/consultations/wmo/strategy$"))
    expect(page.get_by_role("heading", level=1, name="Inkoopstrategie")).to_be_visible()


def test_a_contact_person_sends_an_invitation_again_and_withdraws_it(page, live):
    setup()
    log_in(page, "anna@example.org")
    page.get_by_role("link", name="Mijn organisatie").click()
    expect(page.get_by_text("Er zijn geen uitnodigingen die nog op acceptatie wachten.")).to_be_visible()
    page.get_by_label("E-mailadres van wie u uitnodigt").fill("collega@zorg-a.example.org")
    page.get_by_role("button", name="Uitnodiging versturen").click()
    table = page.get_by_role("region", name="Uitnodigingen die nog niet zijn geaccepteerd")
    expect(table).to_contain_text("collega@zorg-a.example.org (lid)")
    expect(table).to_contain_text("collega@zorg-a.example.org")
    expect(table).to_contain_text("door Anna Aanbieder")
    check_accessibility(page, "organisation page with a pending invitation")
    table.get_by_role("button", name="Opnieuw versturen : collega@zorg-a.example.org").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_contain_text(
        "De uitnodiging aan collega@zorg-a.example.org is opnieuw verstuurd. De link in de eerdere e-mail werkt niet meer.")
    page.set_viewport_size({"width": 320, "height": 700})
    assert_no_horizontal_overflow(page, "organisation-invitations")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.get_by_role("button", name="Intrekken : collega@zorg-a.example.org").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_contain_text(
        "De uitnodiging aan collega@zorg-a.example.org is ingetrokken; de link werkt niet meer.")
    expect(page.get_by_text("Er zijn geen uitnodigingen die nog op acceptatie wachten.")).to_be_visible()
