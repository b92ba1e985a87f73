"""Input that goes missing or goes wrong (issue 18): the council's advice draft is one form whose
every button saves all of it; bulk tagging without a preselected tag, with bulk removal and an
exact undo; an excerpt marked where it was selected; a theme complete only when every question
is answered or skipped; error summaries that name their question; one theme per title, however
often the form is sent; web addresses cut after a whole word."""
from __future__ import annotations

import io
import re
import threading
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import MetaData, func, select, text

from consult.advice.models import Advice, AdvicePoint, AdviceStatus
from consult.analysis.models import BulkTagging, Coding, Quote, Tag
from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, TeamRole, Theme
from consult.consultations.services import slugify, unique_slug
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from consult.responses.models import Answer, Publication, Response
from consult.responses.services import save_answer, set_publication, start_response, submit
from tests.conftest import build_app, get_csrf, make_org, make_user, post_form, sign_in, text_of
from tests.question_actions import action_url
from tests.test_migrations import empty_database as empty_migration_database

HX = {"HX-Request": "true"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def client_for(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


@pytest.fixture
def world(app):
    """An open consultation, its team, a council with two members and a provider."""
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=5), principles=[])
    theme = Theme(title="Bekostiging", position=0)
    theme.questions.extend([
        Question(text="Wat werkt goed in de wijk?", kind=QuestionKind.OPEN, position=0, audience="both"),
        Question(text="Kostprijs per uur begeleiding individueel?", kind=QuestionKind.NUMBER, unit="€",
                 position=1),
        Question(text="Kostprijs per uur begeleiding groep?", kind=QuestionKind.NUMBER, unit="€", position=2),
        Question(text="Positionpaper?", kind=QuestionKind.FILE, position=3),
    ])
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    raad = make_org("Adviesraad Leiden", kind=OrgKind.COUNCIL)
    provider = make_org("Zorg A", kvk="11111111")
    users = {
        "editor": make_user("editor@example.org", name="Eva Editor", org=leiden),
        "analyst": make_user("analyst@example.org", name="Ali Analist", org=leiden),
        "contact": make_user("contact@raad.example.org", name="Carla Contact", org=raad, role=MemberRole.CONTACT),
        "member": make_user("lid@raad.example.org", name="Lars Lid", org=raad),
        "provider": make_user("a@example.org", name="Anna Aanbieder", org=provider, role=MemberRole.CONTACT),
    }
    db.session.add_all([
        TeamMember(consultation_id=consultation.id, user_id=users["editor"].id, role=TeamRole.EDITOR),
        TeamMember(consultation_id=consultation.id, user_id=users["analyst"].id, role=TeamRole.ANALYST),
    ])
    db.session.commit()
    q = {question.text: question for question in theme.questions}
    return {"consultation": consultation, "theme": theme, "q": q, "users": users, "council": raad,
            "provider": provider}


# --- the council's advice draft: one form ----------------------------------------------------------

@pytest.fixture
def draft(app, world):
    editor = client_for(app, world["users"]["editor"])
    data = {"question": "Sluiten de thema's aan?", "due_on": (utcnow() + timedelta(days=14)).date().isoformat(),
            "councils": [str(world["council"].id)]}
    assert post_form(editor, "/consultations/wmo/advice", data).status_code == 302
    advice = db.session.scalar(select(Advice))
    return {"advice": advice, "url": f"/advice/{advice.id}", "member": client_for(app, world["users"]["member"]),
            "contact": client_for(app, world["users"]["contact"])}


def draft_now() -> Advice:
    db.session.expire_all()
    return db.session.scalar(select(Advice))


def send_draft(client, advice_url, action_url, data, **kwargs):
    """Press a button of the draft page: the whole form goes to the button's address."""
    return post_form(client, action_url, data, csrf_from=advice_url, content_type="multipart/form-data", **kwargs)


def test_advice_point_added_keeps_the_introduction_typed_above(draft):
    response = send_draft(draft["member"], draft["url"], f"{draft['url']}/points",
                          {"introduction": "De raad adviseert op twee punten.", "version": "1",
                           "title": "Betrek cliënten", "body": "Laat ervaringsdeskundigen meelezen."})
    assert response.status_code == 302
    advice = draft_now()
    assert (advice.introduction, advice.version) == ("De raad adviseert op twee punten.", 2)
    assert [(p.title, p.body) for p in advice.points] == [("Betrek cliënten", "Laat ervaringsdeskundigen meelezen.")]
    page = text_of(draft["member"].get(draft["url"]))
    assert "De inleiding is opgeslagen. Adviespunt 1 is toegevoegd." in page


