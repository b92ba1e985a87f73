"""The actions on an analysis question page read what they are sent through their form classes
(BulkForm, UndoBulkForm, RemoveCodingForm, RemoveQuoteForm, ExcerptForm): a wrong value is named at
its own field (the message beside it, aria-invalid, a linked summary entry), the page comes back with
200 and the selection, text and choices kept; a row number that is not one is a 404 as before."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from consult.analysis.models import Coding, Quote, Tag
from consult.consultations.models import Consultation, Status
from consult.extensions import db
from tests.conftest import post_form, text_of
from tests.question_actions import action_url
from tests.test_analysis import client_for, question_url, respond, world  # noqa: F401  (the fixture)

OPEN = "Wat werkt goed?"


@pytest.fixture
def page(app, world):  # noqa: F811
    answers = [respond(world, f"Zorg {n}", kvk=f"9000000{n}", open_text=f"Korte lijnen bij Zorg {n}.")
               for n in range(2)]
    tag = Tag(consultation_id=world["consultation"].id, name="Reistijd", colour="green")
    other = Consultation(slug="ander", title="Ander", status=Status.DRAFT, principles=[])
    db.session.add_all([tag, other])
    db.session.flush()
    foreign = Tag(consultation_id=other.id, name="Elders", colour="red")
    db.session.add(foreign)
    db.session.commit()
    question = world["q"][OPEN]
    return {"client": client_for(app, "analyst@example.org"), "url": question_url(world, OPEN, q="lijnen"),
            "keys": [f"{r.id}-{question.id}" for r in answers], "tag": tag, "foreign": foreign}


def element(html: str, element_id: str) -> str:
    return re.search(rf'<(?:input|textarea|select)[^>]*id="{element_id}"[^>]*>', html).group(0)


def send(page, action: str, data: dict):
    return post_form(page["client"], action_url(page["url"], action), data, csrf_from=page["url"])


def codings() -> int:
    return db.session.scalar(select(func.count(Coding.id)))


@pytest.mark.parametrize("wrong", ["abc", "foreign", "999999"])
def test_bulk_with_a_tag_that_is_not_one_of_the_consultations_is_named_at_the_tag(page, wrong):
    value = str(page["foreign"].id) if wrong == "foreign" else wrong
    refused = send(page, "tag_selected", {"action": "tag_selected", "tag": value, "answers": [page["keys"][1]]})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert '<a class="utrecht-link" href="#bulk-tag">Kies een van de tags.</a>' in html
    assert 'id="bulk-tag-error"><span class="visually-hidden">Fout: </span>Kies een van de tags.</div>' in html
    assert 'aria-describedby="bulk-tag-hint bulk-tag-error" aria-invalid="true"' in element(html, "bulk-tag")
    assert "checked" in element(html, f"select-{page['keys'][1]}")  # the selection stays
    assert "checked" not in element(html, f"select-{page['keys'][0]}")
    assert codings() == 0


def test_bulk_on_the_selection_without_a_selection_is_named_at_the_answers_and_keeps_the_tag(page):
    tag = page["tag"]
    refused = send(page, "untag_selected", {"action": "untag_selected", "tag": str(tag.id), "answers": ["x-1"]})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    first = page["keys"][0]
    assert f'<a class="utrecht-link" href="#select-{first}">Selecteer minstens één antwoord.</a>' in html
    assert 'id="bulk-answers-error"><span class="visually-hidden">Fout: </span>Selecteer minstens één antwoord.' in html
    assert 'aria-describedby="bulk-answers-error" aria-invalid="true"' in element(html, f"select-{first}")
    assert f'<option value="{tag.id}" selected>Reistijd</option>' in html  # the chosen tag stays
    assert 'aria-invalid' not in element(html, "bulk-tag")


def test_bulk_with_an_unknown_button_is_a_bad_request(page):
    assert send(page, "tag_selected", {"action": "tag_everything", "tag": str(page["tag"].id)}).status_code == 400
    assert send(page, "tag_selected", {"tag": str(page["tag"].id)}).status_code == 400
    assert codings() == 0


def test_bulk_returns_to_its_anchor_and_drops_one_that_is_not_an_anchor(page):
    tag = str(page["tag"].id)
    done = send(page, "tag_filtered", {"action": "tag_filtered", "tag": tag, "anchor": "#answers"})
    assert done.status_code == 302 and done.headers["Location"] == page["url"] + "#answers"
    assert codings() == 2
    undone = send(page, "undo_bulk", {"anchor": "//elders.example/x"})
    assert undone.status_code == 302 and undone.headers["Location"] == page["url"]
    assert codings() == 0


def test_removing_a_tag_or_quote_that_is_not_a_number_or_not_this_consultations_is_not_found(page):
    response_id, _sep, question_id = page["keys"][0].partition("-")
    foreign = Coding(tag_id=page["foreign"].id, response_id=int(response_id), question_id=int(question_id))
    db.session.add(foreign)
    db.session.commit()
    for value in ("abc", "", "999999", str(foreign.id)):
        assert send(page, "remove_coding", {"coding": value}).status_code == 404
    for value in ("abc", "", "999999"):
        assert send(page, "remove_quote", {"quote": value}).status_code == 404
    assert db.session.get(Coding, foreign.id) is not None


def test_an_excerpt_without_tag_or_quote_is_named_at_the_tag_and_the_text_is_kept(page):
    key = page["keys"][0]
    refused = send(page, "excerpt", {"answer": key, "excerpt": "Korte lijnen", "tag": "", "at": "0"})
    html = refused.get_data(as_text=True)
    message = "Kies een tag, of markeer het fragment als kerncitaat, of allebei."
    assert refused.status_code == 200
    assert f'<a class="utrecht-link" href="#excerpt-tag-{key}">{message}</a>' in html
    assert f'id="excerpt-tag-{key}-error"><span class="visually-hidden">Fout: </span>{message}</div>' in html
    assert f'aria-describedby="excerpt-tag-{key}-error" aria-invalid="true"' in element(html, f"excerpt-tag-{key}")
    assert "aria-invalid" not in element(html, f"excerpt-{key}")
    assert ">Korte lijnen</textarea>" in html
    assert codings() == 0 and db.session.scalar(select(func.count(Quote.id))) == 0


def test_an_excerpt_with_a_foreign_tag_is_named_at_the_tag_and_keeps_text_and_quote(page):
    key = page["keys"][0]
    refused = send(page, "excerpt", {"answer": key, "excerpt": "Korte lijnen", "tag": str(page["foreign"].id),
                                     "quote": "1"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert f'<a class="utrecht-link" href="#excerpt-tag-{key}">Kies een van de tags.</a>' in html
    assert ">Korte lijnen</textarea>" in html and "checked" in element(html, f"quote-{key}")
    assert "Elders" not in text_of(refused)
    assert db.session.scalar(select(func.count(Quote.id))) == 0


def test_an_excerpt_not_in_the_answer_is_named_at_the_text_and_keeps_the_tag(page):
    key, tag = page["keys"][1], page["tag"]
    refused = send(page, "excerpt", {"answer": key, "excerpt": "Lange lijnen", "tag": str(tag.id), "at": "x"})
    html = refused.get_data(as_text=True)
    message = "Deze tekst staat niet in het antwoord. Kopieer hem precies uit het antwoord."
    assert refused.status_code == 200
    assert f'<a class="utrecht-link" href="#excerpt-{key}">{message}</a>' in html
    assert 'aria-invalid="true"' in element(html, f"excerpt-{key}") and ">Lange lijnen</textarea>" in html
    form = html[html.index(f'id="excerpt-tag-{key}"'):]
    assert f'<option value="{tag.id}" selected>Reistijd</option>' in form[:form.index("</select>")]
    assert "checked" not in element(html, f"quote-{key}")
    # The other answer's excerpt form is as new.
    other = page["keys"][0]
    assert f'name="excerpt" rows="3" aria-describedby="excerpt-{other}-hint"></textarea>' in html


def test_an_excerpt_of_an_unknown_answer_is_not_found_and_a_wrong_offset_reads_as_none(page):
    tag = str(page["tag"].id)
    assert send(page, "excerpt", {"answer": "abc", "excerpt": "Korte lijnen", "tag": tag}).status_code == 404
    assert send(page, "excerpt", {"answer": "", "excerpt": "Korte lijnen", "tag": tag}).status_code == 404
    done = send(page, "excerpt", {"answer": page["keys"][0], "excerpt": "Korte lijnen", "tag": tag,
                                  "at": "not a number", "anchor": f"#answer-{page['keys'][0]}"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"#answer-{page['keys'][0]}")
    assert db.session.scalar(select(Coding.start).where(Coding.excerpt == "Korte lijnen")) == 0


def test_a_refused_tag_change_on_page_two_keeps_the_page_and_its_anchor(app, world):  # noqa: F811
    tags = [Tag(consultation_id=world["consultation"].id, name=f"Tag {n:02d}", colour="blue") for n in range(35)]
    db.session.add_all(tags)
    db.session.commit()
    client = client_for(app, "analyst@example.org")
    url = f"/consultations/wmo/analysis/tags?edit={tags[32].id}&page=2"
    refused = post_form(client, url, {"name": " ", "colour": "blue"}, csrf_from=url)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "Geef de tag een naam." in text_of(refused)
    assert "35 tags. Pagina 2 van 2." in text_of(refused) and "Tag 34" in html and "Tag 00" not in html
    assert (f'<form method="post" action="/consultations/wmo/analysis/tags?edit={tags[32].id}&amp;page=2#tag-form" '
            "novalidate>") in html
