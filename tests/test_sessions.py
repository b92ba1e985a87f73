"""Dialogue sessions: scheduling by the team, registration on behalf of an organisation with a
per-organisation limit and a waiting list that moves up by itself, the calendar file, the
reminder the day before, the participant list and attendance."""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from icalendar import Calendar
from sqlalchemy import func, select

from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation, ParticipantAudience, Status, TeamRole, Theme
from consult.core.outbox import OutboundMail
from consult.core.time import combine_local, utcnow
from consult.extensions import db
from consult.notify.models import Kind, Notification
from consult.orgs.models import MemberRole, OrgKind
from consult.sessions.models import (
    AgendaItem,
    DialogueSession,
    Registration,
    RegistrationStatus,
    SessionStatus,
    WrittenInput,
)
from consult.sessions.services import (
    InputChangedMeanwhile,
    SessionChangedMeanwhile,
    SessionRefused,
    add_agenda_item,
    add_minutes_point,
    cancel_registration,
    cancel_session,
    change_session,
    publish_agenda,
    register,
    save_written_input,
    schedule_session,
    send_session_reminders,
)
from tests.conftest import add_team, clients_for, get_csrf, make_org, make_user, post_form, text_of

DAY = date.today() + timedelta(days=20)


@pytest.fixture
def world(app):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo 2027", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=30), principles=[])
    consultation.themes.append(Theme(title="Dienstverlening", position=0))
    db.session.add(consultation)
    db.session.commit()
    org_a, org_b, org_c = make_org("Zorg A", kvk="11111111"), make_org("Zorg B", kvk="22222222"), \
        make_org("Zorg C", kvk="33333333")
    council = make_org("Adviesraad Leiden", kind=OrgKind.COUNCIL)
    users = {
        "a1": make_user("a1@example.org", name="Anna Eerste", org=org_a),
        "a2": make_user("a2@example.org", name="Arie Tweede", org=org_a),
        "a3": make_user("a3@example.org", name="Astrid Derde", org=org_a),
        "b1": make_user("b1@example.org", name="Bert Bakker", org=org_b),
        "c1": make_user("c1@example.org", name="Cor Claes", org=org_c),
        "council": make_user("raad@example.org", name="Rita Raad", org=council),
        "editor": make_user("editor@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT),
        "analyst": make_user("analyst@example.org", name="Ali Analist"),
    }
    add_team(consultation, {users["editor"]: TeamRole.EDITOR, users["analyst"]: TeamRole.ANALYST})
    return {"consultation": consultation, "users": users, "orgs": {"a": org_a, "b": org_b, "c": org_c,
                                                                     "council": council}}


def _session(world, **overrides) -> DialogueSession:
    values = dict(title="Dialoogtafel dagbesteding", purpose="We bespreken de **wijkteams**.",
                  address="Stadhuisplein 1\n2311 EJ Leiden", online_link="",
                  starts_at=combine_local(DAY, time(10, 0)), ends_at=combine_local(DAY, time(12, 0)),
                  registration_deadline=combine_local(DAY - timedelta(days=2), time(17, 0)),
                  capacity=2, seats_per_organisation=2, audience=ParticipantAudience.PROVIDERS, themes=[])
    values.update(overrides)
    session = schedule_session(world["consultation"], by=world["users"]["editor"], **values)
    db.session.commit()
    return session


def _register(world, who: str, org: str = "a", session=None) -> Registration:
    registration = register(session, by=world["users"][who], organisation=world["orgs"][org])
    db.session.commit()
    return registration


def _form(**overrides) -> dict:
    data = {"title": "Dialoogtafel wijkteams", "purpose": "Samen de wijkteams bespreken.", "themes": [],
            "address": "Stadhuisplein 1, Leiden", "online_link": "", "starts_on": DAY.isoformat(),
            "starts_time": "10:00", "ends_time": "12:00", "capacity": "20", "seats_per_organisation": "2",
            "audience": "providers", "deadline_on": "", "deadline_time": ""}
    data.update(overrides)
    return data


# --- scheduling ------------------------------------------------------------------------

def test_schedule_session_stores_amsterdam_wall_time_in_utc(app, world):
    client = clients_for(app, {"editor": world["users"]["editor"]})["editor"]
    theme = world["consultation"].themes[0]
    response = post_form(client, "/consultations/wmo/sessions/new",
                         _form(starts_on="2027-01-15", themes=[str(theme.id)]))
    session = db.session.scalar(select(DialogueSession))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/sessions/{session.id}"
    assert session.starts_at == datetime(2027, 1, 15, 9, 0, tzinfo=UTC)  # 10:00 in winter = 09:00 UTC
    assert session.ends_at == datetime(2027, 1, 15, 11, 0, tzinfo=UTC)
    assert session.registration_deadline == session.starts_at  # no deadline: registration closes at the start
    assert [t.title for t in session.themes] == ["Dienstverlening"]
    assert session.capacity == 20 and session.seats_per_organisation == 2
    assert session.audience == ParticipantAudience.PROVIDERS
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "session_scheduled")) \
        == "session_scheduled"


