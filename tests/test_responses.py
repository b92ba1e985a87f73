"""Responses: drafts never lost, conflicts never silent, one idempotent submission with a
verifiable receipt, strict deadline, and no organisation ever reaching another's response."""
from __future__ import annotations

import io
import json
import re
import time
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from consult.audit.models import AuditEvent
from consult.consultations.models import (
    Audience,
    Consultation,
    Question,
    QuestionKind,
    Status,
    TeamMember,
    TeamRole,
    Theme,
)
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from consult.responses.answers import MAX_ANSWER_LENGTH, AnswerError, form_value, parse_answer, parse_number
from consult.responses.models import Answer, Response, ResponseStatus, Submission
from tests.conftest import get_csrf, login, make_org, make_user, post_form, text_of

HX = {"HX-Request": "true"}
PDF = b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n"


@pytest.fixture
def world(app):
    """An open consultation with one question of each kind, two providers, a council, the team."""
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=5), principles=[])
    theme = Theme(title="Dienstverlening", position=0)
    kinds = [
        ("Wat werkt?", QuestionKind.OPEN, {"required": True, "required_reason": "Kern"}),
        ("Bekostiging?", QuestionKind.SINGLE, {"options": ["Lumpsum", "PxQ"]}),
        ("Segmenten?", QuestionKind.MULTIPLE, {"options": ["Hulp", "Begeleiding", "Dagbesteding"]}),
        ("Tevreden?", QuestionKind.SCALE, {}),
        ("Kostprijs?", QuestionKind.NUMBER, {"unit": "€ per uur", "min_value": 0, "max_value": 250,
                                             "confidential_default": True}),
        ("Positionpaper?", QuestionKind.FILE, {}),
        ("Advies van de raad?", QuestionKind.OPEN, {"audience": Audience.COUNCILS}),
    ]
    for position, (text, kind, extra) in enumerate(kinds):
        theme.questions.append(Question(text=text, kind=kind, position=position, **extra))
    consultation.themes.append(theme)
    other = Consultation(slug="ander", title="Ander", status=Status.OPEN, municipalities=[leiden],
                         closes_at=utcnow() + timedelta(days=5), principles=[])
    db.session.add_all([consultation, other])
    db.session.commit()
    org_a, org_b = make_org("Zorg A", kvk="11111111"), make_org("Zorg B", kvk="22222222")
    council = make_org("Adviesraad", kind=OrgKind.COUNCIL)
    users = {
        "a": make_user("a@example.org", name="Anna A", org=org_a, role=MemberRole.CONTACT),
        "a2": make_user("a2@example.org", name="Arie A", org=org_a),
        "b": make_user("b@example.org", name="Bert B", org=org_b),
        "council": make_user("raad@example.org", name="Rita Raad", org=council),
        "editor": make_user("editor@example.org"),
        "analyst": make_user("analyst@example.org"),
        "other_team": make_user("other@example.org"),
    }
    db.session.add_all([
        TeamMember(consultation_id=consultation.id, user_id=users["editor"].id, role=TeamRole.EDITOR),
        TeamMember(consultation_id=consultation.id, user_id=users["analyst"].id, role=TeamRole.ANALYST),
        TeamMember(consultation_id=other.id, user_id=users["other_team"].id, role=TeamRole.EDITOR),
    ])
    db.session.commit()
    clients = {"anonymous": app.test_client()}
    for key, user in users.items():
        clients[key] = app.test_client()
        login(clients[key], user.email)
    q = {question.text: question for question in theme.questions}
    return {"consultation": consultation, "theme": theme, "q": q, "users": users, "clients": clients,
            "orgs": {"a": org_a, "b": org_b, "council": council}}


def start(client, world, org_key="a") -> Response:
    response = post_form(client, "/consultations/wmo/respond",
                         {"organisation_id": str(world["orgs"][org_key].id)}, csrf_from="/consultations/wmo")
    assert response.status_code == 302
    return db.session.scalar(select(Response).where(Response.organisation_id == world["orgs"][org_key].id))


def theme_url(resp, world):
    return f"/responses/{resp.id}/themes/{world['theme'].id}"


def autosave(client, resp, question, value, version, confidential=False, **extra):
    data = {f"q-{question.id}": value, f"v-{question.id}": str(version), **extra}
    if confidential:
        data[f"c-{question.id}"] = "1"
    return post_form(client, f"/responses/{resp.id}/answers/{question.id}", data,
                     csrf_from=f"/responses/{resp.id}", headers=HX)