def test_advice_point_without_text_keeps_everything_typed_and_saves_the_introduction(draft):
    response = send_draft(draft["member"], draft["url"], f"{draft['url']}/points",
                          {"introduction": "Inleiding die blijft.", "version": "1", "title": "Alleen een titel",
                           "body": ""})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="Alleen een titel"' in html
    assert "Inleiding die blijft.</textarea>" in html
    assert 'name="version" type="hidden" value="2"' in html  # the next save starts from the saved introduction
    body = text_of(response)
    assert "Er is een probleem Schrijf het adviespunt." in body
    assert "De inleiding is opgeslagen." in body
    advice = draft_now()
    assert (advice.introduction, advice.points) == ("Inleiding die blijft.", [])


def test_advice_introduction_from_an_old_version_is_kept_beside_the_colleagues(draft):
    assert send_draft(draft["contact"], draft["url"], f"{draft['url']}/introduction",
                      {"introduction": "Versie van Carla", "version": "1"}).status_code == 302
    response = send_draft(draft["member"], draft["url"], f"{draft['url']}/points",
                          {"introduction": "Versie van Lars", "version": "1", "title": "Punt", "body": "Tekst"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Versie van Lars</textarea>" in html
    assert "De versie die iemand anders heeft opgeslagen Versie van Carla" in text_of(response)
    advice = draft_now()
    assert (advice.introduction, advice.version) == ("Versie van Carla", 2)
    assert [p.title for p in advice.points] == ["Punt"]  # the point itself could be added


def test_advice_move_remove_and_change_save_what_was_typed_first(draft):
    member, url = draft["member"], draft["url"]
    for title in ("Een", "Twee"):
        assert send_draft(member, url, f"{url}/points", {"title": title, "body": f"Over {title}"}).status_code == 302
    first, second = draft_now().points
    moved = send_draft(member, url, f"/advice/points/{second.id}/move",
                       {"introduction": "Typ en verplaats", "version": "1", "title": "Drie", "body": "Over drie",
                        "direction": "up"})
    assert moved.status_code == 302
    advice = draft_now()
    assert advice.introduction == "Typ en verplaats"
    assert [p.title for p in advice.points] == ["Twee", "Een", "Drie"]
    removed = send_draft(member, url, f"/advice/points/{first.id}/delete",
                         {"introduction": "Typ en verwijder", "version": "2", "title": "", "body": ""})
    assert removed.status_code == 302
    advice = draft_now()
    assert (advice.introduction, [p.title for p in advice.points]) == ("Typ en verwijder", ["Twee", "Drie"])
    change = send_draft(member, url, f"{url}/introduction",
                        {"introduction": "Typ en wijzig", "version": "3", "change": str(second.id)})
    assert change.headers["Location"] == f"/advice/points/{second.id}"
    assert draft_now().introduction == "Typ en wijzig"


def test_advice_document_attached_with_the_text_typed_beside_it(draft):
    response = send_draft(draft["member"], draft["url"], f"{draft['url']}/points",
                          {"introduction": "Met bijlage", "version": "1", "title": "Punt", "body": "Tekst",
                           "file": (io.BytesIO(PDF), "advies.pdf")})
    assert response.status_code == 302
    advice = draft_now()
    assert (advice.introduction, advice.file.original_name, len(advice.points)) == ("Met bijlage", "advies.pdf", 1)
    wrong = send_draft(draft["member"], draft["url"], f"{draft['url']}/file",
                       {"introduction": "Nog een zin", "version": "2", "file": (io.BytesIO(b"MZ\x90binary"), "x.exe")})
    assert wrong.status_code == 200
    assert "Nog een zin</textarea>" in wrong.get_data(as_text=True)
    assert "Upload een PDF-, ODT- of DOCX-bestand." in text_of(wrong)
    assert draft_now().introduction == "Nog een zin"


def test_advice_submitted_with_the_last_typed_introduction_and_point(draft):
    response = send_draft(draft["contact"], draft["url"], f"{draft['url']}/points",
                          {"title": "Punt", "body": "Tekst"})
    assert response.status_code == 302
    response = send_draft(draft["contact"], draft["url"], f"{draft['url']}/submit",
                          {"introduction": "Laatste woord", "version": "1", "title": "Nog een punt",
                           "body": "Net getypt"})
    assert response.status_code == 302
    advice = draft_now()
    assert advice.status == AdviceStatus.SUBMITTED
    assert advice.introduction == "Laatste woord"
    assert [p.title for p in advice.points] == ["Punt", "Nog een punt"]
    assert '"introduction":"Laatste woord"' in advice.canonical


def test_advice_draft_page_is_one_form_with_every_button_in_it(draft):
    send_draft(draft["member"], draft["url"], f"{draft['url']}/points", {"title": "Punt", "body": "Tekst"})
    point = db.session.scalar(select(AdvicePoint))
    html = draft["contact"].get(draft["url"]).get_data(as_text=True)
    form = html[html.index('<form method="post" action="/advice/'):]
    form = form[:form.index("</form>")]
    assert form.count("<form") == 1
    assert 'id="advice-draft"' in form and "data-warn-unsaved" in form
    for action in (f"{draft['url']}/points", f"{draft['url']}/file", f"{draft['url']}/file" , f"{draft['url']}/submit",
                   f"/advice/points/{point.id}/delete", f"{draft['url']}/introduction"):
        assert f'formaction="{action}"' in form, action
    for name in ('name="introduction"', 'name="version"', 'name="title"', 'name="body"', 'name="file"',
                 f'name="change" value="{point.id}"'):
        assert name in form, name


# --- bulk tagging: no preselection, removal, undo ---------------------------------------------------

@pytest.fixture
def tagging(app, world):
    q = world["q"]["Wat werkt goed in de wijk?"]
    responses = []
    for n, name in enumerate(("Zorg B", "Zorg C", "Zorg D")):
        org = make_org(name, kvk=f"2000000{n}")
        user = make_user(f"lid{n}@example.org", org=org)
        response = start_response(world["consultation"], org, by=user)
        save_answer(response, q, f"Korte lijnen en wachtlijst bij {name}. Korte lijnen werken.", False, None,
                    by=user)
        set_publication(response, Publication.NAMED, by=user)
        submit(response, by=user, notify=False)
        responses.append(response)
    tags = {name: Tag(consultation_id=world["consultation"].id, name=name) for name in ("Aanbod", "Wachtlijst")}
    db.session.add_all(tags.values())
    db.session.commit()
    return {"q": q, "responses": responses, "tags": tags, "url": f"/consultations/wmo/analysis/questions/{q.id}",
            "analyst": client_for(app, world["users"]["analyst"]), "editor": client_for(app, world["users"]["editor"])}


def whole_codings(tag) -> list[int]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(Coding.response_id).where(Coding.tag_id == tag.id,
                                                                       Coding.start.is_(None))))