@pytest.mark.parametrize("overrides,field,message", [
    ({"online_link": "http://meet.example.org/x"}, "online_link", "Vul een online link in die begint met https://."),
    ({"address": "", "online_link": ""}, "address", "Vul een adres in, een online link, of allebei."),
    ({"ends_time": "09:00"}, "ends_time", "Het einde moet na het begin liggen."),
    ({"capacity": "0"}, "capacity", "Vul een aantal plaatsen in van 1 tot en met 10000."),
    ({"deadline_on": DAY.isoformat(), "deadline_time": ""}, "deadline_time",
     "Vul zowel de datum als de tijd van de aanmeldtermijn in."),
])
def test_schedule_session_refuses_bad_input_at_its_field_keeping_the_text(app, world, overrides, field, message):
    client = clients_for(app, {"editor": world["users"]["editor"]})["editor"]
    response = post_form(client, "/consultations/wmo/sessions/new", _form(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in text_of(response)
    assert f'href="#{field}"' in html  # the error summary links to the field
    assert f'id="{field}-error"' in html
    assert 'value="Dialoogtafel wijkteams"' in html  # what was typed stays
    assert db.session.scalar(select(func.count()).select_from(DialogueSession)) == 0


def test_deadline_after_the_start_is_refused_by_the_service(world):
    with pytest.raises(SessionRefused) as refused:
        _session(world, registration_deadline=combine_local(DAY, time(11, 0)))
    assert refused.value.field == "deadline_on"


def test_only_editors_schedule(app, world):
    clients = clients_for(app, {k: world["users"][k] for k in ("analyst", "a1")})
    assert clients["analyst"].get("/consultations/wmo/sessions/new").status_code == 403
    assert clients["a1"].get("/consultations/wmo/sessions/new").status_code == 403
    assert clients["anonymous"].get("/consultations/wmo/sessions/new").status_code == 302


def test_change_session_from_a_stale_version_is_refused_and_keeps_the_text(app, world):
    session = _session(world)
    editor = world["users"]["editor"]
    clients = clients_for(app, {"editor": editor})
    form_version = session.version
    # Another team member saves first.
    assert change_session(session, by=editor, version=form_version, **_values(session, title="Tafel A")) is True
    db.session.commit()
    response = post_form(clients["editor"], f"/sessions/{session.id}/edit",
                         _form(title="Tafel B", version=str(form_version), audience="providers"))
    db.session.refresh(session)
    assert response.status_code == 409
    assert "Iemand anders heeft deze tekst intussen opgeslagen" in text_of(response)
    assert 'value="Tafel B"' in response.get_data(as_text=True)  # the person's text is kept
    assert f'name="version" type="hidden" value="{form_version + 1}"' in response.get_data(as_text=True)
    assert session.title == "Tafel A" and session.version == form_version + 1


def _values(session, **overrides) -> dict:
    values = dict(title=session.title, purpose=session.purpose, address=session.address,
                  online_link=session.online_link, starts_at=session.starts_at, ends_at=session.ends_at,
                  registration_deadline=session.registration_deadline, capacity=session.capacity,
                  seats_per_organisation=session.seats_per_organisation, audience=session.audience,
                  themes=list(session.themes))
    values.update(overrides)
    return values


def test_change_session_raises_version_and_tells_every_registrant(world):
    session = _session(world, capacity=1)
    _register(world, "a1", session=session)
    _register(world, "b1", "b", session=session)
    editor = world["users"]["editor"]
    later = session.starts_at + timedelta(hours=1)
    assert change_session(session, by=editor, **_values(session, starts_at=later,
                                                        ends_at=later + timedelta(hours=2), capacity=2))
    db.session.commit()
    assert session.version == 2 and session.sequence == 1
    changed = db.session.scalars(select(Notification).where(Notification.kind == Kind.SESSION,
                                                            Notification.data["event"].as_string() == "changed")).all()
    assert sorted(n.user_id for n in changed) == sorted([world["users"]["a1"].id, world["users"]["b1"].id])
    # The larger capacity gave the waiting person a seat, and told them.
    b1 = db.session.scalar(select(Registration).where(Registration.user_id == world["users"]["b1"].id))
    assert b1.status == RegistrationStatus.REGISTERED
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == world["users"]["b1"].id,
        Notification.data["event"].as_string() == "moved_up")) == 1
    with pytest.raises(SessionChangedMeanwhile):
        change_session(session, by=editor, version=1, **_values(session, title="Oud"))


