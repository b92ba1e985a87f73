"""Consultations: who may do what, publishing checks, uploads, deadlines, the questions editor."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from consult.audit.models import AuditEvent
from consult.consultations.display import deadline_text, remaining_text
from consult.consultations.models import (
    Announcement,
    Consultation,
    Question,
    QuestionChange,
    QuestionKind,
    Status,
    TeamMember,
    TeamRole,
    Theme,
)
from consult.core.time import AMSTERDAM, utcnow
from consult.extensions import db
from consult.orgs.models import OrgKind
from tests.conftest import login, make_org, make_user, post_form, text_of

PDF = b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n"


def make_consultation(status=Status.DRAFT, *, with_question=True, slug="wmo-test",
                      closes_in=timedelta(days=10)) -> Consultation:
    municipality = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug=slug, title="Wmo test", status=status, municipalities=[municipality],
                                closes_at=utcnow() + closes_in, principles=[])
    if with_question:
        theme = Theme(title="Cliënt", position=0)
        theme.questions.append(Question(text="Wat werkt?", kind=QuestionKind.OPEN, position=0))
        consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    return consultation


@pytest.fixture
def people(app):
    """One user (and logged-in client) per role."""
    provider_org = make_org("Zorg BV", kvk="12345678")
    council_org = make_org("Adviesraad", kind=OrgKind.COUNCIL)
    users = {
        "admin": make_user("admin@example.org", admin=True),
        "editor": make_user("editor@example.org"),
        "analyst": make_user("analyst@example.org"),
        "other_team": make_user("other@example.org"),
        "provider": make_user("provider@example.org", org=provider_org),
        "council": make_user("council@example.org", org=council_org),
    }
    clients = {"anonymous": app.test_client()}
    for role, user in users.items():
        clients[role] = app.test_client()
        login(clients[role], user.email)
    return users, clients


def staff(consultation, users):
    db.session.add_all([
        TeamMember(consultation_id=consultation.id, user_id=users["editor"].id, role=TeamRole.EDITOR),
        TeamMember(consultation_id=consultation.id, user_id=users["analyst"].id, role=TeamRole.ANALYST),
    ])
    other = make_consultation(slug="andere", with_question=False)
    db.session.add(TeamMember(consultation_id=other.id, user_id=users["other_team"].id, role=TeamRole.EDITOR))
    db.session.commit()


ROLES = ["admin", "editor", "analyst", "other_team", "provider", "council", "anonymous"]
LOGIN = 302


@pytest.mark.parametrize("role,expected", list(zip(ROLES, [200, 200, 200, 404, 404, 404, 404], strict=True)))
def test_view_draft(people, role, expected):
    users, clients = people
    consultation = make_consultation()
    staff(consultation, users)
    assert clients[role].get(f"/consultations/{consultation.slug}").status_code == expected


@pytest.mark.parametrize("role,expected", list(zip(ROLES, [200, 200, 200, 200, 200, 200, 200], strict=True)))
def test_view_open(people, role, expected):
    users, clients = people
    consultation = make_consultation(Status.OPEN)
    staff(consultation, users)
    assert clients[role].get(f"/consultations/{consultation.slug}").status_code == expected


@pytest.mark.parametrize("role,expected", list(zip(ROLES, [200, 200, 403, 403, 403, 403, LOGIN], strict=True)))
def test_edit_details_page(people, role, expected):
    users, clients = people
    consultation = make_consultation(Status.OPEN)
    staff(consultation, users)
    assert clients[role].get(f"/consultations/{consultation.slug}/manage/details").status_code == expected


@pytest.mark.parametrize("role,expected", list(zip(ROLES, [302, 302, 403, 403, 403, 403, LOGIN], strict=True)))
def test_publish(people, role, expected):
    users, clients = people
    consultation = make_consultation()
    staff(consultation, users)
    response = post_form(clients[role], f"/consultations/{consultation.slug}/publish")
    if role in ("other_team", "provider", "council"):
        expected = 404  # a draft is invisible to them
    assert response.status_code == expected
    db.session.expire_all()
    published = role in ("admin", "editor")
    assert (db.session.get(Consultation, consultation.id).status == Status.OPEN) is published


@pytest.mark.parametrize("role,expected", list(zip(ROLES, [302, 302, 403, 403, 403, 403, LOGIN], strict=True)))
def test_close(people, role, expected):
    users, clients = people
    consultation = make_consultation(Status.OPEN)
    staff(consultation, users)
    assert post_form(clients[role], f"/consultations/{consultation.slug}/close").status_code == expected
    assert (db.session.get(Consultation, consultation.id).status == Status.CLOSED) is (role in ("admin", "editor"))


@pytest.mark.parametrize("role,expected", list(zip(ROLES, [302, 302, 403, 403, 403, 403, LOGIN], strict=True)))
def test_extend(people, role, expected):
    users, clients = people
    consultation = make_consultation(Status.OPEN)
    staff(consultation, users)
    new = (utcnow() + timedelta(days=20)).astimezone(AMSTERDAM)
    response = post_form(clients[role], f"/consultations/{consultation.slug}/extend",
                         {"closes_at_date": new.date().isoformat(), "closes_at_time": "17:00"})
    assert response.status_code == expected


@pytest.mark.parametrize("role,expected", list(zip(ROLES, [302, 302, 403, 403, 403, 403, LOGIN], strict=True)))
def test_upload(people, role, expected):
    users, clients = people
    consultation = make_consultation(Status.OPEN)
    staff(consultation, users)
    response = post_form(clients[role], f"/consultations/{consultation.slug}/manage/documents",
                         {"title": "Notitie", "description": "", "file": (io.BytesIO(PDF), "notitie.pdf")},
                         content_type="multipart/form-data")
    assert response.status_code == expected


@pytest.mark.parametrize("role,expected", list(zip(ROLES, [200, 403, 403, 403, 403, 403, LOGIN], strict=True)))
def test_manage_team(people, role, expected):
    users, clients = people
    consultation = make_consultation(Status.OPEN)
    staff(consultation, users)
    assert clients[role].get(f"/consultations/{consultation.slug}/team").status_code == expected


def editor_client(people, status=Status.DRAFT, **kwargs):
    users, clients = people
    consultation = make_consultation(status, **kwargs)
    staff(consultation, users)
    return consultation, clients["editor"]


def test_publish_needs_a_question_and_a_future_deadline(people):
    consultation, editor = editor_client(people, with_question=False, closes_in=timedelta(days=-1))
    response = post_form(editor, f"/consultations/{consultation.slug}/publish")
    assert response.status_code == 200
    body = text_of(response)
    assert "Voeg minstens één thema met minstens één vraag toe." in body
    assert "De sluitingsdatum moet in de toekomst liggen." in body
    assert db.session.get(Consultation, consultation.id).status == Status.DRAFT


def test_publish_needs_opening_before_deadline(people):
    consultation, editor = editor_client(people)
    consultation.opens_at = consultation.closes_at + timedelta(hours=1)
    db.session.commit()
    body = text_of(post_form(editor, f"/consultations/{consultation.slug}/publish"))
    assert "De consultatie moet openen vóór de sluitingsdatum." in body


def test_publish_is_audited(people):
    consultation, editor = editor_client(people)
    post_form(editor, f"/consultations/{consultation.slug}/publish")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "consultation_published"))
    assert event.object_id == str(consultation.id)


def test_extend_announces_and_applies_to_everyone(people):
    consultation, editor = editor_client(people, Status.OPEN)
    new = datetime(2099, 3, 13, 17, 0, tzinfo=AMSTERDAM)
    response = post_form(editor, f"/consultations/{consultation.slug}/extend",
                         {"closes_at_date": "2099-03-13", "closes_at_time": "17:00"})
    assert response.status_code == 302
    assert db.session.get(Consultation, consultation.id).closes_at == new.astimezone(UTC)
    assert db.session.scalar(select(Announcement)).kind == "deadline_extended"
    page = text_of(people[1]["provider"].get(f"/consultations/{consultation.slug}"))
    assert "De sluitingsdatum is voor iedereen verlengd tot vrijdag 13 maart 2099 om 17:00" in page
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "deadline_extended")) is not None


def test_extend_refuses_an_earlier_deadline(people):
    consultation, editor = editor_client(people, Status.OPEN)
    response = post_form(editor, f"/consultations/{consultation.slug}/extend",
                         {"closes_at_date": "2020-01-01", "closes_at_time": "12:00"})
    assert "De nieuwe sluitingsdatum moet later zijn dan de huidige." in text_of(response)


def test_consultation_past_its_deadline_refuses_responses_and_closes_by_the_job(people, app):
    consultation, _editor = editor_client(people, Status.OPEN, closes_in=timedelta(seconds=-1))
    page = people[1]["anonymous"].get(f"/consultations/{consultation.slug}")
    assert "Reageren is niet meer mogelijk." in text_of(page)
    db.session.expire_all()
    assert db.session.get(Consultation, consultation.id).status == Status.OPEN  # reading writes nothing
    assert app.test_cli_runner().invoke(args=["close-due"]).output == "Closed 1 consultation(s).\n"
    db.session.expire_all()
    closed = db.session.get(Consultation, consultation.id)
    assert closed.status == Status.CLOSED
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "consultation_closed"))
    assert event.detail == {"automatic": True}


def test_close_due_command_closes_only_past_deadlines(app):
    past = make_consultation(Status.OPEN, slug="verlopen", closes_in=timedelta(seconds=-5))
    future = make_consultation(Status.OPEN, slug="loopt", closes_in=timedelta(days=1))
    result = app.test_cli_runner().invoke(args=["close-due"])
    assert result.output == "Closed 1 consultation(s).\n"
    db.session.expire_all()
    assert db.session.get(Consultation, past.id).status == Status.CLOSED
    assert db.session.get(Consultation, future.id).status == Status.OPEN


def test_accepts_responses_to_the_second():
    deadline = datetime(2026, 3, 13, 16, 0, tzinfo=UTC)
    consultation = Consultation(status=Status.OPEN, closes_at=deadline)
    assert consultation.accepts_responses(deadline - timedelta(seconds=1)) is True
    assert consultation.accepts_responses(deadline) is False


@pytest.mark.parametrize("utc,expected", [
    (datetime(2026, 3, 13, 16, 0, tzinfo=UTC), "vrijdag 13 maart 2026 om 17:00"),   # winter time
    (datetime(2026, 3, 29, 15, 0, tzinfo=UTC), "zondag 29 maart 2026 om 17:00"),    # DST starts that night
    (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "zondag 25 oktober 2026 om 02:30"),  # before the change back
    (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "zondag 25 oktober 2026 om 02:30"),  # after: the hour repeats
    (datetime(2026, 10, 26, 16, 0, tzinfo=UTC), "maandag 26 oktober 2026 om 17:00"),
])
def test_deadline_written_out_across_daylight_saving(app, utc, expected):
    with app.test_request_context():
        assert deadline_text(utc) == expected


def test_remaining_time_in_words(app):
    now = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
    with app.test_request_context():
        assert remaining_text(now + timedelta(days=5, hours=5), now) == "nog 5 dagen"
        assert remaining_text(now + timedelta(hours=30), now) == "nog 30 uur"
        assert remaining_text(now + timedelta(hours=1), now) == "nog 1 uur"
        assert remaining_text(now + timedelta(minutes=20), now) == "nog 20 minuten"
        assert remaining_text(now - timedelta(minutes=1), now) == ""
        # Counted down, never rounded up; one of a unit in the singular.
        assert remaining_text(now + timedelta(days=5, hours=23, minutes=59), now) == "nog 5 dagen"
        assert remaining_text(now + timedelta(hours=47, minutes=59), now) == "nog 47 uur"
        assert remaining_text(now + timedelta(seconds=61), now) == "nog 1 minuut"
        assert remaining_text(now + timedelta(seconds=5), now) == "nog 1 minuut"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from flask_babel import force_locale

        with force_locale("en"):
            assert remaining_text(now + timedelta(days=5, hours=5), now) == "5 days left"
            assert remaining_text(now + timedelta(hours=1), now) == "1 hour left"


def test_deadline_entered_in_amsterdam_time_is_stored_utc(people):
    consultation, editor = editor_client(people)
    municipality = consultation.municipalities[0]
    response = post_form(editor, f"/consultations/{consultation.slug}/manage/details", {
        "title": "Wmo test", "municipalities": str(municipality.id), "summary": "", "introduction": "",
        "principles": "Eerste\n\nTweede", "contact_name": "", "contact_email": "", "contact_phone": "",
        "opens_at_date": "", "opens_at_time": "", "closes_at_date": "2027-07-02", "closes_at_time": "17:00"})
    assert response.status_code == 302
    saved = db.session.get(Consultation, consultation.id)
    assert saved.closes_at == datetime(2027, 7, 2, 15, 0, tzinfo=UTC)
    assert saved.principles == ["Eerste", "Tweede"]


def upload(editor, consultation, data: bytes, name: str):
    return post_form(editor, f"/consultations/{consultation.slug}/manage/documents",
                     {"title": "Notitie", "description": "", "file": (io.BytesIO(data), name)},
                     content_type="multipart/form-data")


def office_zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_upload_accepts_pdf_and_serves_it_as_attachment(people, app):
    consultation, editor = editor_client(people, Status.OPEN)
    assert upload(editor, consultation, PDF, "../../etc/Notitie (2026) é.pdf").status_code == 302
    document = db.session.get(Consultation, consultation.id).documents[0]
    version = document.current
    assert (version.original_name, version.file_type, version.size) == ("Notitie (2026) é.pdf", "pdf", len(PDF))
    assert (app.instance_path and "/" not in version.stored_name and len(version.stored_name) == 40)
    response = people[1]["anonymous"].get(f"/consultations/{consultation.slug}/documents/{document.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "etc" not in response.headers["Content-Disposition"]
    response.close()


def test_upload_refuses_html_renamed_to_pdf(people):
    consultation, editor = editor_client(people, Status.OPEN)
    response = upload(editor, consultation, b"<html><script>alert(1)</script></html>", "notitie.pdf")
    assert response.status_code == 200
    assert "Dit soort bestand wordt niet geaccepteerd." in text_of(response)
    assert db.session.get(Consultation, consultation.id).documents == []


def test_upload_recognises_office_documents_by_content(people):
    consultation, editor = editor_client(people, Status.OPEN)
    odt = office_zip({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"})
    docx = office_zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"})
    assert upload(editor, consultation, odt, "a.bin").status_code == 302
    assert upload(editor, consultation, docx, "b.pdf").status_code == 302
    types = [d.current.file_type for d in db.session.get(Consultation, consultation.id).documents]
    assert types == ["odt", "docx"]
    assert upload(editor, consultation, office_zip({"other.txt": "x"}), "c.docx").status_code == 200


def test_replacing_a_document_keeps_the_old_version(people):
    consultation, editor = editor_client(people, Status.OPEN)
    upload(editor, consultation, PDF, "v1.pdf")
    document = db.session.get(Consultation, consultation.id).documents[0]
    response = post_form(editor, f"/consultations/{consultation.slug}/manage/documents/{document.id}/replace",
                         {"file": (io.BytesIO(PDF + b"%v2"), "v2.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    names = [v.original_name for v in db.session.get(Consultation, consultation.id).documents[0].versions]
    assert names == ["v2.pdf", "v1.pdf"]


def question_payload(**overrides):
    return {"text": "Wat is uw kostprijs?", "help_text": "", "kind": "number", "options": "",
            "scale_low_label": "", "scale_high_label": "", "unit": "€ per uur", "min_value": "0",
            "max_value": "250", "audience": "providers", "required_reason": "", "reason": "", **overrides}


def test_question_editor_validates(people):
    consultation, editor = editor_client(people)
    theme = consultation.themes[0]
    url = f"/consultations/{consultation.slug}/manage/themes/{theme.id}/questions/new"
    body = text_of(post_form(editor, url, question_payload(kind="single", options="Alleen een"), csrf_from=url))
    assert "Een keuzevraag heeft minstens twee opties nodig, één per regel." in body
    body = text_of(post_form(editor, url, question_payload(required="y"), csrf_from=url))
    assert "Geef aan waarom een antwoord op deze vraag verplicht is." in body
    body = text_of(post_form(editor, url, question_payload(min_value="10", max_value="5"), csrf_from=url))
    assert "Het hoogste getal kan niet lager zijn dan het laagste getal." in body
    assert post_form(editor, url, question_payload(confidential_default="y"), csrf_from=url).status_code == 302
    saved = db.session.scalars(select(Question).order_by(Question.id.desc())).first()
    assert (saved.kind, saved.unit, saved.min_value, saved.max_value, saved.confidential_default) == (
        QuestionKind.NUMBER, "€ per uur", 0, 250, True)


def test_reorder_persists_and_htmx_gets_only_the_fragment(people):
    consultation, editor = editor_client(people)
    theme = consultation.themes[0]
    theme.questions.append(Question(text="Tweede vraag", kind=QuestionKind.OPEN, position=1))
    db.session.commit()
    second = theme.questions[1]
    url = f"/consultations/{consultation.slug}/manage/questions/{second.id}/up"
    response = post_form(editor, url, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'id="theme-' in html
    assert f'id="question-{second.id}-down" data-autofocus' in html or f'id="question-{second.id}-down"' in html
    db.session.expire_all()
    assert [q.text for q in db.session.get(Theme, theme.id).questions] == ["Tweede vraag", "Wat werkt?"]
    full = post_form(editor, url.replace("/up", "/down"))
    assert full.status_code == 302
    db.session.expire_all()
    assert [q.text for q in db.session.get(Theme, theme.id).questions] == ["Wat werkt?", "Tweede vraag"]


def test_full_page_vs_fragment_for_questions_editor(people):
    consultation, editor = editor_client(people)
    full = editor.get(f"/consultations/{consultation.slug}/manage/questions").get_data(as_text=True)
    fragment = editor.get(f"/consultations/{consultation.slug}/manage/questions",
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert full.startswith("<!doctype html>") and "Wat werkt?" in full
    assert "<html" not in fragment and "Wat werkt?" in fragment and "<h1" not in fragment


def test_open_consultation_question_change_needs_reason_and_is_recorded(people):
    consultation, editor = editor_client(people, Status.OPEN)
    question = consultation.themes[0].questions[0]
    url = f"/consultations/{consultation.slug}/manage/questions/{question.id}"
    response = post_form(editor, url, question_payload(kind="open", text="Wat werkt goed?"), csrf_from=url)
    assert "De consultatie is open: geef aan waarom u deze wijziging maakt." in text_of(response)
    assert db.session.get(Question, question.id).text == "Wat werkt?"
    response = post_form(editor, url, question_payload(kind="open", text="Wat werkt goed?",
                                                       reason="Vraag was onduidelijk"), csrf_from=url)
    assert response.status_code == 302
    change = db.session.scalar(select(QuestionChange))
    assert (change.action, change.reason, change.version, change.question_id) == (
        "question_changed", "Vraag was onduidelijk", 2, question.id)
    assert db.session.get(Consultation, consultation.id).question_set_version == 2


def test_open_consultation_delete_asks_for_reason_first(people):
    consultation, editor = editor_client(people, Status.OPEN)
    question_id = consultation.themes[0].questions[0].id
    url = f"/consultations/{consultation.slug}/manage/questions/{question_id}/delete"
    assert "Reden van de wijziging" in text_of(editor.get(url))
    post_form(editor, url, {"reason": ""}, csrf_from=url)
    assert db.session.scalar(select(Question.id).where(Question.id == question_id)) == question_id
    post_form(editor, url, {"reason": "Dubbele vraag"}, csrf_from=url)
    assert db.session.scalar(select(Question.id).where(Question.id == question_id)) is None


def test_closed_consultation_cannot_change_questions(people):
    consultation, editor = editor_client(people, Status.CLOSED)
    question = consultation.themes[0].questions[0]
    url = f"/consultations/{consultation.slug}/manage/questions/{question.id}/delete"
    response = post_form(editor, url, {"reason": "x"}, csrf_from=url)
    assert "Een gesloten consultatie kan niet meer worden gewijzigd." in text_of(response)


def test_ids_of_another_consultation_are_404(people):
    consultation, editor = editor_client(people)
    other = db.session.scalar(select(Consultation).where(Consultation.slug == "andere"))
    db.session.add(TeamMember(consultation_id=other.id, user_id=people[0]["editor"].id, role=TeamRole.EDITOR))
    foreign = Theme(consultation_id=other.id, title="Ander", position=0)
    db.session.add(foreign)
    db.session.commit()
    assert editor.get(f"/consultations/{consultation.slug}/manage/themes/{foreign.id}").status_code == 404


def test_preview_filters_questions_by_audience(people):
    consultation, editor = editor_client(people)
    theme = consultation.themes[0]
    from consult.consultations.models import Audience
    theme.questions.append(Question(text="Vraag voor adviesraden", kind=QuestionKind.OPEN, position=1,
                                    audience=Audience.COUNCILS))
    db.session.commit()
    providers = text_of(editor.get(f"/consultations/{consultation.slug}/preview/providers"))
    councils = text_of(editor.get(f"/consultations/{consultation.slug}/preview/councils"))
    assert "Wat werkt?" in providers and "Vraag voor adviesraden" not in providers
    assert "Wat werkt?" not in councils and "Vraag voor adviesraden" in councils
    assert people[1]["provider"].get(f"/consultations/{consultation.slug}/preview/providers").status_code == 404


HX = {"HX-Request": "true"}


def test_inline_question_edit_fragment_then_save_swaps_the_themes_region(people):
    consultation, editor = editor_client(people)
    question = consultation.themes[0].questions[0]
    url = f"/consultations/{consultation.slug}/manage/questions/{question.id}"
    fragment = editor.get(url, headers=HX)
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and f'id="question-{question.id}-editor"' in html
    assert "Vraag wijzigen" in html and "HX-Retarget" not in fragment.headers
    response = post_form(editor, url, question_payload(kind="open", text="Wat werkt het best?"),
                         csrf_from=url, headers=HX)
    assert response.headers["HX-Retarget"] == "#themes"
    assert response.headers["HX-Reswap"] == "innerHTML"
    html = response.get_data(as_text=True)
    assert "Wat werkt het best?" in html and "<html" not in html
    assert f'id="question-{question.id}-text" tabindex="-1" data-autofocus' in html
    assert 'id="editor-status" class="visually-hidden" role="status" data-hx-swap-oob="true">De vraag is opgeslagen.' in html
    assert db.session.get(Question, question.id).text == "Wat werkt het best?"


def test_inline_question_errors_stay_in_the_form(people):
    consultation, editor = editor_client(people)
    theme = consultation.themes[0]
    url = f"/consultations/{consultation.slug}/manage/themes/{theme.id}/questions/new"
    response = post_form(editor, url, question_payload(text="", kind="open"), csrf_from=url, headers=HX)
    html = response.get_data(as_text=True)
    assert "HX-Retarget" not in response.headers
    assert f'id="theme-{theme.id}-question-editor"' in html and "data-error-summary" in html
    assert "Vul de vraag in." in text_of(response)
    assert len(db.session.get(Theme, theme.id).questions) == 1


def test_inline_theme_add_and_edit(people):
    consultation, editor = editor_client(people)
    url = f"/consultations/{consultation.slug}/manage/questions"
    response = post_form(editor, url, {"title": "Samenwerking", "introduction": "", "reason": ""},
                         csrf_from=url, headers=HX)
    html = response.get_data(as_text=True)
    assert response.headers["HX-Retarget"] == "#themes"
    assert "2. Samenwerking" in html
    title_input = re.search(r'<input[^>]*name="title"[^>]*>', html).group(0)
    assert 'value=""' in title_input  # the add form is empty again
    theme = db.session.scalars(select(Theme).where(Theme.title == "Samenwerking")).one()
    edit = f"/consultations/{consultation.slug}/manage/themes/{theme.id}"
    assert f'id="theme-{theme.id}-editor"' in editor.get(edit, headers=HX).get_data(as_text=True)
    response = post_form(editor, edit, {"title": "Samen werken", "introduction": "Hoe?", "reason": ""},
                         csrf_from=edit, headers=HX)
    assert response.headers["HX-Retarget"] == "#themes"
    assert "2. Samen werken" in response.get_data(as_text=True)


def details_payload(consultation, **overrides):
    return {"title": "Wmo test", "slug": consultation.slug,
            "municipalities": str(consultation.municipalities[0].id), "summary": "", "introduction": "",
            "principles": "", "contact_name": "", "contact_email": "", "contact_phone": "",
            "opens_at_date": "", "opens_at_time": "", "closes_at_date": "2099-01-01",
            "closes_at_time": "12:00", **overrides}


def test_slug_can_change_in_draft_only_and_must_be_unique(people):
    consultation, editor = editor_client(people)
    url = f"/consultations/{consultation.slug}/manage/details"
    response = post_form(editor, url, details_payload(consultation, slug="Wmo 2027!"), csrf_from=url)
    assert "Gebruik kleine letters, cijfers en koppeltekens, zoals wmo-2027." in text_of(response)
    response = post_form(editor, url, details_payload(consultation, slug="andere"), csrf_from=url)
    assert "Een andere consultatie gebruikt dit webadres al." in text_of(response)
    response = post_form(editor, url, details_payload(consultation, slug="wmo-2027"), csrf_from=url)
    assert response.headers["Location"] == "/consultations/wmo-2027/manage"
    assert db.session.get(Consultation, consultation.id).slug == "wmo-2027"


def test_dialogue_settings_are_saved(people):
    consultation, editor = editor_client(people)
    url = f"/consultations/{consultation.slug}/manage/details"
    post_form(editor, url, details_payload(consultation, threads_public="y", premoderation="y"), csrf_from=url)
    saved = db.session.get(Consultation, consultation.id)
    assert (saved.threads_public, saved.premoderation) == (True, True)
    post_form(editor, url, details_payload(consultation), csrf_from=url)
    db.session.expire_all()
    saved = db.session.get(Consultation, consultation.id)
    assert (saved.threads_public, saved.premoderation) == (False, False)


def test_slug_of_open_consultation_is_not_offered(people):
    consultation, editor = editor_client(people, Status.OPEN)
    html = editor.get(f"/consultations/{consultation.slug}/manage/details").get_data(as_text=True)
    assert 'name="slug"' not in html