def answer_of(resp, question) -> Answer:
    return db.session.scalar(select(Answer).where(Answer.response_id == resp.id,
                                                  Answer.question_id == question.id))


def test_one_response_per_organisation(world):
    first = start(world["clients"]["a"], world)
    second = start(world["clients"]["a2"], world)
    assert first.id == second.id
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_overview_lists_themes_with_status_and_step(world):
    resp = start(world["clients"]["a"], world)
    body = text_of(world["clients"]["a"].get(f"/responses/{resp.id}"))
    assert "Dienstverlening Niet begonnen 0 van 6 vragen beantwoord; 0 van 1 verplicht" in body
    page = world["clients"]["a"].get(theme_url(resp, world)).get_data(as_text=True)
    assert "<title>Stap 1 van 2: Dienstverlening · Onze reactie · Consult</title>" in page
    assert "Advies van de raad?" not in page  # council question not for providers


def test_autosave_saves_and_returns_status_with_new_version(world):
    client = world["clients"]["a"]
    resp = start(client, world)
    question = world["q"]["Wat werkt?"]
    response = autosave(client, resp, question, "Samenwerking in de wijk.", 0)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r"Concept opgeslagen om \d\d:\d\d", html)
    assert f'id="v-{question.id}" value="1" data-hx-swap-oob="true"' in html
    assert answer_of(resp, question).value == "Samenwerking in de wijk."
    body = text_of(client.get(f"/responses/{resp.id}"))
    # The required question is answered, five others are open: in progress, not complete (issue 18).
    assert "Dienstverlening Bezig 1 van 6 vragen beantwoord; 1 van 1 verplicht" in body


def test_an_autosave_moves_the_responses_time_of_change_once_it_is_a_minute_behind(world, clock):
    """The autosave writes the response's row by its own UPDATE (not at the flush), only when the
    stored time of change is a minute or more old: in between it is left alone, then it must land."""
    client = world["clients"]["a"]
    resp = start(client, world)
    question = world["q"]["Wat werkt?"]

    def saved(text: str, version: int):
        assert autosave(client, resp, question, text, version).status_code == 200
        db.session.expire_all()
        answer = answer_of(resp, question)
        assert (answer.value, answer.version) == (text, version + 1)
        return answer.updated_at, db.session.get(Response, resp.id).updated_at

    started = db.session.get(Response, resp.id).updated_at
    assert saved("Eerste tekst.", 0)[1] == started
    clock.shift(30)
    assert saved("Tweede tekst.", 1)[1] == started
    clock.shift(31)  # more than a minute after the start
    answered, changed = saved("Derde tekst.", 2)
    assert changed == answered > started + timedelta(seconds=60)
    assert saved("Vierde tekst.", 3)[1] == answered


def test_stale_save_gets_409_with_both_texts_and_overwrites_nothing(world):
    anna, arie = world["clients"]["a"], world["clients"]["a2"]
    resp = start(anna, world)
    question = world["q"]["Wat werkt?"]
    autosave(anna, resp, question, "Tekst van Anna", 0)
    response = autosave(arie, resp, question, "Tekst van Arie", 0)  # Arie's page still showed version 0
    assert response.status_code == 409
    body = text_of(response)
    assert "Een collega heeft dit antwoord intussen gewijzigd." in body
    assert "Tekst van Arie" in body and "Tekst van Anna" in body
    assert "Opgeslagen door Anna A om" in body
    assert answer_of(resp, question).value == "Tekst van Anna"
    # Arie chooses to keep his text.
    response = autosave(arie, resp, question, "Tekst van Arie", 1, force=str(question.id))
    assert response.status_code == 200
    assert answer_of(resp, question).value == "Tekst van Arie"
    assert answer_of(resp, question).version == 2


def test_plain_save_without_javascript_shows_conflict_side_by_side(world):
    anna, arie = world["clients"]["a"], world["clients"]["a2"]
    resp = start(anna, world)
    question = world["q"]["Wat werkt?"]
    autosave(anna, resp, question, "Tekst van Anna", 0)
    url = theme_url(resp, world)
    response = post_form(arie, url, {f"q-{question.id}": "Tekst van Arie", f"v-{question.id}": "0",
                                     "action": "save"}, csrf_from=url)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert ">Tekst van Arie</textarea>" in html  # his own text stays in the field
    assert "Tekst van Anna" in html
    assert answer_of(resp, question).value == "Tekst van Anna"


