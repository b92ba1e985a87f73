"""A dialogue session from scheduling to attendance: the team schedules it (a refused link first),
a provider registers at 320 px and downloads the calendar file, a second provider lands on the
waiting list and moves up when the first cancels, and the team records attendance. And its agenda,
the written input of a provider who cannot come, and the minutes the registrants read: a point
attributed to an organisation that agreed to be named, a registrant's comment during the comment
period answered by the team, the point linked to the strategy with a disposition, and the report
preview with the session's section."""
from __future__ import annotations

import re
from datetime import date, time, timedelta
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from consult.auth.models import User
from consult.consultations.models import Consultation, ParticipantAudience, Status, TeamMember, TeamRole, Theme
from consult.core.mail import outbox
from consult.core.time import combine_local, to_local, utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from consult.sessions.services import register, schedule_session
from consult.strategy.services import create_draft
from tests.conftest import make_org, make_user
from tests.e2e.conftest import assert_no_horizontal_overflow, check_accessibility, sign_in_page

log_in = sign_in_page  # these journeys start logged in; logging in is tested on its own
INPUT_LABEL = "Uw schriftelijke inbreng bij “De rol van de wijkteams”"


def _world():
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Marktconsultatie Wmo", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=40), principles=[])
    consultation.themes.append(Theme(title="Dienstverlening", position=0))
    db.session.add(consultation)
    db.session.commit()
    make_user("anna@example.org", name="Anna Aanbieder", org=make_org("Zorg A", kvk="11111111"))
    make_user("bert@example.org", name="Bert Bakker", org=make_org("Zorg B", kvk="22222222"))
    editor = make_user("eva@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT)
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=editor.id, role=TeamRole.EDITOR))
    db.session.commit()