def test_cancel_session_keeps_it_listed_as_cancelled_and_tells_registrants(app, world, mail):
    session = _session(world)
    _register(world, "a1", session=session)
    clients = clients_for(app, {"editor": world["users"]["editor"], "a1": world["users"]["a1"]})
    response = post_form(clients["editor"], f"/sessions/{session.id}/cancel", {"version": str(session.version)})
    db.session.refresh(session)
    assert response.status_code == 302
    assert session.status == SessionStatus.CANCELLED and session.sequence == 1
    listed = text_of(clients["a1"].get("/consultations/wmo/sessions"))
    assert "Dialoogtafel dagbesteding Geannuleerd" in listed
    cancelled = db.session.scalar(select(Notification).where(Notification.user_id == world["users"]["a1"].id,
                                                             Notification.data["event"].as_string() == "cancelled"))
    assert cancelled is not None
    sent = db.session.scalar(select(OutboundMail).where(OutboundMail.to_address == "a1@example.org",
                                                        OutboundMail.subject.contains("geannuleerd")))
    assert sent.subject.endswith("“Dialoogtafel dagbesteding” is geannuleerd")
    assert f"http://localhost/sessions/{session.id}/calendar.ics" in sent.text_body
    # A cancelled session cannot be changed, and nobody can register any more.
    assert clients["editor"].get(f"/sessions/{session.id}/edit").status_code == 302
    with pytest.raises(SessionRefused):
        register(session, by=world["users"]["b1"], organisation=world["orgs"]["b"])


# --- registration ----------------------------------------------------------------------

def test_registration_beyond_capacity_goes_on_the_waiting_list_with_its_position(world):
    session = _session(world, capacity=2)
    first, second = _register(world, "a1", session=session), _register(world, "b1", "b", session=session)
    third, fourth = _register(world, "c1", "c", session=session), _register(world, "a2", "a", session=session)
    assert [r.status for r in (first, second, third, fourth)] == [
        RegistrationStatus.REGISTERED, RegistrationStatus.REGISTERED, RegistrationStatus.WAITING,
        RegistrationStatus.WAITING]
    from consult.sessions.services import counts, waiting_position
    assert counts(session) == (2, 2)
    assert (waiting_position(third), waiting_position(fourth), waiting_position(first)) == (1, 2, None)