def test_plain_save_reports_bad_input_and_keeps_it(world):
    client = world["clients"]["a"]
    resp = start(client, world)
    url = theme_url(resp, world)
    cost, text_q = world["q"]["Kostprijs?"], world["q"]["Wat werkt?"]
    response = post_form(client, url, {f"q-{cost.id}": "300", f"q-{text_q.id}": "x" * (MAX_ANSWER_LENGTH + 1),
                                       "action": "save"}, csrf_from=url)
    assert response.status_code == 200
    body = text_of(response)
    assert "Vul een getal in van hooguit 250." in body
    assert f"Uw antwoord is {MAX_ANSWER_LENGTH + 1} tekens lang; het maximum is {MAX_ANSWER_LENGTH}." in body
    html = response.get_data(as_text=True)
    assert 'value="300"' in html
    assert answer_of(resp, cost) is None
    response = post_form(client, url, {f"q-{cost.id}": "abc", "action": "save"}, csrf_from=url)
    assert "Vul een getal in, zoals 45,50." in text_of(response)


def test_plain_save_and_continue_saves_every_kind(world):
    client = world["clients"]["a"]
    resp = start(client, world)
    url = theme_url(resp, world)
    q = world["q"]
    data = {f"q-{q['Wat werkt?'].id}": "Goede samenwerking", f"q-{q['Bekostiging?'].id}": "PxQ",
            f"q-{q['Segmenten?'].id}": ["Dagbesteding", "Hulp"], f"q-{q['Tevreden?'].id}": "4",
            f"q-{q['Kostprijs?'].id}": "58,75", f"c-{q['Kostprijs?'].id}": "1", "action": "next"}
    response = post_form(client, url, data, csrf_from=url)
    assert response.headers["Location"] == f"/responses/{resp.id}/review"
    assert answer_of(resp, q["Segmenten?"]).value == ["Hulp", "Dagbesteding"]
    assert answer_of(resp, q["Tevreden?"]).value == 4
    assert answer_of(resp, q["Kostprijs?"]).value == 58.75
    assert answer_of(resp, q["Kostprijs?"]).confidential is True
    assert answer_of(resp, q["Bekostiging?"]).confidential is False


def test_choice_values_outside_the_options_are_refused(world):
    client = world["clients"]["a"]
    resp = start(client, world)
    response = autosave(client, resp, world["q"]["Bekostiging?"], "Iets anders", 0)
    assert "Niet opgeslagen: Kies een van de opties." in text_of(response)
    response = autosave(client, resp, world["q"]["Tevreden?"], "9", 0)
    assert "Kies een waarde van 1 tot 5." in text_of(response)


def fill_and_submit(client, resp, world, publication="named", confirm=True):
    autosave(client, resp, world["q"]["Wat werkt?"], "Goede samenwerking", _version(resp, world["q"]["Wat werkt?"]))
    data = {"publication": publication}
    if confirm:
        data["confirm"] = "1"
    return post_form(client, f"/responses/{resp.id}/review", data, csrf_from=f"/responses/{resp.id}/review")


def _version(resp, question):
    answer = answer_of(resp, question)
    return answer.version if answer else 0


def test_review_requires_publication_choice_and_confirmation(world):
    client = world["clients"]["a"]
    resp = start(client, world)
    response = post_form(client, f"/responses/{resp.id}/review", {}, csrf_from=f"/responses/{resp.id}/review")
    body = text_of(response)
    assert "Bevestig dat u de reactie indient namens Zorg A." in body
    assert "Kies of en hoe uw antwoorden gepubliceerd mogen worden." in body
    assert "Beantwoord de verplichte vraag “Wat werkt?” (thema Dienstverlening)." in body
    page = client.get(f"/responses/{resp.id}/review").get_data(as_text=True)
    assert " checked" not in page.split('id="publication"')[1].split("</fieldset>")[0]  # nothing preselected
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0