def test_session_from_scheduling_to_attendance(page, second_page, live):
    _world()
    day = date.today() + timedelta(days=21)

    # The team schedules the session; an http link is refused at its field, the text stays.
    log_in(page, "eva@example.org")
    page.goto("/consultations/wmo")
    page.get_by_role("link", name="Alle dialoogsessies").click()
    page.get_by_role("link", name="Een sessie plannen").click()
    page.get_by_label("Titel").fill("Dialoogtafel wijkteams")
    page.get_by_label("Doel").fill("Samen de rol van de wijkteams bespreken.")
    page.get_by_label("Dienstverlening").check()
    page.get_by_label("Adres").fill("Stadhuisplein 1\n2311 EJ Leiden")
    page.get_by_label("Online link").fill("http://meet.example.org/wijkteams")
    page.get_by_label("Datum", exact=True).fill(day.isoformat())
    page.get_by_label("Begintijd").fill("10:00")
    page.get_by_label("Eindtijd").fill("12:00")
    page.get_by_label("Aantal plaatsen").fill("1")
    page.get_by_label("Zorgaanbieders", exact=True).check()
    page.get_by_role("button", name="Sessie plannen").click()
    expect(page.locator(".error-summary")).to_contain_text("Vul een online link in die begint met https://.")
    expect(page.get_by_label("Online link")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Titel")).to_have_value("Dialoogtafel wijkteams")
    check_accessibility(page, "session form with an error")
    page.locator(".error-summary a").first.click()
    expect(page.get_by_label("Online link")).to_be_focused()
    page.get_by_label("Online link").fill("https://meet.example.org/wijkteams")
    page.get_by_role("button", name="Sessie plannen").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("De sessie is gepland.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dialoogtafel wijkteams")
    check_accessibility(page, "session page (team)")
    session_path = page.url.removeprefix(live.url)

    # A provider registers on a phone and downloads the calendar file.
    second_page.set_viewport_size({"width": 320, "height": 700})
    log_in(second_page, "anna@example.org")
    second_page.goto("/consultations/wmo")
    # The session is in the consultation's planning and in its list of sessions.
    expect(second_page.get_by_role("region", name="Planning").get_by_role("listitem")).to_contain_text(
        ["Dialoogsessie: Dialoogtafel wijkteams"])
    second_page.get_by_role("region", name="Dialoogsessies").get_by_role("link", name="Dialoogtafel wijkteams").click()
    expect(second_page.get_by_label("Namens")).to_have_value(second_page.get_by_label("Namens")
                                                               .locator("option").first.get_attribute("value"))
    check_accessibility(second_page, "session page (provider)")
    assert_no_horizontal_overflow(second_page, "session-page-provider-320")
    second_page.get_by_role("button", name="Aanmelden").click()
    expect(second_page.locator(".utrecht-alert[role=status]")).to_have_text(
        "U bent aangemeld. Zet de sessie in uw agenda met het agendabestand.")
    expect(second_page.get_by_text("U bent aangemeld namens Zorg A.")).to_be_visible()
    expect(second_page.get_by_text("1 van 1 plaatsen bezet")).to_be_visible()
    with second_page.expect_download() as info:
        second_page.get_by_role("link", name="Agendabestand downloaden (.ics)").click()
    download = info.value
    assert download.suggested_filename == f"sessie-{session_path.rsplit('/', 1)[1]}.ics"
    ics = Path(download.path()).read_text(encoding="utf-8")
    assert "BEGIN:VCALENDAR" in ics and "SUMMARY:Dialoogtafel wijkteams" in ics and "SEQUENCE:0" in ics
    check_accessibility(second_page, "registered (provider)")
    assert_no_horizontal_overflow(second_page, "session-registered-320")

    # A second provider lands on the waiting list.
    page.get_by_role("button", name="Uitloggen").click()
    log_in(page, "bert@example.org")
    page.goto(session_path)
    expect(page.get_by_text("De sessie is vol. Als u zich aanmeldt, komt u op de wachtlijst.")).to_be_visible()
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("De sessie is vol: u staat als nummer 1 op de wachtlijst.")
    expect(page.get_by_text("U staat namens Zorg B op de wachtlijst: nummer 1.")).to_be_visible()

    # The first provider cancels; the second moves up and is told.
    second_page.get_by_role("button", name="Mijn aanmelding annuleren").click()
    expect(second_page.locator(".utrecht-alert[role=status]")).to_have_text("Uw aanmelding is geannuleerd.")
    expect(second_page.get_by_role("button", name="Aanmelden")).to_be_visible()
    with live.app.app_context():
        subjects = [(m["To"], m["Subject"]) for m in outbox()]
    assert ("bert@example.org", "Een plaats voor u bij “Dialoogtafel wijkteams”") in subjects
    page.reload()
    expect(page.get_by_text("U bent aangemeld namens Zorg B.")).to_be_visible()

    # The team sees the list and records attendance.
    page.get_by_role("button", name="Uitloggen").click()
    log_in(page, "eva@example.org")
    page.goto(session_path)
    page.get_by_role("link", name="Deelnemers, wachtlijst en aanwezigheid").click()
    expect(page.get_by_text("Bert Bakker · Zorg B")).to_be_visible()
    expect(page.get_by_text("Anna Aanbieder")).to_have_count(0)
    check_accessibility(page, "participants")
    page.get_by_role("group", name="Aanwezigheid van Bert Bakker").get_by_label("Aanwezig", exact=True).check()
    page.get_by_role("button", name="Aanwezigheid opslaan").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("De aanwezigheid van Bert Bakker is vastgelegd.")
    expect(page.get_by_role("group", name="Aanwezigheid van Bert Bakker").get_by_label("Aanwezig", exact=True)) \
        .to_be_checked()
    page.set_viewport_size({"width": 320, "height": 700})
    assert_no_horizontal_overflow(page, "session-participants-320")


def test_agenda_written_input_and_minutes(page, second_page, live):
    _world()
    consultation = db.session.scalar(select(Consultation))
    day = date.today() + timedelta(days=21)
    editor = db.session.scalar(select(User).where(User.email == "eva@example.org"))
    anna = db.session.scalar(select(User).where(User.email == "anna@example.org"))
    session = schedule_session(consultation, by=editor, title="Dialoogtafel wijkteams", purpose="", address="Stadhuis",
                               online_link="", starts_at=combine_local(day, time(10)), ends_at=combine_local(day, time(12)),
                               registration_deadline=None, capacity=10, seats_per_organisation=2,
                               audience=ParticipantAudience.PROVIDERS, themes=[])
    register(session, by=anna, organisation=anna.memberships[0].organisation)
    create_draft(consultation, by=editor)
    db.session.commit()
    path = f"/sessions/{session.id}"

    # The registrant agrees that her organisation is named in the minutes.
    second_page.set_viewport_size({"width": 320, "height": 700})
    log_in(second_page, "anna@example.org")
    second_page.goto(path)
    consent = second_page.get_by_role("group", name="Mag uw organisatie in het verslag en bij de reacties daarop genoemd worden?")
    expect(consent.get_by_label("Nee, schrijf “een deelnemer”")).to_be_checked()
    consent.get_by_label("Ja, noem mijn organisatie bij wat zij zei").check()
    second_page.get_by_role("button", name="Mijn keuze opslaan").click()
    expect(second_page.locator(".utrecht-alert[role=status]")).to_have_text("Uw keuze is opgeslagen.")
    expect(consent.get_by_label("Ja, noem mijn organisatie bij wat zij zei")).to_be_checked()
    check_accessibility(second_page, "session page with the naming choice (registrant)")
    assert_no_horizontal_overflow(second_page, "session-naming-choice-320")
    second_page.context.clear_cookies()

    # The team writes and publishes the agenda.
    log_in(page, "eva@example.org")
    page.goto(path)
    page.get_by_role("link", name="Agenda, schriftelijke inbreng en verslag").click()
    page.get_by_label("Agendapunt", exact=True).fill("De rol van de wijkteams")
    page.get_by_role("button", name="Agendapunt toevoegen").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("Het agendapunt is toegevoegd.")
    page.get_by_role("button", name="Agenda publiceren").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text(
        "De agenda is gepubliceerd; wie zich heeft aangemeld, heeft bericht gekregen.")

    # A provider who cannot come sends written input on a phone; an empty save is refused at its field.
    log_in(second_page, "bert@example.org")
    second_page.goto(path)
    second_page.get_by_role("button", name="Mijn schriftelijke inbreng opslaan").click()
    expect(second_page.locator(".error-summary")).to_contain_text("Schrijf uw inbreng.")
    expect(second_page.get_by_label(INPUT_LABEL)).to_have_attribute("aria-invalid", "true")
    check_accessibility(second_page, "written input refused")
    second_page.get_by_label(INPUT_LABEL).fill("Wij kunnen niet komen. Wijkteams moeten vaker overleggen.")
    # The answers' publication choice, "do not publish" until the provider chooses otherwise.
    publication = second_page.get_by_role(
        "group", name="Mogen citaten uit uw schriftelijke inbreng in het consultatieverslag worden gepubliceerd?")
    expect(publication.get_by_label("Niet publiceren")).to_be_checked()
    publication.get_by_label("Citaten eruit publiceren zonder de naam van onze organisatie").check()
    second_page.get_by_role("button", name="Mijn schriftelijke inbreng opslaan").click()
    expect(second_page.locator(".utrecht-alert[role=status]")).to_have_text(
        "Uw schriftelijke inbreng bij “De rol van de wijkteams” is opgeslagen. Het projectteam leest die.")
    expect(second_page.get_by_label(INPUT_LABEL)).to_have_value(
        "Wij kunnen niet komen. Wijkteams moeten vaker overleggen.")
    expect(publication.get_by_label("Citaten eruit publiceren zonder de naam van onze organisatie")).to_be_checked()
    assert_no_horizontal_overflow(second_page, "session-written-input-320")

    # The team reads it, writes the minutes and publishes them to the registrants.
    page.reload()
    expect(page.get_by_text("Wijkteams moeten vaker overleggen.")).to_be_visible()
    page.get_by_label("Nieuw punt bij “De rol van de wijkteams”").fill(
        "De wijkteams overleggen voortaan maandelijks met de aanbieders.")
    attributed = page.get_by_label("Punt onder “De rol van de wijkteams” toegeschreven aan")
    expect(attributed.locator("option")).to_have_text(["Niet toegeschreven", "Zorg A (akkoord met vermelding)"])
    attributed.select_option(label="Zorg A (akkoord met vermelding)")
    page.get_by_role("button", name=re.compile(r"^Punt toevoegen\s*: De rol van de wijkteams$")).click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("Punt 1.1 is toegevoegd.")
    expect(page.locator(".minutes-point")).to_contain_text(
        ["1.1 · Zorg A De wijkteams overleggen voortaan maandelijks met de aanbieders. "
         "Buiten het team genoemd: de organisatie ging akkoord."])
    check_accessibility(page, "agenda and minutes (team)")
    last_day = to_local(utcnow()).date() + timedelta(days=14)  # the app's day (Amsterdam), not the machine's
    expect(page.get_by_label("Laatste dag om te reageren")).to_have_value(last_day.isoformat())
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Verslag publiceren").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_contain_text(
        "Het verslag is gepubliceerd voor wie zich heeft aangemeld; zij kunnen reageren tot en met ")

    # The registrant reads the minutes.
    second_page.context.clear_cookies()  # another person on the same phone
    log_in(second_page, "anna@example.org")
    second_page.goto(path)
    second_page.get_by_role("link", name="Het verslag lezen").click()
    expect(second_page.get_by_role("heading", level=2)).to_have_text("1. De rol van de wijkteams")
    expect(second_page.get_by_text("De wijkteams overleggen voortaan maandelijks met de aanbieders.")).to_be_visible()
    expect(second_page.get_by_text("vaker overleggen")).to_have_count(0)
    expect(second_page.locator(".minutes-point").first).to_contain_text("1.1 · Zorg A")
    check_accessibility(second_page, "minutes (registrant)")
    assert_no_horizontal_overflow(second_page, "session-minutes-320")

    # She comments on the point during the comment period.
    second_page.get_by_text("Reageren op punt 1.1").click()
    second_page.get_by_label("Uw reactie op punt 1.1").fill("Graag ook met de cliëntondersteuners erbij.")
    second_page.get_by_role("button", name="Reactie versturen").click()
    expect(second_page.locator(".utrecht-alert[role=status]")).to_have_text(
        "Uw reactie op punt 1.1 is opgeslagen. Het projectteam beantwoordt haar.")
    comment = second_page.locator(".minutes-comment")
    for text in ("Reactie van Zorg A", "Graag ook met de cliëntondersteuners erbij.", "Nog niet beantwoord."):
        expect(comment).to_contain_text(text)
    check_accessibility(second_page, "minutes with a comment (registrant)")
    # While the period is open she sharpens it.
    second_page.get_by_role("link", name=re.compile(r"^Uw reactie wijzigen")).click()
    expect(second_page.get_by_role("heading", level=1)).to_have_text("Uw reactie op punt 1.1 wijzigen")
    check_accessibility(second_page, "change a comment (registrant)")
    assert_no_horizontal_overflow(second_page, "session-comment-edit-320")
    second_page.get_by_label("Uw reactie op punt 1.1").fill("Graag ook met de cliëntondersteuners van de wijk erbij.")
    second_page.get_by_role("button", name="Reactie opslaan").click()
    expect(second_page.locator(".utrecht-alert[role=status]")).to_have_text("Uw reactie is gewijzigd.")
    expect(comment).to_contain_text("Graag ook met de cliëntondersteuners van de wijk erbij.")

    # The team answers the comment, corrects the point and marks it corrected.
    page.goto(f"{path}/agenda")
    page.get_by_role("link", name=re.compile(r"^Wijzigen\s*punt 1\.1")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Punt 1.1 wijzigen")
    check_accessibility(page, "change a published point")
    page.get_by_label("Punt 1.1").fill("De wijkteams overleggen voortaan maandelijks met de aanbieders en de "
                                       "cliëntondersteuners.")
    page.get_by_role("button", name="Punt opslaan").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("Punt 1.1 is gewijzigd.")
    expect(page.locator(".minutes-point")).to_contain_text(["Gewijzigd na publicatie, op "])
    page.goto(f"{path}/minutes")
    page.get_by_role("link", name=re.compile(r"^Deze reactie beantwoorden")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reactie op punt 1.1 beantwoorden")
    check_accessibility(page, "answer a comment")
    page.get_by_label("Antwoord van het projectteam").fill("Goed punt: de cliëntondersteuners schuiven aan.")
    page.get_by_label("Het punt is in het verslag gecorrigeerd").check()
    page.get_by_role("button", name="Antwoord opslaan").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text(
        "Het antwoord is opgeslagen; wie reageerde heeft bericht gekregen.")

    # The registrant sees the answer with her comment.
    second_page.reload()
    expect(comment).to_contain_text("Antwoord van het projectteam · Het punt is gecorrigeerd.")
    expect(comment).to_contain_text("Goed punt: de cliëntondersteuners schuiven aan.")
    assert_no_horizontal_overflow(second_page, "session-minutes-answered-320")

    # The team links the point to the strategy from the analysis, with a disposition.
    page.goto("/consultations/wmo/analysis/sessions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dialoogsessies")
    check_accessibility(page, "analysis of the sessions")
    page.get_by_role("link", name=re.compile(r"^Koppelen aan de strategie\s*: Punt 1\.1")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbreng koppelen aan de strategie")
    page.get_by_label("Onderdeel van de strategie").select_option(label="Algemeen deel")
    page.get_by_label("Overgenomen", exact=True).check()
    page.get_by_role("textbox", name="Reden").fill("Het maandelijkse overleg komt in de uitgangspunten.")
    page.get_by_role("button", name="Koppelen aan de strategie").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_contain_text("gekoppeld")

    # The report preview has the session's section.
    page.goto("/consultations/wmo/report")
    expect(page.get_by_role("heading", name="Dialoogsessies", exact=True)).to_be_visible()
    section = page.locator("table").filter(has_text="Wat er gezegd is")
    expect(section).to_contain_text(
        "De wijkteams overleggen voortaan maandelijks met de aanbieders en de cliëntondersteuners. (Zorg A)")
    expect(section).to_contain_text("Graag ook met de cliëntondersteuners van de wijk erbij.")
    expect(section).to_contain_text("Overgenomen (Algemeen deel): Het maandelijkse overleg komt in de uitgangspunten.")
    expect(page.get_by_text("vaker overleggen")).to_have_count(0)
    check_accessibility(page, "report preview with the sessions section")