def key(response, question) -> str:
    return f"{response.id}-{question.id}"


def test_bulk_tag_has_no_tag_chosen_beforehand_and_asks_for_one(tagging):
    html = tagging["analyst"].get(tagging["url"]).get_data(as_text=True)
    select_html = html[html.index('id="bulk-tag"'):]
    select_html = select_html[:select_html.index("</select>")]
    assert '<option value="">Kies een tag</option>' in select_html
    assert "selected" not in select_html
    first = tagging["responses"][0]
    response = post_form(tagging["analyst"], action_url(tagging["url"], "tag_filtered"), {"action": "tag_filtered", "tag": "",
                                                              "answers": [key(first, tagging["q"])]},
                         csrf_from=tagging["url"])
    assert response.status_code == 200
    assert "Er is een probleem Kies een tag." in text_of(response)
    page = response.get_data(as_text=True)
    assert f'value="{key(first, tagging["q"])}" form="bulk-form" checked' in page  # the selection stays
    assert 'id="bulk-tag" name="tag" aria-describedby="bulk-tag-hint bulk-tag-error" aria-invalid="true"' in page
    assert db.session.scalar(select(func.count()).select_from(Coding)) == 0


def test_bulk_remove_takes_the_tag_off_whole_answers_and_leaves_excerpts(tagging):
    tag, q, url = tagging["tags"]["Wachtlijst"], tagging["q"], tagging["url"]
    b, c, d = tagging["responses"]
    assert post_form(tagging["analyst"], action_url(url, "tag_filtered"), {"action": "tag_filtered", "tag": str(tag.id)},
                     csrf_from=url).status_code == 302
    assert whole_codings(tag) == [b.id, c.id, d.id]
    assert post_form(tagging["analyst"], action_url(url, "excerpt"), {"answer": key(b, q), "excerpt": "wachtlijst",
                                               "tag": str(tag.id)}, csrf_from=url).status_code == 302
    response = post_form(tagging["analyst"], action_url(url, "untag_selected"), {"action": "untag_selected", "tag": str(tag.id),
                                                   "answers": [key(b, q), key(c, q)]}, csrf_from=url)
    assert response.status_code == 302
    assert "Tag “Wachtlijst” verwijderd bij 2 antwoorden." in text_of(tagging["analyst"].get(url))
    assert whole_codings(tag) == [d.id]
    assert db.session.scalar(select(func.count()).select_from(Coding).where(Coding.start.is_not(None))) == 1
    assert post_form(tagging["analyst"], action_url(url + "?q=Zorg+D", "untag_filtered"),
                     {"action": "untag_filtered", "tag": str(tag.id)},
                     csrf_from=url).status_code == 302
    assert whole_codings(tag) == []