def test_review_errors_are_named_at_their_fields_and_the_choice_is_kept(world):
    """The review page's form goes through ReviewForm and the shared macros: the missing confirmation
    is marked at its checkbox (aria-invalid, the message beside it), a missing choice at its group,
    a required question links to its theme; a choice made is kept (and saved) while the rest is
    refused, a ticked confirmation stays ticked, and an unknown choice is refused, not stored."""
    client = world["clients"]["a"]
    resp = start(client, world)
    url = f"/responses/{resp.id}/review"
    html = post_form(client, url, {}, csrf_from=url).get_data(as_text=True)
    assert "<title>Fout: " in html
    theme = world["theme"].id
    assert (f'<a class="utrecht-link" href="#theme-{theme}">Beantwoord de verplichte vraag “Wat werkt?” '
            f'(thema Dienstverlening).</a>') in html
    assert '<a class="utrecht-link" href="#publication">Kies of en hoe uw antwoorden gepubliceerd mogen worden.</a>' in html
    assert '<a class="utrecht-link" href="#confirm">Bevestig dat u de reactie indient namens Zorg A.</a>' in html
    # Nothing answered at all: listed without a link, as no part of the page is about it.
    assert '<li class="utrecht-unordered-list__item">Beantwoord minstens één vraag voordat u indient.</li>' in html
    assert re.search(r'<input aria-describedby="confirm-error" aria-invalid="true"[^>]* id="confirm"', html)
    assert 'id="publication" aria-describedby="publication-hint publication-error"' in html
    # A choice without the confirmation: the choice is stored and shown chosen, the page says what is left.
    html = post_form(client, url, {"publication": "anonymous"}, csrf_from=url).get_data(as_text=True)
    assert db.session.get(Response, resp.id).publication.value == "anonymous"
    assert re.search(r'<input checked[^>]* name="publication" type="radio" value="anonymous">', html)
    assert 'href="#publication"' not in html and 'href="#confirm"' in html
    # Confirmed, but a required question is open: the ticked box stays ticked.
    html = post_form(client, url, {"publication": "anonymous", "confirm": "y"}, csrf_from=url).get_data(as_text=True)
    assert re.search(r'<input checked[^>]* id="confirm" name="confirm" type="checkbox" value="y">', html)
    assert f'href="#theme-{theme}"' in html and 'href="#confirm"' not in html
    # A choice that is not one of the options: refused at the field, the stored choice unchanged.
    html = post_form(client, url, {"publication": "everyone", "confirm": "y"}, csrf_from=url).get_data(as_text=True)
    assert '<a class="utrecht-link" href="#publication">Kies of en hoe uw antwoorden gepubliceerd mogen worden.</a>' in html
    assert db.session.get(Response, resp.id).publication.value == "anonymous"
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0


def test_review_errors_in_english(app, world):
    english = make_user("en@example.org", org=world["orgs"]["a"], locale="en")
    client = app.test_client()
    login(client, english.email)
    resp = start(client, world)
    url = f"/responses/{resp.id}/review"
    body = text_of(post_form(client, url, {}, csrf_from=url))
    assert "Confirm that you want to submit the response on behalf of Zorg A." in body
    assert "Choose whether and how your answers may be published." in body
    assert "I submit this response on behalf of Zorg A." in body


def test_submit_gives_receipt_mails_members_and_is_idempotent(world, mail):
    client = world["clients"]["a"]
    resp = start(client, world)
    autosave(client, resp, world["q"]["Kostprijs?"], "61,50", 0, confidential=True)
    response = fill_and_submit(client, resp, world)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/responses/{resp.id}/submissions/1"
    submission = db.session.scalar(select(Submission))
    snapshot = json.loads(submission.canonical)
    assert [a["value"] for a in snapshot["answers"]] == ["Goede samenwerking", 61.5]
    assert snapshot["organisation"] == {"id": world["orgs"]["a"].id, "name": "Zorg A", "kvk": "11111111"}
    page = text_of(client.get(response.headers["Location"]))
    code = re.search(r"Uw ontvangstcode: ([0-9A-F-]+)", page).group(1)
    assert code.replace("-", "").lower() == submission.receipt_code
    assert sorted(m["To"] for m in mail) == ["a2@example.org", "a@example.org"]
    for message in mail:
        body = message.get_body(("plain",)).get_content()
        assert code in body and "61,5" not in body and "61.5" not in body and "Goede samenwerking" not in body
    # A double click or a second tab: the same submission, the same receipt.
    again = fill_and_submit(world["clients"]["a2"], resp, world)
    assert again.headers["Location"] == f"/responses/{resp.id}/submissions/1"
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 1
    assert len(mail) == 2
    events = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "response_submitted"))]
    assert events == ["response_submitted"]


