"""No write is ever lost: two saves from the same version at the same moment give exactly one
acknowledgement and one conflict, and the stored text is the acknowledged one; every other edit
that promises a conflict screen refuses a stale save with a message and leaves the row alone."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.consultations.models import Consultation, Question, QuestionKind, Status, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from consult.responses.models import Answer, Response
from tests.conftest import csrf_token_from, login, make_org, make_user

HX = {"HX-Request": "true"}
ROUNDS = 50


@pytest.fixture
def respondents(app):
    """An open consultation with one open question, and two logged-in members of one provider."""
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=5), principles=[])
    theme = Theme(title="Dienstverlening", position=0)
    theme.questions.append(Question(text="Wat werkt?", kind=QuestionKind.OPEN, position=0))
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
            "anna": anna}


def stored_answer(world) -> Answer | None:
    db.session.rollback()  # read what the requests committed, not this session's earlier copy
    return db.session.scalar(select(Answer).where(Answer.response_id == world["response_id"],
                                                  Answer.question_id == world["question_id"]))


def save_at_once(app, world, version: int, texts: dict[str, str]) -> dict[str, int]:
    """Both members save their own text from ``version`` at the same moment; their status codes."""
    url = f"/responses/{world['response_id']}/answers/{world['question_id']}"
    field, version_field = f"q-{world['question_id']}", f"v-{world['question_id']}"
    barrier = threading.Barrier(2)
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
