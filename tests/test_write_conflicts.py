"""No write is ever lost: two saves from the same version at the same moment give exactly one
acknowledgement and one conflict, and the stored text is the acknowledged one; every other edit
that promises a conflict screen refuses a stale save with a message and leaves the row alone."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consult.advice.models import Advice, AdviceStatus
from consult.advice.services import add_point, request_advice
from consult.advice.services import submit as submit_advice
from consult.analysis.models import Synthesis, SynthesisStatus
from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, TeamRole, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from consult.reports.models import Report
from consult.responses.models import Answer, Response
from consult.strategy.models import Revision, Segment, StrategyDraft
from tests.conftest import csrf_token_from, login, make_org, make_user, post_form, sign_in, text_of
from tests.question_actions import action_url

HX = {"HX-Request": "true"}
ROUNDS = 50


@pytest.fixture
def respondents(app):
    """An open consultation with two open questions, and two logged-in members of one provider."""
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=5), principles=[])
    theme = Theme(title="Dienstverlening", position=0)
    theme.questions.append(Question(text="Wat werkt?", kind=QuestionKind.OPEN, position=0))
    theme.questions.append(Question(text="Wat kan beter?", kind=QuestionKind.OPEN, position=1))
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    org = make_org("Zorg A", kvk="11111111")
    anna = make_user("a@example.org", name="Anna A", org=org, role=MemberRole.CONTACT)
    make_user("a2@example.org", name="Arie A", org=org)
    clients = {}
    for key, email in (("anna", "a@example.org"), ("arie", "a2@example.org")):
        clients[key] = app.test_client()
        assert login(clients[key], email).status_code == 302
    page = clients["anna"].get("/consultations/wmo").get_data(as_text=True)
    started = clients["anna"].post("/consultations/wmo/respond",
                                   data={"csrf_token": csrf_token_from(page), "organisation_id": str(org.id)})
    assert started.status_code == 302
    response = db.session.scalar(select(Response).where(Response.organisation_id == org.id))
    question = theme.questions[0]
    tokens = {key: csrf_token_from(client.get(f"/responses/{response.id}/themes/{theme.id}").get_data(as_text=True))
              for key, client in clients.items()}
    return {"clients": clients, "tokens": tokens, "response_id": response.id, "question_id": question.id,
            "second_id": theme.questions[1].id, "theme_id": theme.id, "anna": anna}


def stored_answer(world, question_id: int | None = None) -> Answer | None:
    db.session.rollback()  # read what the requests committed, not this session's earlier copy
    return db.session.scalar(select(Answer).where(Answer.response_id == world["response_id"],
                                                  Answer.question_id == (question_id or world["question_id"])))


def save_at_once(app, world, version: int, texts: dict[str, str]) -> dict[str, int]:
    """Both members save their own text from ``version`` at the same moment; their status codes."""
    url = f"/responses/{world['response_id']}/answers/{world['question_id']}"
    field, version_field = f"q-{world['question_id']}", f"v-{world['question_id']}"
    barrier = threading.Barrier(len(texts))
    results: dict[str, int] = {}

    def save(key: str) -> None:
        with app.app_context():
            barrier.wait()
            response = world["clients"][key].post(url, headers=HX, data={
                "csrf_token": world["tokens"][key], field: texts[key], version_field: str(version)})
            results[key] = response.status_code
            db.session.remove()

    threads = [threading.Thread(target=save, args=(key,)) for key in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_saves_from_the_same_version_at_once_give_one_200_and_one_409(app, respondents):
    version = 0
    for round_number in range(ROUNDS):
        texts = {"anna": f"Tekst van Anna, ronde {round_number}", "arie": f"Tekst van Arie, ronde {round_number}"}
        results = save_at_once(app, respondents, version, texts)
        assert sorted(results.values()) == [200, 409], (round_number, results)
        winner = next(key for key, status in results.items() if status == 200)
        answer = stored_answer(respondents)
        assert (answer.value, answer.version) == (texts[winner], version + 1), round_number
        version = answer.version


def test_two_first_saves_at_once_give_one_200_and_one_409(app, respondents):
    for round_number in range(20):
        answer = stored_answer(respondents)
        if answer is not None:
            db.session.delete(answer)
            db.session.commit()
        texts = {"anna": f"Eerste tekst van Anna {round_number}", "arie": f"Eerste tekst van Arie {round_number}"}
        results = save_at_once(app, respondents, 0, texts)
        assert sorted(results.values()) == [200, 409], (round_number, results)
        winner = next(key for key, status in results.items() if status == 200)
        answer = stored_answer(respondents)
        assert (answer.value, answer.version) == (texts[winner], 1), round_number


def test_a_whole_theme_saved_while_a_colleague_autosaves_never_fails(app, respondents):
    """Anna saves the theme page (both answers) while Arie's autosave writes the second answer from
    the same version. Both requests take their row locks in one order (answers, then the response),
    so neither fails on a deadlock: one of them writes the second answer, the other gets the conflict."""
    first, second = respondents["question_id"], respondents["second_id"]
    theme_url = f"/responses/{respondents['response_id']}/themes/{respondents['theme_id']}"
    autosave_url = f"/responses/{respondents['response_id']}/answers/{second}"
    for round_number in range(20):
        versions = {qid: (answer.version if (answer := stored_answer(respondents, qid)) else 0)
                    for qid in (first, second)}
        requests = {
            "anna": (theme_url, {}, {f"q-{first}": f"Anna eerst {round_number}", f"v-{first}": versions[first],
                                     f"q-{second}": f"Anna tweede {round_number}", f"v-{second}": versions[second],
                                     "action": "save"}),
            "arie": (autosave_url, HX, {f"q-{second}": f"Arie tweede {round_number}", f"v-{second}": versions[second]}),
        }
        barrier = threading.Barrier(2)
        results: dict[str, int] = {}

        def save(key: str) -> None:
            url, headers, data = requests[key]
            with app.app_context():
                barrier.wait()
                results[key] = respondents["clients"][key].post(
                    url, headers=headers, data={"csrf_token": respondents["tokens"][key], **data}).status_code
                db.session.remove()

        threads = [threading.Thread(target=save, args=(key,)) for key in requests]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results in ({"anna": 302, "arie": 409}, {"anna": 409, "arie": 200}), (round_number, results)
        winner = "Anna" if results["anna"] == 302 else "Arie"
        assert (stored_answer(respondents, second).value, stored_answer(respondents, first).value) == (
            f"{winner} tweede {round_number}", f"Anna eerst {round_number}"), round_number


# --- every other edit that promises a conflict screen -------------------------------------------------

STALE_NL = ("Iemand anders heeft deze tekst intussen opgeslagen, daarom is deze wijziging niet opgeslagen. "
            "De opgeslagen versie staat hieronder en de tekst in het formulier is bewaard. "
            "Voeg de twee samen en sla opnieuw op.")
SEGMENT = {"name": "Begeleiding", "services": "Begeleiding thuis", "organisation_form": "administrative",
           "organisation_form_explanation": "", "process": "Dialoog", "providers_kind": "number",
           "providers_min": "8", "providers_max": "", "funding_form": "task", "funding_explanation": "",
           "duration": "5 jaar", "extension": "", "tariff": "", "suitability": "", "award_criteria": "", "kpis": "",
           "rationale": "Minder aanbieders"}


@pytest.fixture
def team(app):
    """A closed consultation with one question, two editors (Eva, Emma) and an analyst, each in
    their own browser, and a council's advice with two points submitted to the team."""
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.CLOSED, municipalities=[leiden],
                                closes_at=utcnow() - timedelta(days=1), principles=[])
    theme = Theme(title="Dienstverlening", position=0)
    theme.questions.append(Question(text="Wat werkt?", kind=QuestionKind.OPEN, position=0))
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    raad = make_org("Adviesraad", kind=OrgKind.COUNCIL)
    users = {"eva": make_user("eva@example.org", name="Eva Editor", org=leiden),
             "emma": make_user("emma@example.org", name="Emma Editor", org=leiden),
             "ali": make_user("ali@example.org", name="Ali Analist", org=leiden),
             "rita": make_user("rita@example.org", name="Rita Raad", org=raad, role=MemberRole.CONTACT)}
    db.session.add_all([TeamMember(consultation_id=consultation.id, user_id=users[key].id, role=role)
                        for key, role in (("eva", TeamRole.EDITOR), ("emma", TeamRole.EDITOR),
                                          ("ali", TeamRole.ANALYST))])
    request = request_advice(consultation, question="Wat vindt u?", due_on=utcnow().date() + timedelta(days=9),
                             councils=[raad], by=users["eva"])
    advice = request.advices[0]
    for title in ("Betrek cliënten", "Meer tijd"):
        add_point(advice, title=title, body="Graag.", by=users["rita"])
    submit_advice(advice, by=users["rita"])
    db.session.commit()
    clients = {}
    for key, user in users.items():
        clients[key] = app.test_client()
        sign_in(clients[key], user)
    return {"consultation": consultation, "theme": theme, "question": theme.questions[0], "clients": clients,
            "advice": advice}