def test_change_and_resubmit_keeps_every_revision(world):
    client = world["clients"]["a"]
    resp = start(client, world)
    fill_and_submit(client, resp, world)
    question = world["q"]["Wat werkt?"]
    autosave(client, resp, question, "Nog betere samenwerking", _version(resp, question))
    assert "U heeft antwoorden gewijzigd na het indienen." in text_of(client.get(f"/responses/{resp.id}"))
    response = post_form(client, f"/responses/{resp.id}/review", {"publication": "anonymous", "confirm": "1"},
                         csrf_from=f"/responses/{resp.id}/review")
    assert response.headers["Location"] == f"/responses/{resp.id}/submissions/2"
    first, second = db.session.scalars(select(Submission).order_by(Submission.number)).all()
    assert first.receipt_code != second.receipt_code
    assert json.loads(first.canonical)["answers"][0]["value"] == "Goede samenwerking"
    assert json.loads(second.canonical)["publication"] == "anonymous"


def test_withdraw_and_submit_again(world):
    client = world["clients"]["a"]
    resp = start(client, world)
    fill_and_submit(client, resp, world)
    post_form(client, f"/responses/{resp.id}/withdraw", {"confirm": "1"}, csrf_from=f"/responses/{resp.id}/withdraw")
    assert db.session.get(Response, resp.id).status == ResponseStatus.WITHDRAWN
    response = fill_and_submit(client, resp, world)
    assert response.headers["Location"] == f"/responses/{resp.id}/submissions/2"
    assert db.session.get(Response, resp.id).status == ResponseStatus.SUBMITTED


def test_verify_receipt_valid_unknown_and_changed(world, app):
    client = world["clients"]["a"]
    resp = start(client, world)
    fill_and_submit(client, resp, world)
    submission = db.session.scalar(select(Submission))
    code = "-".join(submission.receipt_code[i:i + 4] for i in range(0, 32, 4)).upper()
    anonymous = app.test_client()
    assert "Geldig." in text_of(anonymous.get(f"/receipts/verify?code={code}"))
    assert "Onbekend." in text_of(anonymous.get("/receipts/verify?code=" + "0" * 32))
    assert "Onbekend." in text_of(anonymous.get("/receipts/verify?code=<script>"))
    submission.canonical = submission.canonical.replace("Goede samenwerking", "Slechte samenwerking")
    db.session.commit()
    assert "Gewijzigd." in text_of(anonymous.get(f"/receipts/verify?code={code}"))


def pdf_streams(data: bytes) -> list[bytes]:
    """Every stream of a PDF, inflated where it is compressed."""
    import zlib

    result = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, flags=re.S):
        try:
            result.append(zlib.decompress(raw))
        except zlib.error:
            result.append(raw)
    return result


def test_receipt_pdf_is_a_pdfa_document(world):
    client = world["clients"]["a"]
    resp = start(client, world)
    fill_and_submit(client, resp, world)
    response = client.get(f"/responses/{resp.id}/submissions/1/receipt.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    streams = pdf_streams(response.data)
    assert any(b'pdfaid:part="3" pdfaid:conformance="U"' in stream for stream in streams)


def test_deadline_to_the_second_makes_everything_read_only(world, clock):
    client = world["clients"]["a"]
    resp = start(client, world)
    question = world["q"]["Wat werkt?"]
    consultation = db.session.get(Consultation, world["consultation"].id)
    consultation.closes_at = utcnow() + timedelta(seconds=2)
    db.session.commit()
    assert autosave(client, resp, question, "Net op tijd", 0).status_code == 200
    clock.shift(2.1)
    response = autosave(client, resp, question, "Te laat", 1)
    assert response.status_code == 409
    assert "Niet opgeslagen: de sluitingsdatum is verstreken." in text_of(response)
    url = theme_url(resp, world)
    response = post_form(client, url, {f"q-{question.id}": "Te laat", "action": "save"}, csrf_from=url)
    assert response.status_code == 409
    assert ">Te laat</textarea>" in response.get_data(as_text=True)
    response = post_form(client, f"/responses/{resp.id}/review", {"publication": "named", "confirm": "1"},
                         csrf_from=url)
    assert response.status_code == 409
    assert answer_of(resp, question).value == "Net op tijd"
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0


def test_attachments_checked_by_content_and_private(world):
    client = world["clients"]["a"]
    resp = start(client, world)
    question = world["q"]["Positionpaper?"]
    url = f"/responses/{resp.id}/answers/{question.id}/files"
    response = post_form(client, url, {"file": (io.BytesIO(b"<html></html>"), "paper.pdf")},
                         csrf_from=f"/responses/{resp.id}", content_type="multipart/form-data")
    assert "Dit soort bestand wordt niet geaccepteerd. Upload een PDF-, ODT- of DOCX-bestand." in text_of(
        client.get(response.headers["Location"]))
    post_form(client, url, {"file": (io.BytesIO(PDF), "paper.pdf")}, csrf_from=f"/responses/{resp.id}",
              content_type="multipart/form-data")
    attachment = answer_of(resp, question).attachments[0]
    download = client.get(f"/responses/{resp.id}/files/{attachment.id}")
    assert download.data == PDF and download.headers["Content-Disposition"].startswith("attachment;")
    download.close()
    assert world["clients"]["b"].get(f"/responses/{resp.id}/files/{attachment.id}").status_code == 404
    # The team sees a file only once it was part of a submission.
    team_url = f"/consultations/wmo/responses/{resp.id}/files/{attachment.id}"
    assert world["clients"]["editor"].get(team_url).status_code == 404
    fill_and_submit(client, resp, world)
    team_download = world["clients"]["editor"].get(team_url)
    assert team_download.status_code == 200
    team_download.close()


def test_team_sees_submitted_responses_only_and_confidential_views_are_audited(world):
    a, b = world["clients"]["a"], world["clients"]["b"]
    resp_a = start(a, world)
    autosave(a, resp_a, world["q"]["Kostprijs?"], "61,50", 0, confidential=True)
    fill_and_submit(a, resp_a, world)
    start(b, world, "b")  # a draft only
    editor = world["clients"]["editor"]
    listing = text_of(editor.get("/consultations/wmo/responses"))
    assert "Zorg A" in listing and "Zorg B" not in listing
    view = editor.get(f"/consultations/wmo/responses/{resp_a.id}")
    body = text_of(view)
    assert "Kostprijs? Vertrouwelijk € 61,50 per uur" in body
    assert view.headers["Cache-Control"] == "no-store"
    assert world["clients"]["analyst"].get(f"/consultations/wmo/responses/{resp_a.id}").status_code == 200
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "confidential_viewed")
                                .order_by(AuditEvent.id)).all()
    assert [(e.actor_id, e.detail["question_ids"]) for e in events] == [
        (world["users"]["editor"].id, [world["q"]["Kostprijs?"].id]),
        (world["users"]["analyst"].id, [world["q"]["Kostprijs?"].id])]


