"""The response form for screen readers and without JavaScript (issue 18): a numbered heading and a
named group per question, files added or removed by the page's own form (so the answers typed on
the page are saved with them), and withdrawing only after a confirmation page."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from consult.audit.models import AuditEvent
from consult.extensions import db
from consult.responses.models import Response, ResponseStatus
from tests.conftest import post_form, text_of
from tests.test_responses import PDF, answer_of, fill_and_submit, start, theme_url, world  # noqa: F401


def _section(html: str, qid: int) -> str:
    """The markup of one question on the theme page."""
    start_at = html.index(f'id="question-{qid}"')
    end_at = html.find('class="response-question', start_at + 1)
    return html[start_at:end_at if end_at != -1 else len(html)]


def test_each_question_has_a_numbered_heading_and_named_switches_inside_its_group(world):
    client = world["clients"]["a"]
    resp = start(client, world)
    html = client.get(theme_url(resp, world)).get_data(as_text=True)
    q = world["q"]
    # Numbered in the order the provider sees them (the council's question is not on this page).
    headings = [re.sub(r"<[^>]+>|\s+", " ", h).split() for h in re.findall(r'<h2 class="question-heading".*?</h2>', html, re.S)]
    assert [" ".join(words[:2]) for words in headings] == [f"Vraag {n}" for n in range(1, 7)]
    open_q = _section(html, q["Wat werkt?"].id)
    assert f'role="group" aria-labelledby="qn-{q["Wat werkt?"].id}"' in open_q
    assert f'<span class="question-number" id="qn-{q["Wat werkt?"].id}">Vraag 1</span>' in open_q
    scale_q = _section(html, q["Tevreden?"].id)
    # A choice question's fieldset is the group: the switches sit inside it, before it closes.
    fieldset = scale_q[scale_q.index("<fieldset"):scale_q.index("</fieldset>")]
    assert f'id="c-{q["Tevreden?"].id}"' in fieldset and f'id="s-{q["Tevreden?"].id}"' in fieldset
    qid = q["Tevreden?"].id
    # Each switch is named by its label and the question's number ("Vertrouwelijk Vraag 4").
    assert f'aria-labelledby="c-{qid}-label qn-{qid}" aria-describedby="c-{qid}-hint"' in fieldset
    assert f'aria-labelledby="s-{qid}-label qn-{qid}"' in fieldset
    file_id = q["Positionpaper?"].id
    file_q = _section(html, file_id)
    assert f'aria-labelledby="file-{file_id}-label qn-{file_id}"' in file_q
    assert f'id="upload-{file_id}" aria-labelledby="upload-{file_id} qn-{file_id}">Bestand uploaden</button>' in file_q
    assert f'<span class="question-number" id="qn-{file_id}">Vraag 6</span>' in file_q


def test_uploading_a_file_saves_the_answers_typed_on_the_page(world):
    client = world["clients"]["a"]
    resp = start(client, world)
    url = theme_url(resp, world)
    q = world["q"]
    paper = q["Positionpaper?"]
    response = post_form(client, url, {f"q-{q['Wat werkt?'].id}": "Getypt voor het uploaden", f"v-{q['Wat werkt?'].id}": "0",
                                       f"file-{paper.id}": (io.BytesIO(PDF), "visie.pdf"),
                                       "action": f"upload-{paper.id}"},
                         csrf_from=url, content_type="multipart/form-data")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{url}#question-{paper.id}"
    assert answer_of(resp, q["Wat werkt?"]).value == "Getypt voor het uploaden"
    assert [a.original_name for a in answer_of(resp, paper).current_attachments] == ["visie.pdf"]
    page = text_of(client.get(url))
    assert "Het bestand is toegevoegd." in page and "visie.pdf" in page

    # Removing the file from the same form also keeps what was typed.
    attachment = answer_of(resp, paper).current_attachments[0]
    response = post_form(client, url, {f"q-{q['Wat werkt?'].id}": "Daarna aangevuld", f"v-{q['Wat werkt?'].id}": "1",
                                       "action": f"remove-{attachment.id}"}, csrf_from=url)
    assert response.headers["Location"] == f"{url}#question-{paper.id}"
    assert answer_of(resp, q["Wat werkt?"]).value == "Daarna aangevuld"
    assert answer_of(resp, paper).current_attachments == []


def test_a_refused_file_is_named_on_the_page_and_the_typed_text_is_kept(world):
    client = world["clients"]["a"]
    resp = start(client, world)
    url = theme_url(resp, world)
    q = world["q"]
    paper, cost = q["Positionpaper?"], q["Kostprijs?"]
    response = post_form(client, url, {f"q-{q['Wat werkt?'].id}": "Blijft staan", f"v-{q['Wat werkt?'].id}": "0",
                                       f"q-{cost.id}": "veel", f"file-{paper.id}": (io.BytesIO(b"<html></html>"), "x.pdf"),
                                       "action": f"upload-{paper.id}"},
                         csrf_from=url, content_type="multipart/form-data")
    assert response.status_code == 200
    body = text_of(response)
    # Both problems in the summary: the number's (its wording is the number field's own) and the file's.
    assert re.search(r"Er is een probleem “Kostprijs\?”: [^“]+ “Positionpaper\?”: Dit soort bestand "
                     r"wordt niet geaccepteerd\. Upload een PDF-, ODT- of DOCX-bestand\.", body)
    html = response.get_data(as_text=True)
    assert f'href="#file-{paper.id}"' in html
    assert f'aria-describedby="error-{paper.id}" aria-invalid="true"' in html
    assert ">Blijft staan</textarea>" in html and 'value="veel"' in html
    assert answer_of(resp, q["Wat werkt?"]).value == "Blijft staan"  # the good answers are saved
    assert answer_of(resp, paper) is None or answer_of(resp, paper).current_attachments == []

    # Without a file chosen: the same, with the question's own message.
    response = post_form(client, url, {"action": f"upload-{paper.id}"}, csrf_from=url)
    assert "“Positionpaper?”: Kies een bestand." in text_of(response)


def test_withdrawing_asks_on_a_page_first(world):
    client = world["clients"]["a"]
    resp = start(client, world)
    fill_and_submit(client, resp, world)
    overview = client.get(f"/responses/{resp.id}").get_data(as_text=True)
    assert f'href="/responses/{resp.id}/withdraw">Onze reactie intrekken</a>' in overview
    page = client.get(f"/responses/{resp.id}/withdraw")
    body = text_of(page)
    assert "<title>De reactie van Zorg A intrekken? · Consult</title>" in page.get_data(as_text=True)
    assert "Na het intrekken gebruikt het projectteam uw reactie niet (versie 1, ingediend" in body
    assert "Ja, onze reactie intrekken Nee, ingediend laten" in body
    assert db.session.get(Response, resp.id).status == ResponseStatus.SUBMITTED

    # A POST without the confirmation (an old page, a crafted request) only shows the question again.
    unconfirmed = post_form(client, f"/responses/{resp.id}/withdraw", csrf_from=f"/responses/{resp.id}")
    assert unconfirmed.status_code == 200
    assert "Ja, onze reactie intrekken" in text_of(unconfirmed)
    db.session.expire_all()
    assert db.session.get(Response, resp.id).status == ResponseStatus.SUBMITTED
    # Without a valid CSRF token nothing happens either.
    forged = client.post(f"/responses/{resp.id}/withdraw", data={"confirm": "1", "csrf_token": "x"})
    assert forged.status_code in (302, 400)
    db.session.expire_all()
    assert db.session.get(Response, resp.id).status == ResponseStatus.SUBMITTED

    done = post_form(client, f"/responses/{resp.id}/withdraw", {"confirm": "1"}, csrf_from=f"/responses/{resp.id}/withdraw")
    assert done.headers["Location"] == f"/responses/{resp.id}"
    db.session.expire_all()
    assert db.session.get(Response, resp.id).status == ResponseStatus.WITHDRAWN
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "response_withdrawn")).all() == [
        "response_withdrawn"]
    # Nothing left to withdraw: the page sends the person back to the overview.
    assert client.get(f"/responses/{resp.id}/withdraw").headers["Location"] == f"/responses/{resp.id}"
