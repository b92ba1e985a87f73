"""The paged lists' notes and forms: a page holding one item names that item alone ("Vraag 51 van
51", not "51 tot en met 51"), and the forms above or below a paged list send the page they were
shown on, so a refused form comes back on it."""
from __future__ import annotations

from datetime import timedelta

from consult.advice.models import CouncilComment
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import Organisation
from tests.conftest import make_org, post_form, text_of
from tests.test_advice import world  # noqa: F401  (the fixture)
from tests.test_qa_pages import published


def test_a_last_page_of_one_question_names_it_alone(world):
    published(world, 51)
    provider = world["clients"]["provider"]
    assert "Vragen 1 tot en met 50 van 51." in text_of(provider.get("/consultations/wmo/qa/received"))
    last = text_of(provider.get("/consultations/wmo/qa/received?page=2"))
    assert "Vraag 51 van 51." in last
    assert "tot en met 51" not in last


def test_the_question_form_sends_the_pages_of_both_lists(world):
    published(world, 25)
    html = world["clients"]["provider"].get("/consultations/wmo/qa?page=2").get_data(as_text=True)
    assert '<form method="post" action="/consultations/wmo/qa?page=2" novalidate>' in html
    refused = post_form(world["clients"]["provider"], "/consultations/wmo/qa?page=2", {"theme": "0", "text": ""})
    assert refused.status_code == 200
    assert "Schrijf uw vraag." in text_of(refused)
    assert "Vraag nummer 25?" in text_of(refused) and "Vraag nummer 1?" not in text_of(refused)


def test_a_last_page_of_one_comment_names_it_alone_and_the_form_keeps_the_page(world):
    consultation, users = world["consultation"], world["users"]
    when = utcnow() - timedelta(days=1)
    for n in range(1, 22):
        db.session.add(CouncilComment(consultation_id=consultation.id, author=users["member"],
                                      organisation=world["councils"]["raad"], body=f"Opmerking nummer {n}.",
                                      created_at=when + timedelta(minutes=n)))
    db.session.commit()
    member = world["clients"]["member"]
    second = member.get("/consultations/wmo/council-comments?page=2")
    assert "Opmerking 21 van 21, oudste eerst." in text_of(second)
    assert "tot en met 21" not in text_of(second)
    assert 'action="/consultations/wmo/council-comments?page=2"' in second.get_data(as_text=True)
    refused = post_form(member, "/consultations/wmo/council-comments?page=2", {"target": "", "body": ""})
    assert refused.status_code == 200
    assert "Schrijf uw opmerking." in text_of(refused)
    assert "Opmerking nummer 21." in text_of(refused) and "Opmerking nummer 20." not in text_of(refused)


def test_a_last_page_of_one_organisation_names_it_alone(world):
    # With the councils and the provider's organisation already there: 51 to invite, 50 a page.
    invitable = db.session.query(Organisation).count() - 1  # without the municipality
    for n in range(51 - invitable):
        make_org(f"Aanbieder {n:02d}")
    editor = world["clients"]["editor"]
    assert "Organisaties 1 tot en met 50 van 51:" in text_of(editor.get("/consultations/wmo/manage/access"))
    last = text_of(editor.get("/consultations/wmo/manage/access?page=2"))
    assert "Organisatie 51 van 51: opslaan wijzigt alleen de uitnodiging van deze organisatie; die van de andere " \
           "blijven zoals ze zijn." in last
    assert "tot en met 51" not in last