def test_council_answers_council_questions(world):
    client = world["clients"]["council"]
    resp = start(client, world, "council")
    page = client.get(theme_url(resp, world)).get_data(as_text=True)
    assert "Advies van de raad?" in page and "Kostprijs?" not in page
    assert autosave(client, resp, world["q"]["Advies van de raad?"], "Let op de toegang", 0).status_code == 200
    assert autosave(client, resp, world["q"]["Kostprijs?"], "50", 0).status_code == 404


def response_routes(resp, world, attachment_id, question_id) -> list[tuple[str, str]]:
    base = f"/responses/{resp.id}"
    return [
        ("GET", base), ("GET", f"{base}/themes/{world['theme'].id}"), ("POST", f"{base}/themes/{world['theme'].id}"),
        ("POST", f"{base}/answers/{question_id}"), ("GET", f"{base}/answers/{question_id}/fresh"),
        ("POST", f"{base}/answers/{question_id}/files"), ("POST", f"{base}/files/{attachment_id}/remove"),
        ("GET", f"{base}/files/{attachment_id}"), ("GET", f"{base}/review"), ("POST", f"{base}/review"),
        ("GET", f"{base}/submissions/1"), ("GET", f"{base}/submissions/1/receipt.pdf"),
        ("GET", f"{base}/withdraw"), ("POST", f"{base}/withdraw"), ("POST", f"{base}/copy-earlier"),
        ("GET", f"{base}/offer"), ("POST", f"{base}/offer"),
        ("POST", f"{base}/answers/{question_id}/sheet/0"), ("GET", f"{base}/benchmark"),
        ("GET", f"{base}/cost-price-questions"),
    ]