def test_bulk_undo_reverses_exactly_the_last_bulk_action(tagging):
    tag, q, url, analyst = tagging["tags"]["Wachtlijst"], tagging["q"], tagging["url"], tagging["analyst"]
    b, c, d = tagging["responses"]
    assert post_form(analyst, action_url(url, "tag_selected"),
                     {"action": "tag_selected", "tag": str(tag.id), "answers": [key(b, q)]},
                     csrf_from=url).status_code == 302
    kept = db.session.scalar(select(Coding.id).where(Coding.response_id == b.id))
    assert post_form(analyst, action_url(url, "tag_filtered"),
                     {"action": "tag_filtered", "tag": str(tag.id)}, csrf_from=url).status_code == 302
    assert whole_codings(tag) == [b.id, c.id, d.id]
    page = text_of(analyst.get(url))
    assert "tag “Wachtlijst” toegevoegd aan 2 antwoorden. Ongedaan maken de laatste actie op meerdere antwoorden" in page
    assert post_form(analyst, action_url(url, "undo_bulk"), {}, csrf_from=url).status_code == 302
    assert whole_codings(tag) == [b.id]  # the answer tagged before keeps its tag
    assert db.session.scalar(select(Coding.id).where(Coding.response_id == b.id)) == kept
    page = text_of(analyst.get(url))
    assert "Ongedaan gemaakt: tag “Wachtlijst” is weer weggehaald bij 2 antwoorden." in page
    assert "Ongedaan maken" not in page
    again = post_form(analyst, action_url(url, "undo_bulk"), {}, csrf_from=url)
    assert again.status_code == 302
    assert "Er is niets om ongedaan te maken" in text_of(analyst.get(url))
    assert whole_codings(tag) == [b.id]


def test_bulk_undo_of_a_removal_puts_back_who_tagged_and_when(tagging, world):
    tag, q, url, analyst = tagging["tags"]["Aanbod"], tagging["q"], tagging["url"], tagging["analyst"]
    b, c, d = tagging["responses"]
    assert post_form(tagging["editor"], action_url(url, "tag_filtered"), {"action": "tag_filtered", "tag": str(tag.id)},
                     csrf_from=url).status_code == 302
    before = sorted(db.session.execute(select(Coding.response_id, Coding.created_by_id, Coding.created_at)
                                       .where(Coding.tag_id == tag.id)).all())
    assert post_form(analyst, action_url(url, "untag_selected"), {"action": "untag_selected", "tag": str(tag.id),
                                    "answers": [key(b, q), key(d, q)]}, csrf_from=url).status_code == 302
    assert whole_codings(tag) == [c.id]
    assert post_form(analyst, action_url(url, "undo_bulk"), {}, csrf_from=url).status_code == 302
    assert "Ongedaan gemaakt: tag “Aanbod” staat weer bij 2 antwoorden." in text_of(analyst.get(url))
    db.session.expire_all()
    after = sorted(db.session.execute(select(Coding.response_id, Coding.created_by_id, Coding.created_at)
                                      .where(Coding.tag_id == tag.id)).all())
    assert after == before
    assert all(row.created_by_id == world["users"]["editor"].id for row in after)


def test_bulk_undo_belongs_to_one_person_and_one_question(tagging):
    tag, url = tagging["tags"]["Wachtlijst"], tagging["url"]
    assert post_form(tagging["analyst"], action_url(url, "tag_filtered"), {"action": "tag_filtered", "tag": str(tag.id)},
                     csrf_from=url).status_code == 302
    assert post_form(tagging["editor"], action_url(url, "undo_bulk"), {}, csrf_from=url).status_code == 302
    assert len(whole_codings(tag)) == 3  # the editor had nothing to undo
    assert "Ongedaan maken" not in text_of(tagging["editor"].get(url))
    assert "Ongedaan maken" in text_of(tagging["analyst"].get(url))
    assert db.session.scalar(select(func.count()).select_from(BulkTagging)) == 1