def test_an_organisation_has_at_most_its_seats_waiting_places_included(world):
    session = _session(world, capacity=1, seats_per_organisation=2)
    _register(world, "a1", session=session)
    _register(world, "a2", session=session)  # waiting, but counts for Zorg A
    with pytest.raises(SessionRefused) as refused:
        _register(world, "a3", session=session)
    assert str(refused.value) == "Zorg A heeft al 2 aanmeldingen voor deze sessie, het maximum voor één organisatie."
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 2


def test_one_person_registers_once(world):
    session = _session(world)
    _register(world, "a1", session=session)
    with pytest.raises(SessionRefused) as refused:
        _register(world, "a1", session=session)
    assert refused.value.field == "organisation"
    assert str(refused.value) == "U bent al aangemeld voor deze sessie."


def test_registration_closes_at_the_deadline_and_at_the_start(world):
    session = _session(world)
    with pytest.raises(SessionRefused):
        register(session, by=world["users"]["a1"], organisation=world["orgs"]["a"],
                 now=session.registration_deadline)
    just_before = session.registration_deadline - timedelta(seconds=1)
    assert register(session, by=world["users"]["a1"], organisation=world["orgs"]["a"],
                    now=just_before).status == RegistrationStatus.REGISTERED
    assert session.registration_open(session.starts_at) is False


def test_cancelling_moves_the_first_on_the_waiting_list_up_and_tells_them(world, mail):
    session = _session(world, capacity=1)
    first = _register(world, "a1", session=session)
    waiting = _register(world, "b1", "b", session=session)
    later = _register(world, "c1", "c", session=session)
    moved = cancel_registration(first, by=world["users"]["a1"])
    db.session.commit()
    assert moved == [waiting]
    assert (first.status, waiting.status, later.status) == (
        RegistrationStatus.CANCELLED, RegistrationStatus.REGISTERED, RegistrationStatus.WAITING)
    told = db.session.scalars(select(Notification).where(Notification.data["event"].as_string() == "moved_up")).all()
    assert [n.user_id for n in told] == [world["users"]["b1"].id]
    sent = db.session.scalar(select(OutboundMail).where(OutboundMail.to_address == "b1@example.org",
                                                        OutboundMail.subject.contains("plaats")))
    assert sent.subject.endswith("Een plaats voor u bij “Dialoogtafel dagbesteding”")
    assert f"{DAY.day} " in sent.text_body and " om 10:00 tot 12:00" in sent.text_body  # Amsterdam time, one day
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["session_registration_cancelled", "session_moved_up"]
    # The freed seat was taken: a new registration waits behind the one already waiting.
    again = _register(world, "a1", session=session)
    assert again.status == RegistrationStatus.WAITING