def test_every_response_route_is_404_for_other_organisations_and_teams(world, app):
    a = world["clients"]["a"]
    resp = start(a, world)
    question = world["q"]["Positionpaper?"]
    post_form(a, f"/responses/{resp.id}/answers/{question.id}/files", {"file": (io.BytesIO(PDF), "p.pdf")},
              csrf_from=f"/responses/{resp.id}", content_type="multipart/form-data")
    fill_and_submit(a, resp, world)
    attachment_id = answer_of(resp, question).attachments[0].id
    routes = response_routes(resp, world, attachment_id, world["q"]["Wat werkt?"].id)
    covered = {re.sub(r"<[^>]+>", "<id>", rule.rule) for rule in app.url_map.iter_rules()
               if rule.rule.startswith("/responses/")}
    assert covered == {re.sub(r"/\d+", "/<id>", p) for _m, p in routes}  # a new route must be added here
    for who in ("b", "council", "editor", "analyst", "other_team"):
        client = world["clients"][who]
        for method, path in routes:
            if method == "GET":
                status = client.get(path).status_code
            else:
                status = post_form(client, path, {"confirm": "1", "publication": "none"}).status_code
            assert status == 404, (who, method, path)
    anonymous = world["clients"]["anonymous"]
    for method, path in routes:
        response = anonymous.get(path) if method == "GET" else post_form(anonymous, path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), path
    other_team = world["clients"]["other_team"]
    assert other_team.get(f"/consultations/wmo/responses/{resp.id}").status_code == 404
    assert other_team.get("/consultations/wmo/responses").status_code == 404
    assert world["clients"]["b"].get(f"/consultations/wmo/responses/{resp.id}").status_code == 404
    assert db.session.get(Response, resp.id).status == ResponseStatus.SUBMITTED


def test_expired_login_during_autosave_returns_to_the_form_with_saved_text(world, app):
    client = world["clients"]["a"]
    resp = start(client, world)
    question = world["q"]["Wat werkt?"]
    autosave(client, resp, question, "Bewaard concept", 0)
    token = get_csrf(client, f"/responses/{resp.id}")
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 3600  # idle for an hour while typing
    page = f"http://localhost/responses/{resp.id}/themes/{world['theme'].id}"
    response = client.post(f"/responses/{resp.id}/answers/{question.id}",
                           data={f"q-{question.id}": "Nieuw", f"v-{question.id}": "1", "csrf_token": token},
                           headers={**HX, "HX-Current-URL": page})
    login_url = response.headers["HX-Redirect"]
    assert login_url == f"/login?next=/responses/{resp.id}/themes/{world['theme'].id}"
    response = post_form(client, "/login", {"email": "a@example.org", "password": "correct horse battery staple",
                                            "next": f"/responses/{resp.id}/themes/{world['theme'].id}"},
                         csrf_from=login_url)
    assert response.headers["Location"] == f"/responses/{resp.id}/themes/{world['theme'].id}"
    assert ">Bewaard concept</textarea>" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_expired_form_token_during_autosave_reloads_the_form_with_saved_text(world):
    client = world["clients"]["a"]
    resp = start(client, world)
    question = world["q"]["Wat werkt?"]
    autosave(client, resp, question, "Bewaard concept", 0)
    page = f"http://localhost/responses/{resp.id}/themes/{world['theme'].id}"
    response = client.post(f"/responses/{resp.id}/answers/{question.id}",
                           data={f"q-{question.id}": "Nieuw", f"v-{question.id}": "1", "csrf_token": "expired"},
                           headers={**HX, "HX-Current-URL": page})
    assert response.headers["HX-Redirect"] == page
    assert ">Bewaard concept</textarea>" in client.get(page).get_data(as_text=True)
    # Without JavaScript: back to the page, with a message.
    response = client.post(page, data={"csrf_token": "expired", f"q-{question.id}": "Nieuw"}, headers={"Referer": page})
    assert response.headers["Location"] == page
    assert "De pagina was verlopen" in text_of(client.get(page))


def test_nul_zero_width_and_bidi_are_stored_safely_and_never_break_the_page(world):
    client = world["clients"]["a"]
    resp = start(client, world)
    question = world["q"]["Wat werkt?"]
    text = "a\x00b\u200bc\u202ed</textarea><script>alert(1)</script>"
    assert autosave(client, resp, question, text, 0).status_code == 200
    assert answer_of(resp, question).value == "ab\u200bc\u202ed</textarea><script>alert(1)</script>"
    html = client.get(theme_url(resp, world)).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;/textarea&gt;&lt;script&gt;" in html


KIND_INPUTS = {
    QuestionKind.OPEN: st.text(max_size=300),
    QuestionKind.SINGLE: st.one_of(st.sampled_from(["Lumpsum", "PxQ", ""]), st.text(max_size=20)),
    QuestionKind.SCALE: st.one_of(st.sampled_from(["1", "3", "5", ""]), st.text(max_size=5)),
    QuestionKind.NUMBER: st.one_of(
        st.floats(min_value=0, max_value=250, allow_nan=False).map(lambda f: f"{f:.2f}".replace(".", ",")),
        st.text(max_size=12)),
}
OPTIONS = ["Hulp", "Begeleiding", "Dagbesteding"]
MULTIPLE_INPUT = st.lists(st.one_of(st.sampled_from(OPTIONS), st.text(max_size=10)), max_size=4)