def test_bulk_undo_sent_twice_at_once_reverses_once(app, tagging, world):
    tag, q, url, analyst = tagging["tags"]["Aanbod"], tagging["q"], tagging["url"], tagging["analyst"]
    second_tab = client_for(app, world["users"]["analyst"])
    b, c, d = tagging["responses"]
    for _round in range(5):
        assert post_form(analyst, action_url(url, "tag_filtered"),
                         {"action": "tag_filtered", "tag": str(tag.id)}, csrf_from=url).status_code == 302
        assert post_form(analyst, action_url(url, "untag_selected"), {"action": "untag_selected", "tag": str(tag.id),
                                        "answers": [key(b, q), key(c, q)]}, csrf_from=url).status_code == 302
        tokens = {client: get_csrf(client, url) for client in (analyst, second_tab)}
        barrier, results = threading.Barrier(2), []

        def undo(client):
            with app.app_context():
                barrier.wait()
                results.append(client.post(action_url(url, "undo_bulk"),
                                           data={"csrf_token": tokens[client]}).status_code)
                db.session.remove()

        threads = [threading.Thread(target=undo, args=(client,)) for client in (analyst, second_tab)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [302, 302]
        assert whole_codings(tag) == [b.id, c.id, d.id]  # each put back once, not twice
        assert post_form(analyst, action_url(url, "untag_filtered"), {"action": "untag_filtered", "tag": str(tag.id)},
                         csrf_from=url).status_code == 302


# --- excerpts: where they were selected --------------------------------------------------------------

def test_excerpt_marked_where_it_was_selected_and_checked_against_the_answer(tagging):
    tag, q, url, analyst = tagging["tags"]["Aanbod"], tagging["q"], tagging["url"], tagging["analyst"]
    b = tagging["responses"][0]
    text_ = "Korte lijnen en wachtlijst bij Zorg B. Korte lijnen werken."
    second = text_.rindex("Korte lijnen")
    assert post_form(analyst, action_url(url, "excerpt"), {"answer": key(b, q), "excerpt": "Korte lijnen",
                                    "at": str(second), "tag": str(tag.id), "quote": "1"},
                     csrf_from=url).status_code == 302
    coding = db.session.scalar(select(Coding).where(Coding.start.is_not(None)))
    quote = db.session.scalar(select(Quote))
    assert (coding.start, coding.end, coding.excerpt) == (second, second + len("Korte lijnen"), "Korte lijnen")
    assert (quote.start, quote.text) == (second, "Korte lijnen")
    # An offset that does not point at the text falls back to the text itself; a made-up text is refused.
    assert post_form(analyst, action_url(url, "excerpt"), {"answer": key(b, q), "excerpt": " wachtlijst",
                                    "at": "3", "tag": str(tag.id)}, csrf_from=url).status_code == 302
    assert db.session.scalar(select(Coding.start).where(Coding.excerpt == "wachtlijst")) == text_.index("wachtlijst")
    refused = post_form(analyst, action_url(url, "excerpt"), {"answer": key(b, q), "excerpt": "Lange lijnen",
                                       "at": "0", "tag": str(tag.id)}, csrf_from=url)
    assert refused.status_code == 200
    assert "Deze tekst staat niet in het antwoord. Kopieer hem precies uit het antwoord." in text_of(refused)
    assert "Lange lijnen</textarea>" in refused.get_data(as_text=True)


def test_excerpt_over_several_lines_is_found_as_the_browser_sends_it(tagging, world):
    q, url, analyst = tagging["q"], tagging["url"], tagging["analyst"]
    org = make_org("Zorg E", kvk="30000001")
    user = make_user("e@example.org", org=org)
    response = start_response(world["consultation"], org, by=user)
    save_answer(response, q, "Eerste regel.\nTweede regel.", False, None, by=user)
    set_publication(response, Publication.NAMED, by=user)
    submit(response, by=user, notify=False)
    db.session.commit()
    assert post_form(analyst, action_url(url, "excerpt"), {"answer": key(response, q),
                                    "excerpt": "Eerste regel.\r\nTweede", "at": "0",
                                    "tag": str(tagging["tags"]["Aanbod"].id)}, csrf_from=url).status_code == 302
    assert db.session.scalar(select(Coding.excerpt).where(Coding.start.is_not(None))) == "Eerste regel.\nTweede"


def test_analysis_page_offers_marking_the_selected_text(tagging):
    html = tagging["analyst"].get(tagging["url"]).get_data(as_text=True)
    b = tagging["responses"][0]
    k = key(b, tagging["q"])
    assert f'id="text-{k}" data-excerpt-source="excerpt-{k}"' in html
    assert f'data-excerpt-pick="text-{k}"' in html and f'data-excerpt-whole="text-{k}"' in html
    assert '<input type="hidden" name="at" value="" data-excerpt-at>' in html


def test_message_tag_is_not_preselected_and_a_quote_is_taken_where_selected(app, world, tagging):
    from consult.dialogue.models import Post
    from consult.dialogue.services import create_thread

    org = make_org("Zorg Praat", kvk="80000001")
    author = make_user("praat@example.org", org=org)
    create_thread(world["consultation"], None, "Reistijd", "Reistijd kost geld. Reistijd wordt niet vergoed.", by=author)
    db.session.commit()
    post = db.session.scalar(select(Post))
    url, analyst = "/consultations/wmo/analysis/posts", tagging["analyst"]
    html = analyst.get(url).get_data(as_text=True)
    assert 'name="tag"><option value="">Kies een tag</option>' in html
    refused = post_form(analyst, url, {"action": "tag", "post": str(post.id), "tag": ""}, csrf_from=url)
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert f'<a class="utrecht-link" href="#tag-{post.id}">Kies een tag.</a>' in page
    assert f'id="tag-{post.id}" name="tag" aria-invalid="true" aria-describedby="tag-{post.id}-error"' in page
    assert "<details open>" not in page  # the key quote form stays closed: the problem is the tag
    second = post.body.rindex("Reistijd")
    assert post_form(analyst, url, {"action": "quote", "post": str(post.id), "excerpt": "Reistijd", "at": str(second)},
                     csrf_from=url).status_code == 302
    assert db.session.scalar(select(Quote.start).where(Quote.post_id == post.id)) == second


# --- a theme is complete when every question is answered or skipped ----------------------------------

@pytest.fixture
def responding(app, world):
    client = client_for(app, world["users"]["provider"])
    assert post_form(client, "/consultations/wmo/respond", {"organisation_id": str(world["provider"].id)},
                     csrf_from="/consultations/wmo").status_code == 302
    response = db.session.scalar(select(Response))
    return {"client": client, "response": response, "theme_url": f"/responses/{response.id}/themes/{world['theme'].id}",
            "overview": f"/responses/{response.id}"}


def status_line(responding) -> str:
    page = text_of(responding["client"].get(responding["overview"]))
    return page[page.index("Bekostiging"):page.index("Controleren en indienen")].strip()


def test_theme_in_progress_until_every_question_is_answered_or_skipped(world, responding):
    q, client, url = world["q"], responding["client"], responding["theme_url"]
    assert status_line(responding) == "Bekostiging Niet begonnen 0 van 4 vragen beantwoord"
    response = post_form(client, url, {f"q-{q['Wat werkt goed in de wijk?'].id}": "Korte lijnen",
                                       f"q-{q['Kostprijs per uur begeleiding individueel?'].id}": "61,50",
                                       "action": "save"}, csrf_from=url)
    assert response.status_code == 302
    assert status_line(responding) == "Bekostiging Bezig 2 van 4 vragen beantwoord"
    response = post_form(client, url, {f"q-{q['Wat werkt goed in de wijk?'].id}": "Korte lijnen",
                                       f"v-{q['Wat werkt goed in de wijk?'].id}": "1",
                                       f"q-{q['Kostprijs per uur begeleiding individueel?'].id}": "61,50",
                                       f"v-{q['Kostprijs per uur begeleiding individueel?'].id}": "1",
                                       f"s-{q['Kostprijs per uur begeleiding groep?'].id}": "1",
                                       "action": "save"}, csrf_from=url)
    assert response.status_code == 302
    assert status_line(responding) == "Bekostiging Bezig 2 van 4 vragen beantwoord; 1 overgeslagen"
    response = post_form(client, url, {f"q-{q['Wat werkt goed in de wijk?'].id}": "Korte lijnen",
                                       f"v-{q['Wat werkt goed in de wijk?'].id}": "1",
                                       f"q-{q['Kostprijs per uur begeleiding individueel?'].id}": "61,50",
                                       f"v-{q['Kostprijs per uur begeleiding individueel?'].id}": "1",
                                       f"s-{q['Kostprijs per uur begeleiding groep?'].id}": "1",
                                       f"v-{q['Kostprijs per uur begeleiding groep?'].id}": "1",
                                       f"s-{q['Positionpaper?'].id}": "1", "action": "save"}, csrf_from=url)
    assert response.status_code == 302
    assert status_line(responding) == "Bekostiging Afgerond 2 van 4 vragen beantwoord; 2 overgeslagen"
    review = text_of(client.get(f"{responding['overview']}/review"))
    assert "Kostprijs per uur begeleiding groep? Overgeslagen: deze vraag beantwoorden wij niet" in review
    page = client.get(url).get_data(as_text=True)
    assert f'id="s-{q["Positionpaper?"].id}" name="s-{q["Positionpaper?"].id}" value="1" checked' in page


def test_skip_is_saved_by_autosave_and_an_answer_still_counts(world, responding):
    q, client, resp = world["q"], responding["client"], responding["response"]
    group = q["Kostprijs per uur begeleiding groep?"]
    saved = post_form(client, f"/responses/{resp.id}/answers/{group.id}",
                      {f"q-{group.id}": "", f"v-{group.id}": "0", f"s-{group.id}": "1"},
                      csrf_from=responding["overview"], headers=HX)
    assert saved.status_code == 200
    answer = db.session.scalar(select(Answer).where(Answer.question_id == group.id))
    assert (answer.skipped, answer.value, answer.version) == (True, None, 1)
    assert status_line(responding) == "Bekostiging Bezig 0 van 4 vragen beantwoord; 1 overgeslagen"
    unskipped = post_form(client, f"/responses/{resp.id}/answers/{group.id}",
                          {f"q-{group.id}": "48", f"v-{group.id}": "1"}, csrf_from=responding["overview"], headers=HX)
    assert unskipped.status_code == 200
    db.session.expire_all()
    answer = db.session.scalar(select(Answer).where(Answer.question_id == group.id))
    assert (answer.skipped, answer.value, answer.version) == (False, 48.0, 2)
    assert status_line(responding) == "Bekostiging Bezig 1 van 4 vragen beantwoord"


def test_required_question_cannot_be_skipped(world, responding):
    q = world["q"]["Wat werkt goed in de wijk?"]
    q.required, q.required_reason = True, "Kern"
    db.session.commit()
    client, resp = responding["client"], responding["response"]
    page = client.get(responding["theme_url"]).get_data(as_text=True)
    assert f'name="s-{q.id}"' not in page
    assert post_form(client, f"/responses/{resp.id}/answers/{q.id}", {f"q-{q.id}": "", f"v-{q.id}": "0",
                                                                      f"s-{q.id}": "1"},
                     csrf_from=responding["overview"], headers=HX).status_code == 200
    assert db.session.scalar(select(Answer).where(Answer.question_id == q.id)) is None
    assert status_line(responding) == "Bekostiging Niet begonnen 0 van 4 vragen beantwoord; 0 van 1 verplicht"


# --- every line of the error summary names its question ----------------------------------------------

def test_error_summary_names_the_question_of_each_problem(world, responding):
    q, client, url = world["q"], responding["client"], responding["theme_url"]
    one, two = q["Kostprijs per uur begeleiding individueel?"], q["Kostprijs per uur begeleiding groep?"]
    response = post_form(client, url, {f"q-{one.id}": "veel", f"q-{two.id}": "4,5,6", "action": "save"},
                         csrf_from=url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    start = html.index("data-error-summary")
    summary = " ".join(re.sub(r"<[^>]+>", " ", html[html.index(">", start) + 1:html.index("</ul>", start)]).split())
    assert summary == ("Er is een probleem “Kostprijs per uur begeleiding individueel?”: Vul een getal in, zoals 45,50. "
                       "“Kostprijs per uur begeleiding groep?”: Vul een getal in, zoals 45,50.")
    assert f'href="#q-{one.id}">“Kostprijs per uur begeleiding individueel?”: Vul een getal in, zoals 45,50.</a>' in html


# --- one theme per title -----------------------------------------------------------------------------

@pytest.fixture
def editing(app):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="concept", title="Concept", status=Status.DRAFT, municipalities=[leiden],
                                principles=[])
    db.session.add(consultation)
    db.session.commit()
    editor = make_user("editor@example.org", org=leiden)
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=editor.id, role=TeamRole.EDITOR))
    db.session.commit()
    return {"consultation": consultation, "editor": client_for(app, editor),
            "url": "/consultations/concept/manage/questions"}


