"""Notifications: stored first, delivered by a real SMTP server, retried, never lost or doubled."""
from __future__ import annotations

import socket
from datetime import UTC, timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, TeamRole, Theme
from consult.core.mail import outbox
from consult.core.outbox import MailStatus, OutboundMail, deliver_due, deliver_mail, dispatch_committed
from consult.core.time import utcnow
from consult.extensions import db
from consult.notify.models import Frequency, Kind, Notification, Preference
from consult.notify.services import notify, send_digests, set_frequency
from consult.orgs.models import MemberRole, OrgKind
from consult.qa.models import QaItem
from consult.responses.models import Response, ResponseStatus
from consult.responses.notifications import send_reminders
from tests.conftest import make_org, make_user, post_form, sign_in, text_of


class Recorder:
    """An SMTP handler that keeps every message it accepted."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """A real local SMTP server that a test can stop and start again on the same port."""

    def __init__(self):
        self.port = free_port()
        self.recorder = Recorder()
        self.controller = None

    def start(self):
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(app, monkeypatch):
    server = SmtpServer()
    server.start()
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)
    yield server
    server.stop()


@pytest.fixture
def world(app):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo Leidse regio", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=20), principles=[])
    theme = Theme(title="Dienstverlening", position=0)
    theme.questions.append(Question(text="Wat is uw kostprijs per uur?", kind=QuestionKind.NUMBER, unit="euro",
                                    confidential_default=True, position=0))
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    org_a, org_b = make_org("Zorg A", kvk="11111111"), make_org("Zorg B", kvk="22222222")
    users = {
        "provider": make_user("a@example.org", name="Anna Aanbieder", org=org_a, role=MemberRole.CONTACT),
        "colleague": make_user("a2@example.org", name="Arie Collega", org=org_a, locale="en"),
        "provider2": make_user("b@example.org", name="Bert Ander", org=org_b),
        "editor": make_user("editor@example.org", name="Eva Editor", org=leiden),
    }
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=users["editor"].id, role=TeamRole.EDITOR))
    db.session.commit()
    return {"consultation": consultation, "users": users, "orgs": {"a": org_a, "b": org_b}}


def clients_for(app, world, *keys):
    result = {}
    for key in keys:
        result[key] = app.test_client()
        sign_in(result[key], world["users"][key])
    return result


def publish_qa(editor_client, text="Mag een aanbieder onderaannemers inzetten?"):
    response = post_form(editor_client, "/consultations/wmo/qa/manage", {})
    item_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return post_form(editor_client, f"/qa/{item_id}",
                     {"theme": "0", "question": text, "answer": "Ja, onder voorwaarden.", "action": "publish"})


def start_response(client, org):
    response = post_form(client, "/consultations/wmo/respond", {"organisation_id": str(org.id)},
                         csrf_from="/consultations/wmo")
    assert response.status_code == 302
    return db.session.scalar(select(Response).where(Response.organisation_id == org.id))


def mails():
    return db.session.scalars(select(OutboundMail).order_by(OutboundMail.id)).all()


# --- delivery with a real SMTP server ------------------------------------------------------------

def test_smtp_down_mid_run_action_succeeds_and_each_mail_arrives_exactly_once(app, world, smtp):
    c = clients_for(app, world, "provider", "provider2", "editor")
    start_response(c["provider"], world["orgs"]["a"])
    start_response(c["provider2"], world["orgs"]["b"])
    assert publish_qa(c["editor"], "Eerste vraag?").status_code == 302
    # Delivered inline after the request while the server was up.
    assert len(smtp.recorder.to("a@example.org")) == 1
    smtp.stop()  # the mail server goes down in the middle of the run
    response = publish_qa(c["editor"], "Tweede vraag?")
    assert response.status_code == 302  # the action still succeeds
    assert db.session.scalar(select(func.count(QaItem.id)).where(QaItem.number.is_not(None))) == 2
    waiting = db.session.scalars(select(OutboundMail).where(OutboundMail.status == MailStatus.PENDING)).all()
    assert {m.to_address for m in waiting} == {"a@example.org", "a2@example.org", "b@example.org"}
    assert all(m.attempts == 1 and "Connection" in m.last_error for m in waiting)
    assert all(m.next_attempt_at > utcnow() + timedelta(seconds=50) for m in waiting)
    # Not due yet: nothing is tried.
    assert deliver_due() == {}
    smtp.start()
    assert deliver_due(now=utcnow() + timedelta(minutes=2)) == {"sent": 3}
    assert deliver_due(now=utcnow() + timedelta(hours=1)) == {}
    for address in ("a@example.org", "a2@example.org", "b@example.org"):
        subjects = [m["Subject"] for m in smtp.recorder.to(address)]
        assert len(subjects) == 2 and len(set(subjects)) == 2, subjects
    assert {m.status for m in mails()} == {MailStatus.SENT}


def test_retries_back_off_and_then_mark_the_mail_failed(app, world, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    smtp.stop()
    notify([world["users"]["provider"]], Kind.QA, data={"consultation": "Wmo", "n": 1, "question": "?"}, link="/")
    db.session.commit()
    mail = mails()[0]
    now = utcnow()
    waits = []
    for _attempt in range(3):
        deliver_due(now=now)
        db.session.refresh(mail)
        waits.append(mail.next_attempt_at - now)
        now = mail.next_attempt_at
    assert mail.status == MailStatus.FAILED and mail.attempts == 3
    assert [round(w.total_seconds()) for w in waits[:2]] == [60, 120]
    smtp.start()
    assert deliver_due(now=now + timedelta(days=1)) == {}
    assert smtp.recorder.messages == []


def test_a_claimed_mail_is_never_sent_by_a_second_worker(app, world, smtp):
    notify([world["users"]["provider"]], Kind.QA, data={"consultation": "Wmo", "n": 1, "question": "?"}, link="/")
    db.session.commit()
    mail = mails()[0]
    mail.status = MailStatus.SENDING  # another worker holds the claim
    mail.claimed_at = utcnow()
    db.session.commit()
    assert deliver_mail(mail.id) == "skipped"
    assert deliver_due() == {}
    assert smtp.recorder.messages == []
    # A claim of a worker that died is freed after a minute and delivered once.
    assert deliver_due(now=utcnow() + timedelta(minutes=11)) == {"sent": 1}
    assert deliver_mail(mail.id) == "skipped"
    assert len(smtp.recorder.messages) == 1


def test_mail_has_a_plain_text_part_the_recipients_language_and_a_working_one_click_unsubscribe(app, world, smtp):
    c = clients_for(app, world, "provider", "editor")
    start_response(c["provider"], world["orgs"]["a"])
    publish_qa(c["editor"])
    dutch = smtp.recorder.to("a@example.org")[0]
    english = smtp.recorder.to("a2@example.org")[0]
    assert dutch["Subject"] == "Vraag 1 van “Wmo Leidse regio” is beantwoord"
    assert english["Subject"] == "Question 1 of “Wmo Leidse regio” has been answered"
    assert dutch.get_body(("plain",)).get_content().startswith("Beste Anna Aanbieder,")
    assert "<a href=" in dutch.get_body(("html",)).get_content()
    assert dutch["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(dutch["List-Unsubscribe"]).strip().strip("<>")
    assert link in dutch.get_body(("plain",)).get_content()
    path = link.removeprefix("http://localhost")
    anonymous = app.test_client()
    page = anonymous.get(path)
    assert page.status_code == 200 and "a@example.org" in text_of(page)
    assert db.session.scalar(select(func.count(Preference.id))) == 0  # looking changes nothing
    # What a mail client does for one-click unsubscribe (RFC 8058): POST, no session, no login.
    done = anonymous.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    prefs = db.session.scalars(select(Preference)).all()
    assert [(p.user_id, p.kind, p.frequency) for p in prefs] == [(world["users"]["provider"].id, Kind.QA, Frequency.OFF)]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "notifications_unsubscribed")) is not None
    # A changed token does nothing.
    assert anonymous.post(path[:-3] + "abc").status_code == 404
    # Only that kind, only that user: the next answer reaches the colleague by mail, not Anna.
    publish_qa(c["editor"], "Nog een vraag?")
    assert len(smtp.recorder.to("a@example.org")) == 1
    assert len(smtp.recorder.to("a2@example.org")) == 2
    # ... while Anna still finds it in her notification list.
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == world["users"]["provider"].id)) == 2


def test_no_confidential_content_in_mail(app, world, smtp):
    c = clients_for(app, world, "provider", "editor")
    response = start_response(c["provider"], world["orgs"]["a"])
    question = world["consultation"].themes[0].questions[0]
    saved = post_form(c["provider"], f"/responses/{response.id}/answers/{question.id}",
                      {f"q-{question.id}": "61,37", f"v-{question.id}": "0", f"c-{question.id}": "1"},
                      csrf_from=f"/responses/{response.id}", headers={"HX-Request": "true"})
    assert saved.status_code == 200
    submitted = post_form(c["provider"], f"/responses/{response.id}/review",
                          {"confirm": "1", "publication": "anonymous"}, csrf_from=f"/responses/{response.id}/review")
    assert submitted.status_code == 302, text_of(submitted)
    received = smtp.recorder.to("a@example.org")
    assert len(received) == 1 and received[0]["Subject"] == "Ontvangstbewijs: reactie van Zorg A ingediend"
    for message in smtp.recorder.messages:
        raw = message.as_string()
        assert "61,37" not in raw and "61.37" not in raw


# --- digests, reminders -----------------------------------------------------------------------

def test_daily_digest_groups_per_consultation_and_runs_once_a_day(app, world):
    provider = world["users"]["provider"]
    set_frequency(provider, Kind.QA, Frequency.DAILY)
    db.session.commit()
    for n in (1, 2):
        notify([provider], Kind.QA, consultation=world["consultation"],
               data={"consultation": "Wmo Leidse regio", "n": n, "question": f"Vraag {n}?"}, link=f"/qa#{n}")
    db.session.commit()
    dispatch_committed()
    assert outbox() == []  # nothing at once
    assert send_digests() == 1
    db.session.commit()
    dispatch_committed()
    assert [m["To"] for m in outbox()] == ["a@example.org"]
    body = outbox()[0].get_body(("plain",)).get_content()
    assert "== Wmo Leidse regio ==" in body
    assert "Vraag 1 van " in body and "Vraag 2 van " in body
    # Running again the same day sends nothing twice, even with a new item waiting.
    notify([provider], Kind.QA, consultation=world["consultation"],
           data={"consultation": "Wmo Leidse regio", "n": 3, "question": "Vraag 3?"}, link="/qa#3")
    db.session.commit()
    assert send_digests() == 0
    db.session.commit()
    dispatch_committed()
    assert len(outbox()) == 1
    # The next day the waiting item goes out, alone.
    assert send_digests(now=utcnow() + timedelta(days=1)) == 1
    db.session.commit()
    dispatch_committed()
    assert len(outbox()) == 2
    later = outbox()[1].get_body(("plain",)).get_content()
    assert "Vraag 3 van " in later and "Vraag 1 van " not in later


def test_reminders_go_only_to_organisations_with_an_unsubmitted_draft_once_per_window(app, world):
    consultation = world["consultation"]
    org_c = make_org("Zorg C", kvk="33333333")
    make_user("c@example.org", name="Cor Zonder", org=org_c)
    db.session.add_all([
        Response(consultation_id=consultation.id, organisation_id=world["orgs"]["a"].id, status=ResponseStatus.DRAFT),
        Response(consultation_id=consultation.id, organisation_id=world["orgs"]["b"].id,
                 status=ResponseStatus.SUBMITTED),
    ])
    db.session.commit()
    # Noon in Amsterdam tomorrow: the days left count calendar days, so the test must not
    # depend on the hour it runs at.
    from datetime import datetime
    from datetime import time as clock

    from consult.core.time import AMSTERDAM, to_local

    tomorrow = to_local(utcnow()).date() + timedelta(days=1)
    now = datetime.combine(tomorrow, clock(12), tzinfo=AMSTERDAM).astimezone(UTC)
    consultation.closes_at = now + timedelta(days=10)
    db.session.commit()
    assert send_reminders(now) == 0
    consultation.closes_at = now + timedelta(days=6, hours=2)
    db.session.commit()
    assert send_reminders(now) == 2  # both users of Zorg A
    db.session.commit()
    assert send_reminders(now) == 0
    assert send_reminders(now + timedelta(days=2)) == 0  # still the 7-day window
    db.session.commit()
    dispatch_committed()
    assert sorted(m["To"] for m in outbox()) == ["a2@example.org", "a@example.org"]
    assert send_reminders(now + timedelta(days=6)) == 2  # the 1-day window
    db.session.commit()
    assert send_reminders(now + timedelta(days=6, hours=1)) == 0
    dispatch_committed()
    assert len(outbox()) == 4
    assert "b@example.org" not in {m["To"] for m in outbox()} and "c@example.org" not in {m["To"] for m in outbox()}
    english = next(m for m in outbox() if m["To"] == "a2@example.org")
    assert english["Subject"] == "6 days left to submit to “Wmo Leidse regio”"


def test_send_digests_and_reminders_commands_are_idempotent(app, world):
    provider = world["users"]["provider"]
    set_frequency(provider, Kind.QA, Frequency.DAILY)
    notify([provider], Kind.QA, data={"consultation": "Wmo", "n": 1, "question": "?"}, link="/")
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["send-digests"])
    second = runner.invoke(args=["send-digests"])
    assert (first.output, second.output) == ("Queued 1 digest(s).\n", "Queued 0 digest(s).\n")
    assert runner.invoke(args=["send-reminders"]).output == "Sent 0 reminder(s).\n"
    assert len(outbox()) == 1


# --- the in-app list and settings -----------------------------------------------------------------

def test_bell_shows_unread_count_and_marking_read_is_per_user(app, world):
    provider, other = world["users"]["provider"], world["users"]["provider2"]
    for n in (1, 2):
        notify([provider, other], Kind.QA, data={"consultation": "Wmo", "n": n, "question": f"Vraag {n}"},
               link=f"/consultations/wmo/qa#qa-{n}")
    db.session.commit()
    c = clients_for(app, world, "provider", "provider2")
    assert "Meldingen 2 ongelezen" in text_of(c["provider"].get("/"))
    page = c["provider"].get("/notifications")
    assert text_of(page).count("Nieuw") == 2 and "Vraag 2 van “Wmo” is beantwoord" in text_of(page)
    mine = db.session.scalars(select(Notification).where(Notification.user_id == provider.id)).all()
    theirs = db.session.scalars(select(Notification).where(Notification.user_id == other.id)).all()
    # Someone else's notification: 404, and it stays unread.
    assert post_form(c["provider"], f"/notifications/{theirs[0].id}/read").status_code == 404
    assert post_form(c["provider"], f"/notifications/{mine[0].id}/read").status_code == 302
    assert "Meldingen 1 ongelezen" in text_of(c["provider"].get("/"))
    assert post_form(c["provider"], "/notifications/read").status_code == 302
    assert "ongelezen" not in text_of(c["provider"].get("/"))
    assert "Meldingen 2 ongelezen" in text_of(c["provider2"].get("/"))


def test_settings_per_kind(app, world):
    c = clients_for(app, world, "provider")
    page = c["provider"].get("/account/notifications")
    assert page.status_code == 200
    data = {kind.value: "immediate" for kind in Kind} | {"qa": "daily", "thread_reply": "off"}
    assert post_form(c["provider"], "/account/notifications", data).status_code == 302
    prefs = {p.kind: p.frequency for p in db.session.scalars(select(Preference))}
    assert prefs == {Kind.QA: Frequency.DAILY, Kind.THREAD_REPLY: Frequency.OFF}
    bad = post_form(c["provider"], "/account/notifications", data | {"qa": "hourly"})
    assert bad.status_code == 200 and "Fout:" in text_of(bad)


# --- events from the features --------------------------------------------------------------------

def test_thread_reply_tells_followers_but_not_the_author(app, world):
    c = clients_for(app, world, "provider", "provider2")
    created = post_form(c["provider"], "/consultations/wmo/discussion",
                        {"theme": "0", "title": "Reistijd", "body": "Hoe tellen jullie reistijd?"})
    assert created.status_code == 302
    thread_id = int(created.headers["Location"].split("#")[0].rstrip("/").rsplit("/", 1)[1])
    assert post_form(c["provider2"], f"/discussion/{thread_id}/posts", {"body": "Goede vraag."}).status_code in (200, 302)
    kinds = db.session.execute(select(Notification.user_id, Notification.kind)).all()
    assert kinds == [(world["users"]["provider"].id, Kind.THREAD_REPLY)]


def test_deadline_extension_tells_everyone_registered(app, world):
    """Also the organisation that has not started a response (Zorg B): it may still respond, now later."""
    c = clients_for(app, world, "provider")
    start_response(c["provider"], world["orgs"]["a"])
    from consult.consultations.services import extend_deadline

    extend_deadline(world["consultation"], world["consultation"].closes_at + timedelta(days=7),
                    by=world["users"]["editor"])
    db.session.commit()
    rows = db.session.execute(select(Notification.user_id, Notification.kind, Notification.data)).all()
    assert {(r[0], r[1], r[2]["change"]) for r in rows} == {
        (world["users"]["provider"].id, Kind.CHANGED, "deadline"),
        (world["users"]["colleague"].id, Kind.CHANGED, "deadline"),
        (world["users"]["provider2"].id, Kind.CHANGED, "deadline")}


# --- RQ on Redis ----------------------------------------------------------------------------------

def test_with_redis_the_worker_delivers_through_rq(app, world, smtp, rq_queue):
    from rq import SimpleWorker

    queue, connection = rq_queue, rq_queue.connection
    notify([world["users"]["provider"]], Kind.QA, data={"consultation": "Wmo", "n": 1, "question": "?"}, link="/")
    db.session.commit()
    assert dispatch_committed() == 1
    assert queue.count == 1 and smtp.recorder.messages == []  # queued, not yet sent
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert len(smtp.recorder.to("a@example.org")) == 1
    db.session.expire_all()
    assert mails()[0].status == MailStatus.SENT