def _pure_question(kind: QuestionKind) -> Question:
    """A question as the parser sees it; never added to the database."""
    options = {QuestionKind.SINGLE: ["Lumpsum", "PxQ"], QuestionKind.MULTIPLE: OPTIONS}.get(kind, [])
    return Question(text="?", kind=kind, options=options,
                    min_value=0 if kind == QuestionKind.NUMBER else None,
                    max_value=250 if kind == QuestionKind.NUMBER else None)


def _check_round_trip(question: Question, values: list[str]) -> None:
    """Any input is either refused with a message or stored as a value the form shows back unchanged."""
    try:
        stored = parse_answer(question, values)
    except AnswerError as refused:
        assert str(refused.message)
        return
    if stored is None:
        return
    shown = form_value(question, stored)
    if question.kind == QuestionKind.NUMBER:
        assert parse_number(shown) == stored
        assert 0 <= stored <= 250
    elif question.kind == QuestionKind.OPEN:
        assert shown == values[0].replace("\x00", "").replace("\r\n", "\n")
    elif question.kind == QuestionKind.MULTIPLE:
        assert shown == [o for o in question.options if o in values]
    elif question.kind == QuestionKind.SCALE:
        assert shown == values[0] and stored in {1, 2, 3, 4, 5}
    else:
        assert shown == values[0] and stored in question.options
    assert parse_answer(question, shown if isinstance(shown, list) else [shown]) == stored


@pytest.mark.parametrize("kind", list(KIND_INPUTS))
def test_any_single_value_is_refused_or_round_trips(kind):
    question = _pure_question(kind)

    @settings(max_examples=1000, deadline=None, database=None)
    @given(value=KIND_INPUTS[kind])
    def check(value):
        _check_round_trip(question, [value])

    check()


@settings(max_examples=1000, deadline=None, database=None)
@given(values=MULTIPLE_INPUT)
def test_any_choice_list_is_refused_or_round_trips(values):
    _check_round_trip(_pure_question(QuestionKind.MULTIPLE), values)


@settings(max_examples=1000, deadline=None, database=None)
@given(number=st.decimals(min_value=-10**8, max_value=10**8, places=2, allow_nan=False, allow_infinity=False))
def test_a_number_in_dutch_or_international_notation_reads_as_itself(number):
    plain = f"{number:.2f}"
    dutch = plain.replace(".", ",")
    assert parse_number(plain) == parse_number(dutch) == round(float(number), 6) + 0.0
    whole, _, cents = dutch.lstrip("-").partition(",")
    grouped = ("-" if number < 0 else "") + f"{int(whole):,}".replace(",", ".") + "," + cents
    assert parse_number(grouped) == parse_number(dutch)


ROUND_TRIPS = {
    "Wat werkt?": ["Eerste regel\r\ntweede regel", "a\x00b", "   "],
    "Bekostiging?": ["Lumpsum", "Anders", ""],
    "Tevreden?": ["5", "0", "vijf"],
    "Kostprijs?": ["45,50", "1.234,56", "veel"],
    "Segmenten?": [["Hulp", "Dagbesteding"], ["Hulp", "Onbekend"], []],
}


@pytest.mark.parametrize("title", list(ROUND_TRIPS))
def test_values_over_http_are_stored_as_parsed_or_refused_without_500(world, title):
    client = world["clients"]["a"]
    resp = start(client, world)
    question = db.session.get(Question, world["q"][title].id)
    url = f"/responses/{resp.id}/answers/{question.id}"
    token = get_csrf(client, f"/responses/{resp.id}")
    for value in ROUND_TRIPS[title]:
        values = value if isinstance(value, list) else [value]
        try:
            expected, refused = parse_answer(question, values), None
        except AnswerError as error:
            expected, refused = None, str(error.message)
        before = answer_of(resp, question)
        before_value = before.value if before else None
        response = client.post(url, data={f"q-{question.id}": values, f"v-{question.id}": str(_version(resp, question)),
                                          "csrf_token": token}, headers=HX)
        assert response.status_code == 200
        stored = answer_of(resp, question)
        if refused:
            assert "Niet opgeslagen" in text_of(response)
            assert (stored.value if stored else None) == before_value
        else:
            assert "Niet opgeslagen" not in text_of(response)
            assert (stored.value if stored else None) == expected