def theme_titles(consultation) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Theme.title).where(Theme.consultation_id == consultation.id)
                                   .order_by(Theme.position)))


def test_theme_form_sent_twice_adds_one_theme(editing):
    data = {"title": "Cliënt", "introduction": "Over de cliënt."}
    first = post_form(editing["editor"], editing["url"], data, csrf_from=editing["url"])
    second = post_form(editing["editor"], editing["url"], data, csrf_from=editing["url"])
    assert (first.status_code, second.status_code) == (302, 302)
    theme_id = db.session.scalar(select(Theme.id))
    assert second.headers["Location"] == f"/consultations/concept/manage/questions#theme-{theme_id}"
    assert theme_titles(editing["consultation"]) == ["Cliënt"]
    assert "Het thema “Cliënt” was al toegevoegd." in text_of(editing["editor"].get(editing["url"]))
    htmx = post_form(editing["editor"], editing["url"], data, csrf_from=editing["url"], headers=HX)
    assert htmx.status_code == 200
    assert 'role="status" data-hx-swap-oob="true">Het thema “Cliënt” was al toegevoegd.</p>' in htmx.get_data(as_text=True)
    assert theme_titles(editing["consultation"]) == ["Cliënt"]


def test_theme_with_a_title_in_use_is_refused_with_the_text_kept(editing):
    post_form(editing["editor"], editing["url"], {"title": "Cliënt", "introduction": "Eerste."},
              csrf_from=editing["url"])
    refused = post_form(editing["editor"], editing["url"], {"title": "  cliënt ", "introduction": "Andere tekst."},
                        csrf_from=editing["url"])
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert ("Er is een probleem Er is al een thema met deze titel. Kies een andere titel, of wijzig het "
            "bestaande thema.") in text_of(refused)
    assert 'href="#title"' in html and "Andere tekst.</textarea>" in html and 'value="cliënt"' in html
    post_form(editing["editor"], editing["url"], {"title": "Samenwerking", "introduction": ""},
              csrf_from=editing["url"])
    theme = db.session.scalar(select(Theme).where(Theme.title == "Samenwerking"))
    renamed = post_form(editing["editor"], f"/consultations/concept/manage/themes/{theme.id}",
                        {"title": "Cliënt", "introduction": "", "version": "1"},
                        csrf_from=f"/consultations/concept/manage/themes/{theme.id}")
    assert renamed.status_code == 200
    assert "Er is al een thema met deze titel." in text_of(renamed)
    assert theme_titles(editing["consultation"]) == ["Cliënt", "Samenwerking"]