def version_in(html: str, name: str = "version") -> str:
    """The version a form on the page starts from (its hidden field)."""
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html).group(0)
    return re.search(r'value="(\d+)"', tag).group(1)


def field_text(html: str, name: str) -> str:
    """The text in the form's textarea ``name`` (the newline WTForms puts first is not part of it)."""
    return re.search(rf'<textarea[^>]*\bname="{name}"[^>]*>\r?\n?([^<]*)</textarea>', html).group(1)


def fresh(model, **where):
    db.session.rollback()  # read what the requests committed
    return db.session.scalars(select(model).filter_by(**where)).one()


def test_strategy_general_part_saved_from_an_old_version_is_refused(team):
    eva, emma = team["clients"]["eva"], team["clients"]["emma"]
    assert post_form(eva, "/consultations/wmo/strategy", {"action": "create"}).status_code == 302
    url = "/consultations/wmo/strategy/general"
    started = version_in(emma.get(url).get_data(as_text=True))
    assert post_form(eva, url, {"principles": "Principes van Eva", "change_tasks": "", "version": started},
                     csrf_from=url).status_code == 302
    stale = post_form(emma, url, {"principles": "Principes van Emma", "change_tasks": "", "version": started},
                      csrf_from=url)
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert STALE_NL in text_of(stale)
    assert field_text(html, "principles") == "Principes van Emma"  # her text stays in the form
    assert "De versie die iemand anders heeft opgeslagen Uitgangspunten Principes van Eva" in text_of(stale)
    draft = fresh(StrategyDraft)
    assert (draft.principles, draft.version, db.session.scalar(select(func.count(Revision.id)))) == (
        "Principes van Eva", 2, 1)
    # Saving again from the version the conflict page carries is deliberate: it is written.
    again = post_form(emma, url, {"principles": "Principes van Emma", "change_tasks": "", "version": version_in(html)},
                      csrf_from=url)
    assert again.status_code == 302
    assert (fresh(StrategyDraft).principles, fresh(StrategyDraft).version) == ("Principes van Emma", 3)