def test_parallel_registrations_never_take_more_seats_than_the_session_has(app, world):
    session = _session(world, capacity=2, seats_per_organisation=5)
    people = {f"p{n}": make_user(f"p{n}@example.org", name=f"Persoon {n}", org=world["orgs"][org])
              for n, org in enumerate(["a", "a", "b", "b", "c", "c"])}
    clients = clients_for(app, people)
    barrier = threading.Barrier(len(people))
    answers = []
    org_of = {key: user.memberships[0].organisation_id for key, user in people.items()}
    url = f"/sessions/{session.id}"

    def send(key):
        client = clients[key]
        token = get_csrf(client, url)
        barrier.wait()
        answers.append(client.post(f"{url}/register",
                                   data={"csrf_token": token, "organisation": str(org_of[key])}).status_code)

    threads = [threading.Thread(target=send, args=(key,)) for key in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [302] * len(people)
    statuses = db.session.scalars(select(Registration.status)).all()
    assert sorted(statuses) == sorted([RegistrationStatus.REGISTERED] * 2 + [RegistrationStatus.WAITING] * 4)


def test_provider_registers_through_the_page_and_sees_own_registration_only(app, world):
    session = _session(world)
    _register(world, "b1", "b", session=session)
    clients = clients_for(app, {"a1": world["users"]["a1"]})
    page = clients["a1"].get(f"/sessions/{session.id}")
    assert "Namens" in text_of(page) and "Bert Bakker" not in text_of(page)
    response = post_form(clients["a1"], f"/sessions/{session.id}/register",
                         {"organisation": str(world["orgs"]["a"].id)})
    assert response.status_code == 302
    shown = text_of(clients["a1"].get(f"/sessions/{session.id}"))
    assert "U bent aangemeld namens Zorg A." in shown
    assert "2 van 2 plaatsen bezet" in shown
    assert "Bert Bakker" not in shown and "Zorg B" not in shown  # nobody else's registration


def test_register_for_an_organisation_not_ones_own_is_refused_at_the_field(app, world):
    session = _session(world)
    clients = clients_for(app, {"a1": world["users"]["a1"]})
    response = post_form(clients["a1"], f"/sessions/{session.id}/register",
                         {"organisation": str(world["orgs"]["b"].id)})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_audience_decides_who_sees_and_registers(app, world):
    providers_only = _session(world, audience=ParticipantAudience.PROVIDERS)
    councils_only = _session(world, title="Raadstafel", audience=ParticipantAudience.COUNCILS)
    clients = clients_for(app, {k: world["users"][k] for k in ("a1", "council", "analyst")})
    assert clients["a1"].get(f"/sessions/{providers_only.id}").status_code == 200
    assert clients["a1"].get(f"/sessions/{councils_only.id}").status_code == 404
    assert clients["council"].get(f"/sessions/{providers_only.id}").status_code == 404
    assert clients["council"].get(f"/sessions/{councils_only.id}").status_code == 200
    assert clients["analyst"].get(f"/sessions/{councils_only.id}").status_code == 200
    assert clients["anonymous"].get(f"/sessions/{providers_only.id}").status_code == 302
    listed = text_of(clients["council"].get("/consultations/wmo"))
    assert "Raadstafel" in listed and "Dialoogtafel dagbesteding" not in listed
    assert post_form(clients["council"], f"/sessions/{providers_only.id}/register",
                     {"organisation": str(world["orgs"]["council"].id)}).status_code == 404


def test_invited_audience_is_the_consultations_invited_organisations(world):
    consultation = world["consultation"]
    with pytest.raises(SessionRefused) as refused:
        _session(world, audience=ParticipantAudience.INVITED)
    assert refused.value.field == "audience"
    db.session.rollback()
    consultation.invited = [world["orgs"]["b"]]
    db.session.commit()
    session = _session(world, audience=ParticipantAudience.INVITED)
    from consult.sessions.permissions import can_register
    assert can_register(world["users"]["b1"], session) is True
    assert can_register(world["users"]["a1"], session) is False


# --- the calendar file -----------------------------------------------------------------

def _ical(response) -> Calendar:
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.data)


