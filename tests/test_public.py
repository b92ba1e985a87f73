"""A market consultation is public by default (issue 18): anyone, without an account, reads the
published questions and answers, published advice with the team's reply per point, and the published
report, and downloads the report and the public answers (XLSX too). The team can close a consultation to
invited organisations: then anonymous visitors and organisations that are not invited see none of it.
What the public sees is decided by the disclosure gate; tests/test_leaks.py reads it as an anonymous
visitor too.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from consult.advice.models import Advice, AdviceStatus, Disposition
from consult.advice.services import publish_reply, save_reply
from consult.audit.models import AuditEvent
from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.consultations.services import close, extend_deadline, set_access
from consult.core.jobs import run_committed_jobs
from consult.demo import DEMO_PASSWORD
from consult.extensions import db
from consult.notify.models import Kind, Notification
from consult.notify.services import audience
from consult.qa.models import QaItem, QaStatus
from consult.reports.services import publish as publish_report
from consult.reports.services import save_texts
from tests.conftest import csrf_token_from, login, make_org, make_user, text_of

OPEN_SLUG = "marktconsultatie-wmo-leidse-regio"
PUBLISHED_SLUG = "dialoog-dagbesteding-2025"
LOGIN = "login"


def _consultation(slug: str) -> Consultation:
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _client(app, email: str | None = None):
    client = app.test_client()
    if email is not None:
        assert login(client, email, DEMO_PASSWORD).status_code == 302
    return client


def _status(response):
    if response.status_code == 302 and response.headers["Location"].startswith("/login"):
        return LOGIN
    return response.status_code


def _publish_advice_and_report(team: User) -> Advice:
    """The open demo consultation run to its end: the first council's advice replied to point by
    point and published, the consultation closed and its report published."""
    consultation = _consultation(OPEN_SLUG)
    advice = db.session.scalar(select(Advice).where(Advice.status == AdviceStatus.SUBMITTED))
    save_reply(advice, introduction="Wij danken de adviesraad.",
               replies={point.id: (point.disposition or Disposition.PARTLY, point.reply or "Nemen we mee in de planning.")
                        for point in advice.points}, by=team)
    publish_reply(advice, by=team)
    close(consultation, by=team)
    save_texts(consultation, summary="Wat we hoorden en wat we ermee doen.", introduction="", next_steps="",
               by=team)
    publish_report(consultation, by=team)
    db.session.commit()
    return advice


# --- public by default -------------------------------------------------------------------------------

def test_anonymous_visitor_reads_the_published_questions_and_answers_without_the_asker(app, demo):
    consultation = _consultation(OPEN_SLUG)
    items = db.session.scalars(select(QaItem).where(QaItem.consultation_id == consultation.id)).all()
    published = [item for item in items if item.status == QaStatus.PUBLISHED]
    waiting = [item for item in items if item.status != QaStatus.PUBLISHED]
    askers = {item.asker_organisation.name for item in items if item.asker_organisation}
    assert len(published) == 5 and len(waiting) == 1 and askers

    anonymous = _client(app)
    show = anonymous.get(f"/consultations/{OPEN_SLUG}")
    assert f'href="/consultations/{OPEN_SLUG}/qa"' in show.get_data(as_text=True)
    page = anonymous.get(f"/consultations/{OPEN_SLUG}/qa")
    assert page.status_code == 200
    text = text_of(page)
    html = page.get_data(as_text=True)
    assert [item.answer.split("\n")[0][:40] in html for item in published] == [True] * 5
    assert waiting[0].asked_text[:40] not in html
    assert [name for name in askers if name in text] == []
    assert "Vraag stellen" not in text and 'name="text"' not in html  # no form to ask without an account


def test_anonymous_visitor_downloads_the_questions_and_answers(app, demo):
    response = _client(app).get(f"/consultations/{OPEN_SLUG}/qa/export.odt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/vnd.oasis.opendocument.text"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="nota-van-inlichtingen-{OPEN_SLUG}.odt"'


def test_anonymous_visitor_reads_published_advice_with_the_reply_per_point(app, demo):
    advice = _publish_advice_and_report(demo["team"])
    anonymous = _client(app)
    show = anonymous.get(f"/consultations/{OPEN_SLUG}").get_data(as_text=True)
    assert f'href="/consultations/{OPEN_SLUG}/advice"' in show
    index = anonymous.get(f"/consultations/{OPEN_SLUG}/advice")
    assert index.status_code == 200
    assert f'href="/advice/{advice.id}"' in index.get_data(as_text=True)
    page = anonymous.get(f"/advice/{advice.id}")
    assert page.status_code == 200
    text = text_of(page)
    assert "Wij danken de adviesraad." in text
    assert [point.title in text and point.reply in text for point in advice.points] == [True] * len(advice.points)
    # The other council's draft stays within that council.
    draft = db.session.scalar(select(Advice).where(Advice.status == AdviceStatus.DRAFT))
    assert _status(anonymous.get(f"/advice/{draft.id}")) == LOGIN
    assert "Aandacht voor mantelzorgers" not in text_of(anonymous.get(f"/consultations/{OPEN_SLUG}/advice"))


def test_advice_published_before_the_report_is_for_participants_only(app, demo):
    consultation = _consultation(OPEN_SLUG)
    advice = db.session.scalar(select(Advice).where(Advice.status == AdviceStatus.SUBMITTED))
    save_reply(advice, introduction="Dank.", replies={p.id: (Disposition.ADOPTED, "Doen we.") for p in advice.points},
               by=demo["team"])
    publish_reply(advice, by=demo["team"])
    db.session.commit()
    assert consultation.status.value == "open"
    assert _status(_client(app).get(f"/advice/{advice.id}")) == LOGIN
    assert _status(_client(app, "zorg2@example.org").get(f"/advice/{advice.id}")) == 200


def test_anonymous_visitor_reads_the_report_and_downloads_every_published_format(app, demo):
    run_committed_jobs()  # the published report's files, rendered as the job queue would
    anonymous = _client(app)
    page = anonymous.get(f"/consultations/{PUBLISHED_SLUG}/report")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    xlsx_link = f'href="/consultations/{PUBLISHED_SLUG}/answers.public.xlsx"'
    assert xlsx_link in html and f'href="/consultations/{PUBLISHED_SLUG}/answers.public.csv"' in html
    assert "answers.internal" not in html
    for fmt, content_type in (("odt", "application/vnd.oasis.opendocument.text"), ("pdf", "application/pdf"),
                              ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")):
        with anonymous.get(f"/consultations/{PUBLISHED_SLUG}/report.{fmt}") as response:
            assert (fmt, response.status_code, response.headers["Content-Type"]) == (fmt, 200, content_type)
    with anonymous.get(f"/consultations/{PUBLISHED_SLUG}/answers.public.xlsx", buffered=True) as xlsx:
        assert xlsx.status_code == 200
        data = xlsx.data
    assert xlsx.headers["Content-Disposition"] == \
        f'attachment; filename=antwoorden-{PUBLISHED_SLUG}-openbaar.xlsx'
    sheet = load_workbook(io.BytesIO(data)).active
    csv_text = anonymous.get(f"/consultations/{PUBLISHED_SLUG}/answers.public.csv", buffered=True).data
    csv_rows = list(csv.reader(io.StringIO(csv_text.decode("utf-8-sig")), delimiter=";"))
    # The same rows as the public CSV (the spreadsheet leaves empty cells empty).
    assert [[cell.value or "" for cell in row] for row in sheet.iter_rows()] == csv_rows
    assert len(csv_rows) > 1
    # The internal variant stays with the team.
    assert _status(anonymous.get(f"/consultations/{PUBLISHED_SLUG}/answers.internal.xlsx")) == LOGIN


def test_logged_in_participant_sees_the_prepare_button_not_the_direct_xlsx_link(app, demo):
    html = _client(app, "zorg1@example.org").get(f"/consultations/{PUBLISHED_SLUG}/report").get_data(as_text=True)
    assert 'form="export-public-xlsx"' in html
    assert "answers.public.xlsx" not in html


# --- closed (invited-only) ---------------------------------------------------------------------------

def _close_to(slug: str, *emails: str) -> Consultation:
    consultation = _consultation(slug)
    invited = [_user(email).memberships[0].organisation for email in emails]
    assert set_access(consultation, invited_only=True, invited=invited, by=_user("team@example.org")) is True
    db.session.commit()
    return consultation


PUBLIC_PAGES = [
    "/consultations/{slug}", "/consultations/{slug}/qa", "/consultations/{slug}/qa/export.odt",
    "/consultations/{slug}/advice", "/consultations/{slug}/report", "/consultations/{slug}/report.odt",
    "/consultations/{slug}/report.pdf", "/consultations/{slug}/answers.public.csv",
    "/consultations/{slug}/answers.public.xlsx",
]


def test_closed_consultation_shows_nothing_to_anonymous_or_uninvited_organisations(app, demo):
    run_committed_jobs()  # the published report's files, rendered as the job queue would
    consultation = _close_to(PUBLISHED_SLUG, "zorg1@example.org", "adviesraad@example.org")
    other = _consultation(OPEN_SLUG)
    pages = [page.format(slug=PUBLISHED_SLUG) for page in PUBLIC_PAGES]
    expected = {"anonymous": LOGIN, "zorg2@example.org": 404, "clientenraad@example.org": 404,
                "zorg1@example.org": 200, "adviesraad@example.org": 200, "team@example.org": 200}
    wrong = []
    for who, code in expected.items():
        client = _client(app, None if who == "anonymous" else who)
        for page in pages:
            with client.get(page, buffered=True) as response:
                if _status(response) != code:
                    wrong.append((who, page, _status(response)))
    assert wrong == []
    # Not listed either, while the public one is.
    for who in ("anonymous", "zorg2@example.org"):
        listing = text_of(_client(app, None if who == "anonymous" else who).get("/consultations"))
        assert (consultation.title in listing, other.title in listing) == (False, True)
    assert consultation.title in text_of(_client(app, "zorg1@example.org").get("/consultations"))


def test_closed_open_consultation_refuses_uninvited_participation(app, demo):
    consultation = _close_to(OPEN_SLUG, "zorg1@example.org")
    uninvited = _client(app, "zorg2@example.org")
    invited = _client(app, "zorg1@example.org")
    for path in ("/qa", "/discussion", "/advice"):
        assert (path, uninvited.get(f"/consultations/{OPEN_SLUG}{path}").status_code) == (path, 404)
        assert (path, invited.get(f"/consultations/{OPEN_SLUG}{path}").status_code) == (path, 200)
    item = db.session.scalar(select(QaItem).where(QaItem.consultation_id == consultation.id,
                                                  QaItem.status == QaStatus.PUBLISHED))
    assert uninvited.get(f"/qa/{item.id}").status_code == 404
    # Their home page no longer offers the consultation; the invited provider's still does.
    assert consultation.title not in text_of(uninvited.get("/"))
    assert consultation.title in text_of(invited.get("/"))


def test_closed_consultation_tells_only_the_invited_organisations(app, demo):
    consultation = _close_to(OPEN_SLUG, "zorg1@example.org", "adviesraad@example.org")
    told = sorted(user.email for user in audience(consultation))
    assert told == ["adviesraad@example.org", "zorg1@example.org"]
    before = db.session.scalar(select(Notification.id).order_by(Notification.id.desc())) or 0
    extend_deadline(consultation, consultation.closes_at + timedelta(days=7), by=_user("team@example.org"))
    db.session.commit()
    rows = db.session.execute(select(User.email).join(Notification, Notification.user_id == User.id).where(
        Notification.id > before, Notification.kind == Kind.CHANGED).order_by(User.email)).scalars().all()
    assert rows == ["adviesraad@example.org", "zorg1@example.org"]


def test_deadline_extension_tells_every_registered_organisation_of_a_public_consultation(app, demo):
    consultation = _consultation(OPEN_SLUG)
    nobody_started = make_user("nieuw@example.org", name="Nina Nieuw", org=make_org("Nieuwe Zorg BV", kvk="12121212"))
    before = db.session.scalar(select(Notification.id).order_by(Notification.id.desc())) or 0
    extend_deadline(consultation, consultation.closes_at + timedelta(days=7), by=_user("team@example.org"))
    db.session.commit()
    told = set(db.session.scalars(select(User.email).join(Notification, Notification.user_id == User.id).where(
        Notification.id > before, Notification.kind == Kind.CHANGED)))
    assert told == {user.email for user in audience(consultation)}
    assert {"nieuw@example.org", "clientenraad@example.org", "zorg6@example.org"} <= told
    assert "team@example.org" not in told
    assert nobody_started.email in told


def test_report_publication_tells_every_registered_organisation(app, demo):
    before = db.session.scalar(select(Notification.id).order_by(Notification.id.desc())) or 0
    _publish_advice_and_report(demo["team"])
    told = set(db.session.scalars(select(User.email).join(Notification, Notification.user_id == User.id).where(
        Notification.id > before, Notification.kind == Kind.REPORT)))
    assert told == {user.email for user in audience(_consultation(OPEN_SLUG))}
    assert "zorg6@example.org" in told and "team@example.org" not in told


# --- the team's setting --------------------------------------------------------------------------------

def _form(client, slug: str):
    page = client.get(f"/consultations/{slug}/manage/access")
    assert page.status_code == 200
    return page, csrf_token_from(page.get_data(as_text=True))


def test_editor_closes_the_consultation_to_chosen_organisations_and_opens_it_again(app, demo):
    editor = _client(app, "team@example.org")
    page, token = _form(editor, OPEN_SLUG)
    assert re.search(r'<input checked [^>]*value="public"', page.get_data(as_text=True))
    provider = _user("zorg1@example.org").memberships[0].organisation
    council = _user("adviesraad@example.org").memberships[0].organisation
    response = editor.post(f"/consultations/{OPEN_SLUG}/manage/access", data={
        "csrf_token": token, "access": "closed", "organisations": [str(provider.id), str(council.id)]})
    assert response.status_code == 302
    consultation = _consultation(OPEN_SLUG)
    db.session.refresh(consultation)
    assert (consultation.invited_only, [org.name for org in consultation.invited]) == \
        (True, sorted([provider.name, council.name], key=str.lower))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "consultation_access_changed"))
    assert event.detail == {"invited_only": True, "invited": sorted([provider.id, council.id])}
    shown = editor.get(response.headers["Location"])
    text = text_of(shown)
    assert "Deze consultatie is nu gesloten: alleen de uitgenodigde organisaties zien haar." in text
    assert "Gesloten: alleen uitgenodigde organisaties" in text
    assert "Gesloten: alleen uitgenodigde organisaties" in text_of(editor.get(f"/consultations/{OPEN_SLUG}/manage"))
    assert "Alleen het projectteam en de uitgenodigde organisaties zien deze consultatie." in \
        text_of(editor.get(f"/consultations/{OPEN_SLUG}"))

    page, token = _form(editor, OPEN_SLUG)
    html = page.get_data(as_text=True)
    assert [bool(re.search(rf'<input checked [^>]*value="{org.id}"', html)) for org in (provider, council)] == \
        [True, True]
    response = editor.post(f"/consultations/{OPEN_SLUG}/manage/access", data={  # as the browser sends it
        "csrf_token": token, "access": "public", "organisations": [str(provider.id), str(council.id)]})
    assert response.status_code == 302
    db.session.refresh(consultation)
    # Public again; the circle is kept for a next time.
    assert (consultation.invited_only, len(consultation.invited)) == (False, 2)
    assert "Deze consultatie is nu openbaar: iedereen leest wat gepubliceerd is." in \
        text_of(editor.get(response.headers["Location"]))
    assert _client(app).get(f"/consultations/{OPEN_SLUG}/qa").status_code == 200
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "consultation_access_changed")
                             .order_by(AuditEvent.id.desc())).detail == \
        {"invited_only": False, "invited": sorted([provider.id, council.id])}


def test_closing_without_an_organisation_is_refused_on_the_form(app, demo):
    editor = _client(app, "team@example.org")
    _page, token = _form(editor, OPEN_SLUG)
    response = editor.post(f"/consultations/{OPEN_SLUG}/manage/access", data={"csrf_token": token, "access": "closed"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Kies ten minste één organisatie om uit te nodigen, of maak de consultatie openbaar." in text_of(response)
    assert re.search(r'<input checked [^>]*value="closed"', html)
    assert _consultation(OPEN_SLUG).invited_only is False
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "consultation_access_changed")) is None


def test_the_setting_needs_a_csrf_token_and_an_editor(app, demo):
    editor = _client(app, "team@example.org")
    assert editor.post(f"/consultations/{OPEN_SLUG}/manage/access", data={"access": "closed"}).status_code == 400
    provider = _client(app, "zorg1@example.org")
    token = csrf_token_from(provider.get("/").get_data(as_text=True))
    assert provider.post(f"/consultations/{OPEN_SLUG}/manage/access",
                         data={"csrf_token": token, "access": "public"}).status_code == 403
    assert _consultation(OPEN_SLUG).invited_only is False