def test_strategy_segment_saved_or_removed_from_an_old_version_is_refused(team):
    eva, emma = team["clients"]["eva"], team["clients"]["emma"]
    assert post_form(eva, "/consultations/wmo/strategy", {"action": "create"}).status_code == 302
    assert post_form(eva, "/consultations/wmo/strategy/segments/new", SEGMENT).status_code == 302
    segment = fresh(Segment)
    url = f"/consultations/wmo/strategy/segments/{segment.id}"
    started = version_in(emma.get(url).get_data(as_text=True))
    assert post_form(eva, url, {**SEGMENT, "rationale": "Reden van Eva", "version": started},
                     csrf_from=url).status_code == 302
    stale = post_form(emma, url, {**SEGMENT, "rationale": "Reden van Emma", "version": started}, csrf_from=url)
    assert stale.status_code == 409
    assert STALE_NL in text_of(stale)
    assert field_text(stale.get_data(as_text=True), "rationale") == "Reden van Emma"
    assert "De versie die iemand anders heeft opgeslagen Onderbouwing Reden van Eva" in text_of(stale)
    removed = post_form(emma, url, {"action": "remove", "version": started}, csrf_from=url)
    assert removed.headers["Location"] == url
    assert ("Iemand anders heeft dit segment intussen gewijzigd, daarom is het niet verwijderd."
            in text_of(emma.get(url)))
    segment = fresh(Segment)
    assert (segment.rationale, segment.version, segment.deleted_at) == ("Reden van Eva", 2, None)