def test_calendar_file_keeps_its_uid_raises_sequence_and_cancels(app, world):
    session = _session(world, starts_at=datetime(2027, 1, 15, 9, 0, tzinfo=UTC),
                       ends_at=datetime(2027, 1, 15, 11, 0, tzinfo=UTC),
                       registration_deadline=datetime(2027, 1, 14, 9, 0, tzinfo=UTC))
    _register(world, "a1", session=session)
    clients = clients_for(app, {"a1": world["users"]["a1"], "b1": world["users"]["b1"]})
    first = clients["a1"].get(f"/sessions/{session.id}/calendar.ics")
    calendar = _ical(first)
    event = calendar.walk("VEVENT")[0]
    uid = f"session-{session.id}@{urlsplit(app.config['BASE_URL']).hostname}"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(event["UID"]) == uid
    assert int(event["SEQUENCE"]) == 0
    assert b"DTSTART:20270115T090000Z" in first.data and b"DTEND:20270115T110000Z" in first.data
    assert str(event["LOCATION"]) == "Stadhuisplein 1, 2311 EJ Leiden"
    assert str(event["SUMMARY"]) == "Dialoogtafel dagbesteding"
    change_session(session, by=world["users"]["editor"], **_values(session, title="Dialoogtafel (nieuw)"))
    db.session.commit()
    changed = _ical(clients["a1"].get(f"/sessions/{session.id}/calendar.ics")).walk("VEVENT")[0]
    assert (str(changed["UID"]), int(changed["SEQUENCE"]), str(changed["SUMMARY"])) == (
        uid, 1, "Dialoogtafel (nieuw)")
    cancel_session(session, by=world["users"]["editor"])
    db.session.commit()
    cancelled = _ical(clients["a1"].get(f"/sessions/{session.id}/calendar.ics"))
    assert str(cancelled["METHOD"]) == "CANCEL"
    event = cancelled.walk("VEVENT")[0]
    assert (str(event["UID"]), int(event["SEQUENCE"]), str(event["STATUS"])) == (
        uid, 2, "CANCELLED")
    # Someone without a registration gets no calendar file.
    assert clients["b1"].get(f"/sessions/{session.id}/calendar.ics").status_code == 404


# --- the reminder ----------------------------------------------------------------------

def test_reminder_goes_the_day_before_once_per_registration(world):
    session = _session(world, capacity=1)
    seated = _register(world, "a1", session=session)
    _register(world, "b1", "b", session=session)  # waiting: no reminder
    two_days_before = session.starts_at - timedelta(days=2)
    assert send_session_reminders(now=two_days_before) == 0
    day_before = combine_local(DAY - timedelta(days=1), time(8, 0))
    assert send_session_reminders(now=day_before) == 1
    assert send_session_reminders(now=day_before + timedelta(hours=1)) == 0  # idempotent
    db.session.commit()
    reminders = db.session.scalars(select(Notification).where(
        Notification.data["event"].as_string() == "reminder")).all()
    assert [n.user_id for n in reminders] == [seated.user_id]
    assert reminders[0].dedupe_key == f"session-reminder:{seated.id}:u{seated.user_id}"


# --- the team's list, export and attendance -------------------------------------------

def test_team_sees_participants_exports_them_and_records_attendance(app, world):
    session = _session(world, capacity=1)
    seated = _register(world, "a1", session=session)
    _register(world, "b1", "b", session=session)
    world["users"]["b1"].name = "=HYPERLINK(\"x\")"
    db.session.commit()
    clients = clients_for(app, {k: world["users"][k] for k in ("editor", "analyst", "a1")})
    page = text_of(clients["analyst"].get(f"/sessions/{session.id}/participants"))
    assert "1 aangemelde deelnemer (van 1 plaats)" in page
    assert "Anna Eerste · Zorg A" in page
    assert clients["a1"].get(f"/sessions/{session.id}/participants").status_code == 403
    assert clients["a1"].get(f"/sessions/{session.id}/participants.csv").status_code == 403
    export = clients["editor"].get(f"/sessions/{session.id}/participants.csv")
    lines = export.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "Status;Plaats op de wachtlijst;Organisatie;Naam;E-mailadres;Aangemeld op;Aanwezigheid"
    assert lines[1].startswith("Aangemeld;;Zorg A;Anna Eerste;a1@example.org;")
    assert lines[2].startswith("Wachtlijst;1;Zorg B;\"'=HYPERLINK(\"\"x\"\")\";b1@example.org;")
    response = post_form(clients["editor"], f"/sessions/{session.id}/participants/{seated.id}/attendance",
                         {f"r{seated.id}-attended": "yes"})
    assert response.status_code == 302
    db.session.refresh(seated)
    assert seated.attended is True
    assert db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "session_attendance")) == {
        "session_id": session.id, "attended": True}
    # The analyst sees the list but does not record attendance.
    assert post_form(clients["analyst"], f"/sessions/{session.id}/participants/{seated.id}/attendance",
                     {f"r{seated.id}-attended": "no"}).status_code == 403


