"""Questions and answers: asked privately, published to all at once, the asker never revealed."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from odfdo import Document
from sqlalchemy import select

from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation, Status, TeamRole, Theme
from consult.core.time import utcnow
from consult.dialogue.models import Post, Thread
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from consult.qa.models import QaItem, QaStatus
from tests.conftest import add_team, clients_for, make_org, make_user, post_form, text_of


@pytest.fixture
def world(app):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=5), principles=[])
    consultation.themes.append(Theme(title="Dienstverlening", position=0))
    other = Consultation(slug="ander", title="Ander", status=Status.OPEN, municipalities=[leiden],
                         closes_at=utcnow() + timedelta(days=5), principles=[])
    db.session.add_all([consultation, other])
    db.session.commit()
    org_a = make_org("Geheime Zorg BV", kvk="11111111")
    users = {
        "provider": make_user("a@example.org", name="Anna Vraagsteller", org=org_a),
        "colleague": make_user("a2@example.org", name="Arie Collega", org=org_a),
        "provider2": make_user("b@example.org", name="Bert Ander", org=make_org("Zorg B", kvk="22222222")),
        "council": make_user("raad@example.org", name="Rita Raad", org=make_org("Adviesraad", kind=OrgKind.COUNCIL)),
        "editor": make_user("editor@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT),
        "analyst": make_user("analyst@example.org", name="Ali Analist"),
        "other_team": make_user("other@example.org", name="Otto Ander", org=leiden),
    }
    add_team(consultation, {users["editor"]: TeamRole.EDITOR, users["analyst"]: TeamRole.ANALYST})
    add_team(other, {users["other_team"]: TeamRole.EDITOR})
    clients = clients_for(app, users)
    return {"consultation": consultation, "users": users, "clients": clients}


def ask(client, text="Mogen wij met onderaannemers werken? Wij zijn Geheime Zorg BV."):
    return post_form(client, "/consultations/wmo/qa", {"theme": "0", "text": text})


def answer(client, item, question="Mag een aanbieder met onderaannemers werken?", answer="Ja, onder voorwaarden.",
           action="publish"):
    return post_form(client, f"/qa/{item.id}", {"theme": "0", "question": question, "answer": answer, "action": action})


ROLES = ["anonymous", "other_team", "provider", "council", "analyst", "editor"]


# Anyone reads the published answers (another consultation's team too), but only providers and councils ask.
@pytest.mark.parametrize("role,expected", list(zip(ROLES, [302, 403, 302, 302, 403, 403], strict=True)))
def test_ask_question(world, role, expected):
    assert ask(world["clients"][role]).status_code == expected


@pytest.mark.parametrize("role,expected", list(zip(ROLES, [302, 404, 403, 404, 403, 200], strict=True)))
def test_answer_page(world, role, expected):
    ask(world["clients"]["provider"])
    item = db.session.scalar(select(QaItem))
    assert world["clients"][role].get(f"/qa/{item.id}").status_code == expected


@pytest.mark.parametrize("role,expected", list(zip(ROLES, [302, 404, 403, 404, 403, 302], strict=True)))
def test_publish(world, role, expected):
    ask(world["clients"]["provider"])
    item = db.session.scalar(select(QaItem))
    assert answer(world["clients"][role], item).status_code == expected
    assert (db.session.get(QaItem, item.id).status == QaStatus.PUBLISHED) is (role == "editor")


def test_unpublished_question_is_private_to_the_asking_organisation(world):
    ask(world["clients"]["provider"])
    assert "Mogen wij met onderaannemers werken?" in text_of(world["clients"]["colleague"].get("/consultations/wmo/qa"))
    for who in ("provider2", "council"):
        assert "onderaannemers" not in text_of(world["clients"][who].get("/consultations/wmo/qa"))


def test_publication_numbers_items_and_never_reveals_the_asker(world):
    ask(world["clients"]["provider"])
    ask(world["clients"]["council"], "Hoe worden cliënten betrokken?")
    first, second = db.session.scalars(select(QaItem).order_by(QaItem.id)).all()
    answer(world["clients"]["editor"], second, "Hoe worden cliënten betrokken bij de inkoop?", "Via de adviesraden.")
    answer(world["clients"]["editor"], first)
    assert [(i.number, i.status) for i in db.session.scalars(select(QaItem).order_by(QaItem.number))] == [
        (1, QaStatus.PUBLISHED), (2, QaStatus.PUBLISHED)]
    for who in ("provider2", "council", "colleague"):
        html = world["clients"][who].get("/consultations/wmo/qa").get_data(as_text=True)
        assert "Mag een aanbieder met onderaannemers werken?" in html
        if who != "colleague":
            assert "Geheime Zorg" not in html and "Anna Vraagsteller" not in html
        received = world["clients"][who].get("/consultations/wmo/qa/received").get_data(as_text=True)
        assert "Geheime Zorg" not in received and "Vraagsteller" not in received
    odt = world["clients"]["provider2"].get("/consultations/wmo/qa/export.odt")
    assert odt.headers["Content-Type"] == "application/vnd.oasis.opendocument.text"
    text = Document(io.BytesIO(odt.data)).get_formatted_text()
    assert "Vraag 1" in text and "Mag een aanbieder met onderaannemers werken?" in text
    assert "Geheime Zorg" not in text and "Vraagsteller" not in text
    pdf = world["clients"]["provider2"].get("/consultations/wmo/qa/export.pdf")
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.data.startswith(b"%PDF-")
    events = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("qa_%"))
                                                   .order_by(AuditEvent.id))]
    assert events == ["qa_asked", "qa_asked", "qa_published", "qa_published", "qa_exported", "qa_exported"]


def test_draft_answers_are_not_visible_until_published(world):
    ask(world["clients"]["provider"])
    item = db.session.scalar(select(QaItem))
    answer(world["clients"]["editor"], item, action="save")
    assert "Ja, onder voorwaarden." not in text_of(world["clients"]["provider2"].get("/consultations/wmo/qa"))
    assert db.session.get(QaItem, item.id).status == QaStatus.DRAFT


def test_team_initiative_and_substantive_post_become_items(world):
    editor = world["clients"]["editor"]
    response = post_form(editor, "/consultations/wmo/qa/manage")
    item = db.session.scalar(select(QaItem))
    assert response.headers["Location"] == f"/qa/{item.id}"
    answer(editor, item, "Correctie op de planning", "De sluitingsdatum blijft ongewijzigd.")
    post_form(editor, "/consultations/wmo/discussion",
              {"theme": "0", "title": "Toelichting", "body": "De tarieven worden per uur vastgesteld."})
    post = db.session.scalar(select(Post).join(Post.thread).where(Thread.title == "Toelichting"))
    response = post_form(editor, f"/posts/{post.id}/substantive")
    from_post = db.session.scalar(select(QaItem).where(QaItem.source_post_id == post.id))
    assert response.headers["Location"] == f"/qa/{from_post.id}"
    assert (from_post.question, from_post.answer, from_post.status) == (
        "Toelichting", "De tarieven worden per uur vastgesteld.", QaStatus.DRAFT)