def test_strategy_parts_saved_at_the_same_moment_get_their_own_revision_numbers(app, team):
    eva, emma = team["clients"]["eva"], team["clients"]["emma"]
    assert post_form(eva, "/consultations/wmo/strategy", {"action": "create"}).status_code == 302
    assert post_form(eva, "/consultations/wmo/strategy/segments/new", SEGMENT).status_code == 302
    segment_url = f"/consultations/wmo/strategy/segments/{fresh(Segment).id}"
    general_url = "/consultations/wmo/strategy/general"
    tokens = {"eva": csrf_token_from(eva.get(general_url).get_data(as_text=True)),
              "emma": csrf_token_from(emma.get(segment_url).get_data(as_text=True))}
    for round_number in range(10):
        barrier = threading.Barrier(2)
        results = {}

        def save(key, client, url, data):
            with app.app_context():
                barrier.wait()
                results[key] = client.post(url, data={"csrf_token": tokens[key], **data}).status_code
                db.session.remove()

        threads = [
            threading.Thread(target=save, args=("eva", eva, general_url,
                                                {"principles": f"Principes {round_number}", "change_tasks": ""})),
            threading.Thread(target=save, args=("emma", emma, segment_url,
                                                {**SEGMENT, "rationale": f"Reden {round_number}"}))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == {"eva": 302, "emma": 302}, round_number
    db.session.rollback()
    numbers = db.session.scalars(select(Revision.number).order_by(Revision.number)).all()
    assert numbers == list(range(1, 22))  # the segment's creation and 2 x 10 saves


def test_synthesis_saved_from_an_old_version_is_refused(team):
    eva, ali = team["clients"]["eva"], team["clients"]["ali"]
    url = f"/consultations/wmo/analysis/themes/{team['theme'].id}"
    assert version_in(ali.get(url).get_data(as_text=True)) == "0"  # no synthesis yet
    assert post_form(eva, url, {"synthesis": "Wat Eva hoorde", "status": "draft", "version": "0"},
                     csrf_from=url).status_code == 302
    stale = post_form(ali, url, {"synthesis": "Wat Ali hoorde", "status": "final", "version": "0"}, csrf_from=url)
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert STALE_NL in text_of(stale)
    assert re.search(r'id="synthesis-text"[^>]*>\s*Wat Ali hoorde</textarea>', html)
    # His choice is kept too: the one radio button checked is "final".
    assert [re.search(r'value="(\w+)"', radio).group(1) for radio in re.findall(r'<input[^>]*name="status"[^>]*>', html)
            if " checked" in radio] == ["final"]
    assert "De versie die iemand anders heeft opgeslagen Concept Wat Eva hoorde" in text_of(stale)
    synthesis = fresh(Synthesis)
    assert (synthesis.text, synthesis.status, synthesis.version) == ("Wat Eva hoorde", SynthesisStatus.DRAFT, 1)
    question_url = f"/consultations/wmo/analysis/questions/{team['question'].id}"
    assert post_form(eva, action_url(question_url, "synthesis"), {"synthesis": "Per vraag, Eva", "status": "draft",
                                         "version": "0"}, csrf_from=question_url).status_code == 302
    stale = post_form(ali, action_url(question_url, "synthesis"), {"synthesis": "Per vraag, Ali", "status": "draft",
                                          "version": "0"}, csrf_from=question_url)
    assert stale.status_code == 409
    assert STALE_NL in text_of(stale)
    assert fresh(Synthesis, question_id=team["question"].id).text == "Per vraag, Eva"


def test_advice_draft_saved_from_an_old_version_is_refused(app, team):
    advice = team["advice"]
    members = {}
    for key in ("rita", "rob"):
        members[key] = app.test_client()
    make_user("rob@example.org", name="Rob Raad", org=advice.council)
    login(members["rita"], "rita@example.org")
    login(members["rob"], "rob@example.org")
    advice.status = AdviceStatus.DRAFT  # back to drafting for this test
    db.session.commit()
    url = f"/advice/{advice.id}/introduction"
    assert post_form(members["rita"], url, {"introduction": "Inleiding van Rita", "version": "1"},
                     csrf_from=f"/advice/{advice.id}").status_code == 302
    stale = post_form(members["rob"], url, {"introduction": "Inleiding van Rob", "version": "1"},
                      csrf_from=f"/advice/{advice.id}")
    assert stale.status_code == 409
    assert field_text(stale.get_data(as_text=True), "introduction") == "Inleiding van Rob"
    assert version_in(stale.get_data(as_text=True)) == "2"  # the next save starts from Rita's version
    saved = fresh(Advice)
    assert (saved.introduction, saved.version) == ("Inleiding van Rita", 2)


def test_advice_reply_saved_or_published_from_an_old_version_is_refused(team):
    eva, emma = team["clients"]["eva"], team["clients"]["emma"]
    advice = team["advice"]
    url, page = f"/advice/{advice.id}/reply", f"/advice/{advice.id}"
    started = version_in(emma.get(page).get_data(as_text=True))
    first, second = advice.points

    def reply(text, action="save", version=started):
        return {"reply_introduction": text, "action": action, "version": version,
                f"disposition_{first.id}": "adopted", f"reply_{first.id}": f"{text}, punt 1",
                f"disposition_{second.id}": "partly", f"reply_{second.id}": f"{text}, punt 2"}

    assert post_form(eva, url, reply("Reactie van Eva"), csrf_from=page).status_code == 302
    stale = post_form(emma, url, reply("Reactie van Emma"), csrf_from=page)
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert ("Iemand anders van het team heeft deze reactie intussen opgeslagen, daarom is deze wijziging niet "
            "opgeslagen.") in text_of(stale)
    assert field_text(html, f"reply_{first.id}") == "Reactie van Emma, punt 1"
    assert "Algemene reactie van de gemeente Reactie van Eva Adviespunt 1: Overgenomen Reactie van Eva, punt 1" in (
        text_of(stale))
    published = post_form(emma, url, reply("Reactie van Emma", action="publish"), csrf_from=page)
    assert published.status_code == 409
    saved = fresh(Advice)
    assert (saved.reply_introduction, saved.reply_version, saved.status) == (
        "Reactie van Eva", 2, AdviceStatus.SUBMITTED)
    assert [p.reply for p in saved.points] == ["Reactie van Eva, punt 1", "Reactie van Eva, punt 2"]
    # The conflict page starts from the saved version: publishing from it is deliberate and works.
    assert version_in(published.get_data(as_text=True)) == "2"
    again = post_form(emma, url, reply("Reactie van Emma", action="publish", version="2"), csrf_from=page)
    assert again.status_code == 302
    saved = fresh(Advice)
    assert (saved.reply_introduction, saved.reply_version, saved.status) == (
        "Reactie van Emma", 4, AdviceStatus.PUBLISHED)


def test_report_texts_saved_or_published_from_an_old_version_are_refused(team):
    eva, emma = team["clients"]["eva"], team["clients"]["emma"]
    url = "/consultations/wmo/report/edit"
    assert version_in(emma.get(url).get_data(as_text=True)) == "0"  # no texts yet
    texts = {"introduction": "", "next_steps": "", "version": "0"}
    assert post_form(eva, url, {**texts, "summary": "Samenvatting van Eva"}, csrf_from=url).status_code == 302
    for action in ("save", "publish"):
        stale = post_form(emma, url, {**texts, "summary": "Samenvatting van Emma", "action": action}, csrf_from=url)
        assert stale.status_code == 409
        assert STALE_NL in text_of(stale)
        assert ">\r\nSamenvatting van Emma</textarea>" in stale.get_data(as_text=True)  # WTForms: a newline first
        assert "De versie die iemand anders heeft opgeslagen Samenvatting Samenvatting van Eva" in text_of(stale)
    report = fresh(Report)
    assert (report.summary, report.texts_version, report.version, report.published_at) == (
        "Samenvatting van Eva", 1, 0, None)


def test_questions_editor_saves_from_an_old_version_are_refused(team):
    consultation = db.session.get(Consultation, team["consultation"].id)
    consultation.status = Status.DRAFT
    db.session.commit()
    eva, emma = team["clients"]["eva"], team["clients"]["emma"]
    theme_url = f"/consultations/wmo/manage/themes/{team['theme'].id}"
    started = version_in(emma.get(theme_url).get_data(as_text=True))
    assert post_form(eva, theme_url, {"title": "Thema van Eva", "introduction": "", "version": started},
                     csrf_from=theme_url).status_code == 302
    stale = post_form(emma, theme_url, {"title": "Thema van Emma", "introduction": "", "version": started},
                      csrf_from=theme_url)
    assert stale.status_code == 409
    assert STALE_NL in text_of(stale)
    assert 'value="Thema van Emma"' in stale.get_data(as_text=True)
    assert "De versie die iemand anders heeft opgeslagen Thema van Eva" in text_of(stale)
    assert (fresh(Theme).title, fresh(Theme).version) == ("Thema van Eva", 2)
    question_url = f"/consultations/wmo/manage/questions/{team['question'].id}"
    started = version_in(emma.get(question_url).get_data(as_text=True))
    question = {"kind": "open", "audience": "providers", "help_text": "", "options": "", "version": started}
    assert post_form(eva, question_url, {**question, "text": "Vraag van Eva"}, csrf_from=question_url).status_code == 302
    stale = post_form(emma, question_url, {**question, "text": "Vraag van Emma"}, csrf_from=question_url, headers=HX)
    assert stale.status_code == 409  # the inline editor (htmx) swaps a 409 in
    assert field_text(stale.get_data(as_text=True), "text") == "Vraag van Emma"
    assert "De versie die iemand anders heeft opgeslagen Vraag van Eva" in text_of(stale)
    assert (fresh(Question).text, fresh(Question).version) == ("Vraag van Eva", 2)
    again = post_form(emma, question_url, {**question, "text": "Vraag van Emma",
                                           "version": version_in(stale.get_data(as_text=True))}, csrf_from=question_url)
    assert again.status_code == 302
    assert (fresh(Question).text, fresh(Question).version) == ("Vraag van Emma", 3)