def test_a_registration_of_someone_else_cannot_be_cancelled_by_changing_the_id(app, world):
    session = _session(world)
    theirs = _register(world, "b1", "b", session=session)
    clients = clients_for(app, {"a1": world["users"]["a1"]})
    assert post_form(clients["a1"], f"/sessions/registrations/{theirs.id}/cancel").status_code == 404
    db.session.refresh(theirs)
    assert theirs.status == RegistrationStatus.REGISTERED


def test_session_reminder_command_and_scheduler_job_remind_once(app, world):
    session = _session(world)
    _register(world, "a1", session=session)
    runner = app.test_cli_runner()
    with time_machine.travel(combine_local(DAY - timedelta(days=1), time(9, 5)), tick=False):
        assert runner.invoke(args=["send-session-reminders"]).output == "sent 1 session reminder(s)\n"
        assert runner.invoke(args=["send-session-reminders"]).output == "sent 0 session reminder(s)\n"
    sent = db.session.scalars(select(OutboundMail.subject).where(OutboundMail.to_address == "a1@example.org")).all()
    assert sent[-1].endswith("Morgen: “Dialoogtafel dagbesteding”")


def test_attendance_without_a_valid_choice_says_so_and_changes_nothing(app, world):
    session = _session(world)
    seated = _register(world, "a1", session=session)
    clients = clients_for(app, {"editor": world["users"]["editor"]})
    response = post_form(clients["editor"], f"/sessions/{session.id}/participants/{seated.id}/attendance",
                         {f"r{seated.id}-attended": "maybe"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Kies de aanwezigheid van Anna Eerste." in text_of(response)
    db.session.refresh(seated)
    assert seated.attended is None


# --- agenda, written input and minutes -------------------------------------------------

def test_agenda_written_input_and_minutes_from_team_to_registrants(app, world):
    session = _session(world)
    registration = _register(world, "a1", session=session)
    clients = clients_for(app, {k: world["users"][k] for k in ("editor", "a1", "a2", "b1", "c1")})
    agenda_url = f"/sessions/{session.id}/agenda"
    assert post_form(clients["editor"], agenda_url, {"title": "Wijkteams", "description": "De rol van de wijkteams."}
                     ).status_code == 302
    assert post_form(clients["editor"], agenda_url, {"title": "Bekostiging", "description": ""}).status_code == 302
    first, second = db.session.scalars(select(AgendaItem).order_by(AgendaItem.id)).all()
    # Before publication the audience sees no agenda and cannot send input.
    assert "Wijkteams" not in text_of(clients["b1"].get(f"/sessions/{session.id}"))
    assert post_form(clients["b1"], f"/sessions/agenda/{first.id}/input",
                     {f"i{first.id}-organisation": str(world["orgs"]["b"].id), f"i{first.id}-text": "x"}).status_code == 403
    assert post_form(clients["editor"], f"{agenda_url}/publish").status_code == 302
    told = db.session.scalars(select(Notification.user_id).where(
        Notification.data["event"].as_string() == "agenda")).all()
    assert told == [registration.user_id]
    # A provider who cannot come sends written input; an empty one is refused at its field.
    refused = post_form(clients["b1"], f"/sessions/agenda/{first.id}/input",
                        {f"i{first.id}-organisation": str(world["orgs"]["b"].id), f"i{first.id}-text": "  ",
                         f"i{first.id}-version": "0", f"i{first.id}-publication": "none"})
    assert refused.status_code == 200
    assert f'href="#i{first.id}-text"' in refused.get_data(as_text=True)
    sent = post_form(clients["b1"], f"/sessions/agenda/{first.id}/input",
                     {f"i{first.id}-organisation": str(world["orgs"]["b"].id),
                      f"i{first.id}-text": "Wij kunnen niet komen. Wijkteams moeten vaker overleggen.",
                      f"i{first.id}-version": "0", f"i{first.id}-publication": "none"})
    assert sent.status_code == 302
    written = db.session.scalar(select(WrittenInput))
    assert (written.organisation_id, written.text, written.version) == (
        world["orgs"]["b"].id, "Wij kunnen niet komen. Wijkteams moeten vaker overleggen.", 1)
    # Another organisation never sees it; the team does.
    assert "vaker overleggen" not in text_of(clients["c1"].get(f"/sessions/{session.id}"))
    assert "vaker overleggen" in text_of(clients["b1"].get(f"/sessions/{session.id}"))
    assert "Zorg B" in text_of(clients["editor"].get(agenda_url)) and "vaker overleggen" in text_of(
        clients["editor"].get(agenda_url))
    # The team writes numbered points and publishes the minutes to the registrants.
    for text in ("Wijkteams overleggen maandelijks.", "De gemeente onderzoekt een vast aanspreekpunt."):
        assert post_form(clients["editor"], f"/sessions/agenda/{first.id}/minutes",
                         {f"m{first.id}-text": text}).status_code == 302
    assert post_form(clients["editor"], f"/sessions/agenda/{second.id}/minutes",
                     {f"m{second.id}-text": "Bekostiging per taak."}).status_code == 302
    assert clients["a1"].get(f"/sessions/{session.id}/minutes").status_code == 404  # not published yet
    assert post_form(clients["editor"], f"/sessions/{session.id}/minutes/publish").status_code == 302
    minutes = text_of(clients["a1"].get(f"/sessions/{session.id}/minutes"))
    parts = ["1. Wijkteams De rol van de wijkteams. 1.1 Wijkteams overleggen maandelijks.",
             "1.2 De gemeente onderzoekt een vast aanspreekpunt.", "2. Bekostiging 2.1 Bekostiging per taak."]
    assert [minutes.find(part) for part in parts] == sorted(minutes.find(part) for part in parts)
    assert min(minutes.find(part) for part in parts) > 0
    assert "vaker overleggen" not in minutes  # written input is for the team
    assert clients["b1"].get(f"/sessions/{session.id}/minutes").status_code == 404  # not registered
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.data["event"].as_string() == "minutes")) == 1
    # Published minutes do not change.
    with pytest.raises(SessionRefused):
        add_minutes_point(first, text="Later", by=world["users"]["editor"])