def test_theme_form_sent_twice_at_the_same_moment_adds_one_theme(app, editing):
    second_tab = client_for(app, db.session.scalar(select(TeamMember)).user)
    tokens = {client: get_csrf(client, editing["url"]) for client in (editing["editor"], second_tab)}
    for round_number in range(8):
        barrier, results = threading.Barrier(2), []

        def send(client):
            with app.app_context():
                barrier.wait()
                results.append(client.post(editing["url"], data={
                    "csrf_token": tokens[client], "title": f"Thema {round_number}", "introduction": "Tekst"}).status_code)
                db.session.remove()

        threads = [threading.Thread(target=send, args=(client,)) for client in (editing["editor"], second_tab)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [302, 302], round_number
    assert theme_titles(editing["consultation"]) == [f"Thema {n}" for n in range(8)]


# --- web addresses -------------------------------------------------------------------------------------

def test_web_address_is_cut_after_a_whole_word():
    title = "Marktconsultatie maatschappelijke ondersteuning en begeleiding Leidse regio 2026 tot en met 2030"
    assert slugify(title) == "marktconsultatie-maatschappelijke-ondersteuning-en-begeleiding-leidse"
    assert len(slugify(title)) <= 70
    exact = "a" * 30 + " " + "b" * 39  # 70 characters: a whole word ends at the limit
    assert slugify(exact) == "a" * 30 + "-" + "b" * 39
    assert slugify("x" * 90) == "x" * 70  # one word longer than the limit is cut at the limit
    assert slugify("Één — Wmo!") == "een-wmo"


def test_second_consultation_of_a_long_title_gets_a_number_after_whole_words(world):
    title = "Marktconsultatie maatschappelijke ondersteuning en begeleiding Leidse regio 2026"
    first = unique_slug(title)
    db.session.add(Consultation(slug=first, title=title, municipalities=[], principles=[]))
    db.session.commit()
    assert unique_slug(title) == first + "-2"
    assert first == "marktconsultatie-maatschappelijke-ondersteuning-en-begeleiding-leidse"


# --- the migration ---------------------------------------------------------------------------------------

def _filled(table, **values) -> dict:
    """``values``, plus a plain value for every other column that must have one and has no default."""
    plain = {"INTEGER": 0, "BOOLEAN": False, "JSON": "[]", "TEXT": "", "VARCHAR": ""}
    for column in table.columns:
        if column.name in values or column.nullable or column.primary_key or column.server_default is not None:
            continue
        kind = type(column.type).__name__.upper()
        values[column.name] = utcnow().replace(tzinfo=None) if "DATE" in kind or "TIME" in kind else \
            next((value for name, value in plain.items() if name in kind), "")
    return values


def test_migration_numbers_themes_that_share_a_title(tmp_path):
    with empty_migration_database(tmp_path) as url:
        app = build_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade(revision="0019")
            # Rows as the schema of 0019 has them (today's models have columns added since).
            tables = MetaData()
            tables.reflect(db.engine, only=["consultations", "themes"])
            with db.engine.begin() as conn:
                consultation_id = conn.execute(tables.tables["consultations"].insert().values(
                    _filled(tables.tables["consultations"], slug="c", title="C", principles="[]", status="draft",
                            question_set_version=1))).inserted_primary_key[0]
                for n, title in enumerate(["Cliënt", "Cliënt", "Cliënt (2)", "Cliënt"]):
                    conn.execute(tables.tables["themes"].insert().values(
                        _filled(tables.tables["themes"], consultation_id=consultation_id, title=title, position=n)))
            upgrade(revision="0020")
            with db.engine.connect() as conn:
                titles = conn.execute(text("SELECT id, title FROM themes ORDER BY id")).all()
            assert [tuple(row) for row in titles] == [(1, "Cliënt"), (2, "Cliënt (3)"), (3, "Cliënt (2)"),
                                                     (4, "Cliënt (4)")]
            db.session.remove()
            db.engine.dispose()