def test_written_input_from_a_stale_form_is_refused_and_keeps_the_text(app, world):
    session = _session(world)
    item = add_agenda_item(session, title="Wijkteams", description="", by=world["users"]["editor"])
    publish_agenda(session, by=world["users"]["editor"])
    db.session.commit()
    save_written_input(item, organisation=world["orgs"]["a"], text="Eerste versie", by=world["users"]["a1"], version=0)
    db.session.commit()
    clients = clients_for(app, {"a2": world["users"]["a2"]})
    # Anna's colleague started from the empty form (version 0) and saves later.
    response = post_form(clients["a2"], f"/sessions/agenda/{item.id}/input",
                         {f"i{item.id}-organisation": str(world["orgs"]["a"].id),
                          f"i{item.id}-text": "Tweede versie", f"i{item.id}-version": "0", f"i{item.id}-publication": "none"})
    assert response.status_code == 200
    assert "Iemand anders heeft deze tekst intussen opgeslagen" in text_of(response)
    assert "Tweede versie" in response.get_data(as_text=True)
    assert db.session.scalar(select(WrittenInput.text)) == "Eerste versie"
    with pytest.raises(InputChangedMeanwhile):
        save_written_input(item, organisation=world["orgs"]["a"], text="Derde", by=world["users"]["a2"], version=0)
