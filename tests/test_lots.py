"""Lots and municipalities: the team sets up lots with the municipalities that procure each, scopes
questions to a lot or a municipality; a care provider says what it offers and where, gets exactly the
questions about that, keeps the answers it no longer submits, and its receipt, the team's view and
the exports record the scope of every answer."""
from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.audit.models import AuditEvent
from consult.consultations.models import (
    Audience,
    Consultation,
    Lot,
    OfferedLot,
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
from consult.responses.models import Answer, Response, Submission, SubmittedAnswer
from tests.conftest import clients_for, make_org, make_user, post_form, text_of

HX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    """An open consultation of three municipalities with two lots (home help everywhere, day care in
    Leiden and Oegstgeest), a question for everyone, one per lot, one for Leiderdorp only and one for
    the councils and providers of the day-care lot; two providers, a council and the team."""
    leiden, leiderdorp, oegstgeest = (make_org(f"Gemeente {name}", kind=OrgKind.MUNICIPALITY)
                                      for name in ("Leiden", "Leiderdorp", "Oegstgeest"))
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.OPEN, principles=[],
                                municipalities=[leiden, leiderdorp, oegstgeest],
                                closes_at=utcnow() + timedelta(days=5))
    home = Lot(name="Huishoudelijke ondersteuning", position=0, municipalities=[leiden, leiderdorp, oegstgeest])
    day = Lot(name="Dagbesteding", position=1, municipalities=[leiden, oegstgeest])
    consultation.lots.extend([home, day])
    theme = Theme(title="Dienstverlening", position=0)
    theme.questions.extend([
        Question(text="Wat werkt?", kind=QuestionKind.OPEN, position=0, audience=Audience.BOTH),
        Question(text="Uurtarief thuishulp?", kind=QuestionKind.NUMBER, unit="€ per uur", position=1, lot=home,
                 confidential_default=True),
        Question(text="Vervoer naar de dagbesteding?", kind=QuestionKind.OPEN, position=2, lot=day),
        Question(text="Wachtlijst in Leiderdorp?", kind=QuestionKind.OPEN, position=3, municipality=leiderdorp),
        Question(text="Dagbesteding in Oegstgeest?", kind=QuestionKind.OPEN, position=4, lot=day,
                 municipality=oegstgeest, audience=Audience.BOTH),
    ])
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    orgs = {"a": make_org("Zorg A", kvk="11111111"), "b": make_org("Zorg B", kvk="22222222"),
            "council": make_org("Adviesraad", kind=OrgKind.COUNCIL)}
    users = {"a": make_user("a@example.org", name="Anna A", org=orgs["a"], role=MemberRole.CONTACT),
             "b": make_user("b@example.org", name="Bert B", org=orgs["b"]),
             "council": make_user("raad@example.org", name="Rita Raad", org=orgs["council"]),
             "editor": make_user("editor@example.org", name="Eva Editor", org=leiden)}
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=users["editor"].id, role=TeamRole.EDITOR))
    db.session.commit()
    return {"consultation": consultation, "theme": theme, "lots": {"home": home, "day": day}, "orgs": orgs,
            "users": users, "q": {q.text: q for q in theme.questions}, "clients": clients_for(app, users),
            "municipalities": {"leiden": leiden, "leiderdorp": leiderdorp, "oegstgeest": oegstgeest}}


def start(world, key):
    client = world["clients"][key]
    started = post_form(client, "/consultations/wmo/respond", {"organisation_id": str(world["orgs"][key].id)})
    response = db.session.scalar(select(Response).where(Response.organisation_id == world["orgs"][key].id))
    return started, response


def offer(world, key, response, **lots):
    """Send the offer form: ``lots`` maps a lot's key to the municipalities (keys) ticked."""
    data = {f"lot_{world['lots'][lot].id}": [str(world["municipalities"][m].id) for m in where]
            for lot, where in lots.items()}
    return post_form(world["clients"][key], f"/responses/{response.id}/offer", data)


def asked(world, key, response) -> list[str]:
    page = text_of(world["clients"][key].get(f"/responses/{response.id}/themes/{world['theme'].id}"))
    return [text for text in world["q"] if text in page]


def autosave(world, key, response, text, value, version=0):
    question = world["q"][text]
    return post_form(world["clients"][key], f"/responses/{response.id}/answers/{question.id}",
                     {f"q-{question.id}": value, f"v-{question.id}": str(version)}, headers=HX)


def submit(world, key, response):
    return post_form(world["clients"][key], f"/responses/{response.id}/review",
                     {"publication": "named", "confirm": "y"})


# --- the team sets up lots ---------------------------------------------------------------------

def test_the_team_adds_changes_and_removes_lots(world):
    editor = world["clients"]["editor"]
    page = editor.get("/consultations/wmo/manage/lots")
    assert page.status_code == 200
    text = text_of(page)
    assert "Huishoudelijke ondersteuning Gemeenten: Gemeente Leiden, Gemeente Leiderdorp, Gemeente Oegstgeest" in text
    assert "Dagbesteding Gemeenten: Gemeente Leiden, Gemeente Oegstgeest 2 vragen worden alleen voor dit perceel gesteld." in text
    # A new lot: every municipality of the consultation is ticked to begin with.
    assert page.get_data(as_text=True).count('name="municipalities" type="checkbox" value=') == 3
    assert page.get_data(as_text=True).count(" checked ") + page.get_data(as_text=True).count(" checked>") == 3
    m = world["municipalities"]
    lot_form = {"name": "Hulpmiddelen", "description": "Rolstoelen en scootmobielen",
                "municipalities": [str(m["leiden"].id), str(m["leiderdorp"].id)]}
    # The consultation is open: what providers are asked changes, so the team says why.
    unexplained = post_form(editor, "/consultations/wmo/manage/lots", lot_form)
    assert unexplained.status_code == 200
    assert "De consultatie is open: geef aan waarom u deze wijziging maakt." in text_of(unexplained)
    assert 'value="Hulpmiddelen"' in unexplained.get_data(as_text=True)
    version = world["consultation"].question_set_version
    added = post_form(editor, "/consultations/wmo/manage/lots", {**lot_form, "reason": "Ook hulpmiddelen"})
    assert added.status_code == 302
    lot = db.session.scalar(select(Lot).where(Lot.name == "Hulpmiddelen"))
    assert [o.name for o in lot.municipalities] == ["Gemeente Leiden", "Gemeente Leiderdorp"]
    assert lot.position == 2 and lot.description == "Rolstoelen en scootmobielen"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "lot_saved"))
    assert event.detail["name"] == "Hulpmiddelen"
    db.session.refresh(world["consultation"])
    assert world["consultation"].question_set_version == version + 1
    # Refused with the text kept: a name in use (in other letters), no municipality.
    taken = post_form(editor, "/consultations/wmo/manage/lots", {"name": "dagbesteding", "description": "Eigen tekst",
                                                                  "municipalities": [str(m["leiden"].id)], "reason": "R"})
    assert taken.status_code == 200
    assert "Er is al een perceel met deze naam." in text_of(taken) and "Eigen tekst" in text_of(taken)
    # Letter case beyond ASCII, and spacing, make no other name; nor does a name of spaces.
    accented = {"name": "Ééngezinswoning", "municipalities": [str(m["leiden"].id)], "reason": "R"}
    assert post_form(editor, "/consultations/wmo/manage/lots", accented).status_code == 302
    again = post_form(editor, "/consultations/wmo/manage/lots", {**accented, "name": " éÉngezinswoning  "})
    assert again.status_code == 200 and "Er is al een perceel met deze naam." in text_of(again)
    blank = post_form(editor, "/consultations/wmo/manage/lots", {**accented, "name": "   "})
    assert blank.status_code == 200 and "Geef het perceel een naam." in text_of(blank)
    none = post_form(editor, "/consultations/wmo/manage/lots", {"name": "Vervoer", "reason": "R"})
    assert none.status_code == 200
    assert "Kies minstens één gemeente." in text_of(none) and 'value="Vervoer"' in none.get_data(as_text=True)
    # Removing: refused while questions are asked for the lot; a lot without questions goes, with a reason.
    day = world["lots"]["day"]
    refused = post_form(editor, f"/consultations/wmo/manage/lots/{day.id}/delete", {"reason": "Weg"})
    assert refused.status_code == 302
    assert "Er worden vragen voor dit perceel gesteld (“Vervoer naar de dagbesteding?”): stel die eerst voor iets anders in." \
        in text_of(editor.get("/consultations/wmo/manage/lots"))
    assert db.session.get(Lot, day.id) is not None
    confirm = editor.get(f"/consultations/wmo/manage/lots/{lot.id}/delete")
    assert confirm.status_code == 200 and "Hulpmiddelen verwijderen Perceel Hulpmiddelen" in text_of(confirm)
    no_reason = post_form(editor, f"/consultations/wmo/manage/lots/{lot.id}/delete")
    assert no_reason.status_code == 200
    assert "De consultatie is open: geef aan waarom u deze wijziging maakt." in text_of(no_reason)
    assert post_form(editor, f"/consultations/wmo/manage/lots/{lot.id}/delete", {"reason": "Toch niet"}).status_code == 302
    assert db.session.scalar(select(Lot).where(Lot.name == "Hulpmiddelen")) is None


def test_a_municipality_taken_out_of_a_lot_is_no_longer_offered_there(world):
    _started, response = start(world, "a")
    assert offer(world, "a", response, home=["leiden", "oegstgeest"], day=["leiden"]).status_code == 302
    home, m = world["lots"]["home"], world["municipalities"]
    # Leiderdorp stays: a question is asked only there, and no other lot is procured there.
    refused = post_form(world["clients"]["editor"], f"/consultations/wmo/manage/lots/{home.id}", {
        "name": home.name, "municipalities": [str(m["leiden"].id), str(m["oegstgeest"].id)], "reason": "R"})
    assert refused.status_code == 200
    assert ("De vraag “Wachtlijst in Leiderdorp?” wordt alleen in Gemeente Leiderdorp gesteld, en daar wordt geen "
            "ander perceel ingekocht: wijzig eerst die vraag.") in text_of(refused)
    changed = post_form(world["clients"]["editor"], f"/consultations/wmo/manage/lots/{home.id}", {
        "name": home.name, "municipalities": [str(m["leiden"].id), str(m["leiderdorp"].id)], "reason": "Oegstgeest apart"})
    assert changed.status_code == 302
    db.session.expire_all()
    assert sorted((o.lot.name, o.municipality.name) for o in response.offer) == [
        ("Dagbesteding", "Gemeente Leiden"), ("Huishoudelijke ondersteuning", "Gemeente Leiden")]
    # A municipality a question of the lot is asked in stays in the lot.
    day = world["lots"]["day"]
    kept = post_form(world["clients"]["editor"], f"/consultations/wmo/manage/lots/{day.id}",
                     {"name": day.name, "municipalities": [str(m["leiden"].id)], "reason": "R"})
    assert kept.status_code == 200
    assert ("De vraag “Dagbesteding in Oegstgeest?” van dit perceel wordt alleen in Gemeente Oegstgeest gesteld: "
            "wijzig eerst die vraag.") in text_of(kept)


def test_only_the_team_sets_up_lots_and_not_once_closed(world):
    for key in ("a", "council"):
        assert world["clients"][key].get("/consultations/wmo/manage/lots").status_code == 403
    world["consultation"].status = Status.CLOSED
    db.session.commit()
    refused = post_form(world["clients"]["editor"], "/consultations/wmo/manage/lots",
                        {"name": "Nieuw", "municipalities": [str(world["municipalities"]["leiden"].id)]})
    assert refused.status_code == 200
    assert "De consultatie is gesloten; de percelen kunnen niet meer veranderen." in text_of(refused)


def test_the_question_editor_scopes_a_question_and_checks_the_lot_is_procured_there(world):
    editor, question = world["clients"]["editor"], world["q"]["Wat werkt?"]
    form = editor.get(f"/consultations/wmo/manage/questions/{question.id}").get_data(as_text=True)
    assert '<option selected value="">Elk perceel</option>' in form and "Gesteld voor de gemeente" in form
    base = {"text": "Wat werkt?", "kind": "open", "audience": "both", "version": str(question.version),
            "reason": "Alleen voor dagbesteding"}
    wrong = post_form(editor, f"/consultations/wmo/manage/questions/{question.id}", {
        **base, "lot": str(world["lots"]["day"].id), "municipality": str(world["municipalities"]["leiderdorp"].id)})
    assert wrong.status_code == 200
    assert "Het perceel Dagbesteding wordt in die gemeente niet ingekocht." in text_of(wrong)
    saved = post_form(editor, f"/consultations/wmo/manage/questions/{question.id}",
                      {**base, "lot": str(world["lots"]["day"].id), "municipality": ""})
    assert saved.status_code == 302
    db.session.refresh(question)
    assert (question.lot_id, question.municipality_id) == (world["lots"]["day"].id, None)
    assert "Alleen voor: Perceel Dagbesteding" in text_of(editor.get("/consultations/wmo/manage/questions"))


# --- a care provider says what it offers ----------------------------------------------------

def test_a_provider_chooses_its_lots_first_and_gets_exactly_their_questions(world):
    started, response = start(world, "a")
    assert started.headers["Location"] == f"/responses/{response.id}/offer"
    page = text_of(world["clients"]["a"].get(f"/responses/{response.id}/offer"))
    assert "Huishoudelijke ondersteuning Gemeente Leiden Gemeente Leiderdorp Gemeente Oegstgeest" in page
    assert "Dagbesteding Gemeente Leiden Gemeente Oegstgeest" in page
    # Before choosing: only the questions for everyone.
    assert asked(world, "a", response) == ["Wat werkt?"]
    nothing = offer(world, "a", response)
    assert nothing.status_code == 200
    assert text_of(nothing).count("Kies minstens één perceel en de gemeenten waar u het aanbiedt.") == 2
    assert '<a class="utrecht-link" href="#offer-lots">' in nothing.get_data(as_text=True)
    # A municipality the lot is not procured in is not a choice.
    wrong = offer(world, "a", response, day=["leiderdorp"])
    assert wrong.status_code == 200 and "Er is een probleem" in text_of(wrong)
    saved = offer(world, "a", response, home=["leiden", "leiderdorp"])
    assert saved.status_code == 302
    assert ("Er zijn 2 vragen voor u bijgekomen: Uurtarief thuishulp?; Wachtlijst in Leiderdorp?"
            in text_of(world["clients"]["a"].get(saved.headers["Location"])))
    assert asked(world, "a", response) == ["Wat werkt?", "Uurtarief thuishulp?", "Wachtlijst in Leiderdorp?"]
    overview = text_of(world["clients"]["a"].get(f"/responses/{response.id}"))
    assert "Wat u aanbiedt Huishoudelijke ondersteuning : Gemeente Leiden, Gemeente Leiderdorp" in overview
    # Another provider, another offer, other questions; a question it is not asked is not saved.
    _started, other = start(world, "b")
    assert offer(world, "b", other, day=["oegstgeest"]).status_code == 302
    assert asked(world, "b", other) == ["Wat werkt?", "Vervoer naar de dagbesteding?", "Dagbesteding in Oegstgeest?"]
    assert autosave(world, "b", other, "Uurtarief thuishulp?", "60").status_code == 404
    assert autosave(world, "b", other, "Vervoer naar de dagbesteding?", "Met busjes").status_code == 200
    # The theme page names each question's scope.
    theme = text_of(world["clients"]["b"].get(f"/responses/{other.id}/themes/{world['theme'].id}"))
    assert "Vervoer naar de dagbesteding? (Perceel Dagbesteding)" in theme
    assert "Dagbesteding in Oegstgeest? (Perceel Dagbesteding, in Gemeente Oegstgeest)" in theme
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "response_offer_set",
                                                       AuditEvent.object_id == str(other.id)))
    assert event.detail["offer"] == [f"{world['lots']['day'].id}:{world['municipalities']['oegstgeest'].id}"]


def test_councils_are_asked_their_questions_whatever_the_scope(world):
    _started, response = start(world, "council")
    assert _started.headers["Location"] == f"/responses/{response.id}"
    assert world["clients"]["council"].get(f"/responses/{response.id}/offer").status_code == 404
    assert asked(world, "council", response) == ["Wat werkt?", "Dagbesteding in Oegstgeest?"]


def test_answers_no_longer_asked_are_kept_hidden_and_not_submitted(world):
    _started, response = start(world, "a")
    offer(world, "a", response, home=["leiden"], day=["oegstgeest"])
    assert autosave(world, "a", response, "Wat werkt?", "Korte lijnen").status_code == 200
    assert autosave(world, "a", response, "Uurtarief thuishulp?", "61,50").status_code == 200
    assert autosave(world, "a", response, "Dagbesteding in Oegstgeest?", "Twee locaties").status_code == 200
    # Before unticking, the offer page says which lot holds an answer and what unticking does.
    page = text_of(world["clients"]["a"].get(f"/responses/{response.id}/offer"))
    assert ("Dagbesteding U beantwoordde 1 vraag over dit perceel; vinkt u het uit, dan wordt dat antwoord verborgen "
            "(het blijft bewaard).") in page
    assert "Huishoudelijke ondersteuning U beantwoordde 1 vraag" in page
    changed = offer(world, "a", response, home=["leiden"])
    assert changed.status_code == 302
    overview = text_of(world["clients"]["a"].get(changed.headers["Location"]))
    hidden_note = ("Dit antwoord is verborgen, omdat de vraag u niet meer gesteld wordt (door wat u aanbiedt, uw grootte "
                   "of een ander antwoord). Het blijft bewaard, maar wordt alleen ingediend als de vraag weer gesteld "
                   "wordt: Dagbesteding in Oegstgeest? (Perceel Dagbesteding, in Gemeente Oegstgeest)")
    assert hidden_note in overview
    assert hidden_note in text_of(world["clients"]["a"].get(f"/responses/{response.id}/review"))
    hidden = db.session.scalar(select(Answer).where(Answer.response_id == response.id,
                                                    Answer.question_id == world["q"]["Dagbesteding in Oegstgeest?"].id))
    assert hidden.value == "Twee locaties"
    assert submit(world, "a", response).status_code == 302
    submission = db.session.scalar(select(Submission).where(Submission.response_id == response.id))
    snapshot = json.loads(submission.canonical)
    assert [a["question"] for a in snapshot["answers"]] == ["Wat werkt?", "Uurtarief thuishulp?"]
    assert snapshot["offer"] == [{"lot": "Huishoudelijke ondersteuning", "municipalities": ["Gemeente Leiden"]}]
    assert [a.get("scope") for a in snapshot["answers"]] == [None, {"lot": "Huishoudelijke ondersteuning"}]
    rows = db.session.scalars(select(SubmittedAnswer).where(SubmittedAnswer.submission_id == submission.id)
                              .order_by(SubmittedAnswer.position)).all()
    assert [row.as_canonical() for row in rows] == snapshot["answers"]
    # Offered again: the kept answer is back and goes with the next submission.
    offer(world, "a", response, home=["leiden"], day=["oegstgeest"])
    assert "Twee locaties" in world["clients"]["a"].get(
        f"/responses/{response.id}/themes/{world['theme'].id}").get_data(as_text=True)
    assert submit(world, "a", response).status_code == 302
    latest = db.session.scalar(select(Submission).where(Submission.response_id == response.id, Submission.number == 2))
    assert [a.get("scope") for a in json.loads(latest.canonical)["answers"]] == [
        None, {"lot": "Huishoudelijke ondersteuning"}, {"lot": "Dagbesteding", "municipality": "Gemeente Oegstgeest"}]


def test_submitting_needs_an_offer_where_there_are_lots(world):
    _started, response = start(world, "a")
    assert autosave(world, "a", response, "Wat werkt?", "Korte lijnen").status_code == 200
    refused = submit(world, "a", response)
    assert refused.status_code == 200
    assert "Geef aan welke percelen u aanbiedt en in welke gemeenten." in text_of(refused)
    assert 'href="#offer"' in refused.get_data(as_text=True)
    assert db.session.scalar(select(Submission).where(Submission.response_id == response.id)) is None


def test_the_receipt_team_view_and_exports_show_the_scope(world):
    _started, response = start(world, "a")
    offer(world, "a", response, home=["leiden", "leiderdorp"])
    autosave(world, "a", response, "Wat werkt?", "Korte lijnen")
    autosave(world, "a", response, "Wachtlijst in Leiderdorp?", "Zes weken")
    assert submit(world, "a", response).status_code == 302
    team = text_of(world["clients"]["editor"].get(f"/consultations/wmo/responses/{response.id}"))
    assert ("Biedt aan Perceel Huishoudelijke ondersteuning: Gemeente Leiden, Gemeente Leiderdorp") in team
    assert "Wachtlijst in Leiderdorp? (In Gemeente Leiderdorp)" in team
    review = text_of(world["clients"]["a"].get(f"/responses/{response.id}/review"))
    assert "Wat u aanbiedt Huishoudelijke ondersteuning Gemeente Leiden, Gemeente Leiderdorp" in review
    export = world["clients"]["editor"].get("/consultations/wmo/answers.internal.csv", buffered=True)
    try:
        assert export.status_code == 200
        table = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig")), delimiter=";"))
    finally:
        export.close()
    header = table[1]
    assert header[:7] == ["Organisatie", "Soort organisatie", "Thema", "Vraagnummer", "Vraag", "Gesteld voor", "Antwoord"]
    assert [(row[4], row[5], row[6]) for row in table[2:]] == [
        ("Wat werkt?", "Iedereen", "Korte lijnen"), ("Wachtlijst in Leiderdorp?", "In Gemeente Leiderdorp", "Zes weken")]


def test_a_consultation_without_lots_keeps_its_receipts_shape(world):
    world["consultation"].lots.clear()
    for question in world["theme"].questions:
        question.lot = question.municipality = None
    db.session.commit()
    started, response = start(world, "a")
    assert started.headers["Location"] == f"/responses/{response.id}"
    assert world["clients"]["a"].get(f"/responses/{response.id}/offer").status_code == 404
    autosave(world, "a", response, "Wat werkt?", "Korte lijnen")
    assert submit(world, "a", response).status_code == 302
    snapshot = json.loads(db.session.scalar(select(Submission.canonical).where(Submission.response_id == response.id)))
    assert sorted(snapshot) == ["answers", "consultation", "organisation", "publication", "question_set_version",
                                "revision", "submitted_at"]
    assert sorted(snapshot["answers"][0]) == ["attachments", "confidential", "kind", "question", "question_id",
                                              "theme", "unit", "value"]
    assert db.session.scalar(select(OfferedLot.lot_id)) is None


# --- questions and answers about a lot -----------------------------------------------------------

def test_a_published_answer_about_a_lot_is_labelled_filtered_and_told_to_everyone_at_once(world, app):
    from consult.notify.models import Notification
    from consult.qa.models import QaItem

    ask = post_form(world["clients"]["a"], "/consultations/wmo/qa", {"theme": "0", "text": "Hoe zit het met vervoer?"})
    assert ask.status_code == 302
    item = db.session.scalar(select(QaItem))
    editor, day = world["clients"]["editor"], world["lots"]["day"]
    form = editor.get(f"/qa/{item.id}").get_data(as_text=True)
    assert '<option selected value="">Elk perceel</option>' in form and "Over het perceel" in form
    base = {"theme": "0", "question": "Wie regelt het vervoer?", "answer": "De aanbieder.", "action": "publish"}
    other = Lot(name="Ander perceel", consultation=Consultation(slug="ander", title="Ander", principles=[]))
    db.session.add(other)
    db.session.commit()
    wrong = post_form(editor, f"/qa/{item.id}", {**base, "lot": str(other.id)})
    assert wrong.status_code == 200 and "Kies een van de percelen van de consultatie." in text_of(wrong)
    assert db.session.get(QaItem, item.id).status.value == "asked"
    assert post_form(editor, f"/qa/{item.id}", {**base, "lot": str(day.id)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(QaItem, item.id).lot_id == day.id
    general = QaItem(consultation_id=world["consultation"].id, question="Algemeen?", answer="Ja.")
    db.session.add(general)
    db.session.commit()
    assert post_form(editor, f"/qa/{general.id}", {**base, "question": "Algemeen?", "answer": "Ja."}).status_code == 302
    page = text_of(world["clients"]["anonymous"].get("/consultations/wmo/qa"))
    assert "Vraag 1 · Perceel Dagbesteding Wie regelt het vervoer?" in page and "Vraag 2 Algemeen?" in page
    home = text_of(world["clients"]["anonymous"].get(f"/consultations/wmo/qa?lot={world['lots']['home'].id}"))
    assert "Wie regelt het vervoer?" not in home and "Algemeen?" in home
    assert ("Getoond: de antwoorden over het perceel Huishoudelijke ondersteuning en die over de hele consultatie. "
            "Nog geen antwoord gaat alleen over dit perceel.") in home
    assert "Wie regelt het vervoer?" in text_of(world["clients"]["anonymous"].get(f"/consultations/wmo/qa?lot={day.id}"))
    # Everyone registered hears of it, whichever lots they offer, with the lot named.
    told = db.session.scalars(select(Notification).where(Notification.data["n"].as_integer() == 1)).all()
    assert {n.user_id for n in told} == {world["users"][key].id for key in ("a", "b", "council")}
    assert {n.data["lot"] for n in told} == {"Dagbesteding"}
    # A lot that answers are about stays (this one has no questions of its own).
    transport = Lot(name="Vervoer", position=2, municipalities=[world["municipalities"]["leiden"]])
    world["consultation"].lots.append(transport)
    db.session.commit()
    db.session.get(QaItem, general.id).lot_id = transport.id
    db.session.commit()
    refused = post_form(editor, f"/consultations/wmo/manage/lots/{transport.id}/delete", {"reason": "Weg"})
    assert refused.status_code == 302
    assert ("Er zijn vragen en antwoorden over dit perceel: het blijft bestaan, zodat zij hun perceel houden."
            in text_of(editor.get("/consultations/wmo/manage/lots")))
    db.session.expire_all()
    assert db.session.get(Lot, transport.id) is not None


def test_after_the_deadline_the_offer_is_shown_and_not_changed(world):
    _started, response = start(world, "a")
    offer(world, "a", response, home=["leiden"])
    world["consultation"].closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = world["clients"]["a"].get(f"/responses/{response.id}/offer")
    assert page.status_code == 200
    text = text_of(page)
    assert "Huishoudelijke ondersteuning Gemeente Leiden Dagbesteding Niet aangeboden" in text
    assert "Opslaan wat wij aanbieden" not in text
    late = offer(world, "a", response, day=["oegstgeest"])
    assert late.status_code == 409
    assert "De termijn is verstreken; wat u aanbiedt, kan niet meer worden gewijzigd." in text_of(late)
    assert "Huishoudelijke ondersteuning Gemeente Leiden Dagbesteding Niet aangeboden" in text_of(late)
    db.session.expire_all()
    assert [(o.lot_id, o.municipality_id) for o in db.session.get(Response, response.id).offer] == [
        (world["lots"]["home"].id, world["municipalities"]["leiden"].id)]


def test_a_colleague_saving_the_same_offer_at_the_same_moment_meets_no_error(world, app):
    from sqlalchemy import insert

    from consult.responses.services import set_offer

    _started, response = start(world, "a")
    home, leiden = world["lots"]["home"], world["municipalities"]["leiden"]
    assert response.offer == []  # read before the colleague's save commits
    with db.engine.connect() as other:
        other.execute(insert(OfferedLot).values(response_id=response.id, lot_id=home.id, municipality_id=leiden.id))
        other.commit()
    set_offer(response, {(home.id, leiden.id)}, by=world["users"]["a"])
    db.session.commit()
    assert [(o.lot_id, o.municipality_id) for o in response.offer] == [(home.id, leiden.id)]


def test_a_question_for_one_municipality_needs_a_lot_procured_there(world):
    editor, m = world["clients"]["editor"], world["municipalities"]
    outside = make_org("Gemeente Katwijk", kind=OrgKind.MUNICIPALITY)
    world["consultation"].municipalities.append(outside)
    db.session.commit()
    question = world["q"]["Wat werkt?"]
    base = {"text": "Wat werkt?", "kind": "open", "audience": "both", "version": str(question.version), "reason": "R"}
    nowhere = post_form(editor, f"/consultations/wmo/manage/questions/{question.id}",
                        {**base, "lot": "", "municipality": str(outside.id)})
    assert nowhere.status_code == 200 and "In die gemeente wordt geen perceel ingekocht." in text_of(nowhere)
    # The last lot procured in Leiderdorp stays while a question is asked only there.
    world["q"]["Uurtarief thuishulp?"].lot = None
    db.session.commit()
    home = world["lots"]["home"]
    refused = post_form(editor, f"/consultations/wmo/manage/lots/{home.id}/delete", {"reason": "Weg"})
    assert refused.status_code == 302
    assert "De vraag “Wachtlijst in Leiderdorp?” wordt alleen in Gemeente Leiderdorp gesteld" in text_of(
        editor.get("/consultations/wmo/manage/lots"))
    db.session.expire_all()
    assert db.session.get(Lot, home.id) is not None
    # A scoped question keeps its lot and municipality fields in the editor.
    assert "Gesteld voor de gemeente" in editor.get(
        f"/consultations/wmo/manage/questions/{world['q']['Wachtlijst in Leiderdorp?'].id}").get_data(as_text=True)
    assert m["leiderdorp"] in home.municipalities


def test_a_municipality_leaving_the_consultation_leaves_its_lots_and_offers(world):
    from consult.consultations.services import ChangeRefused, update_details

    _started, response = start(world, "a")
    offer(world, "a", response, home=["leiden", "oegstgeest"], day=["oegstgeest"])
    consultation, m = world["consultation"], world["municipalities"]
    with pytest.raises(ChangeRefused) as refused:  # a question is asked only in Leiderdorp
        update_details(consultation, by=world["users"]["editor"], municipalities=[m["leiden"], m["oegstgeest"]])
    assert "Wachtlijst in Leiderdorp?" in str(refused.value)
    db.session.rollback()
    world["q"]["Dagbesteding in Oegstgeest?"].municipality = None
    db.session.commit()
    update_details(consultation, by=world["users"]["editor"], municipalities=[m["leiden"], m["leiderdorp"]])
    db.session.commit()
    assert [o.name for o in world["lots"]["home"].municipalities] == ["Gemeente Leiden", "Gemeente Leiderdorp"]
    assert [o.name for o in world["lots"]["day"].municipalities] == ["Gemeente Leiden"]
    db.session.expire_all()
    assert [(o.lot.name, o.municipality.name) for o in db.session.get(Response, response.id).offer] == [
        ("Huishoudelijke ondersteuning", "Gemeente Leiden")]


def test_the_file_of_a_hidden_answer_is_kept(world):
    from consult.responses.models import Attachment

    file_question = Question(text="Bijlage over dagbesteding?", kind=QuestionKind.FILE, position=5, lot=world["lots"]["day"])
    world["theme"].questions.append(file_question)
    db.session.commit()
    _started, response = start(world, "a")
    offer(world, "a", response, day=["leiden"])
    pdf = b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n"
    uploaded = post_form(world["clients"]["a"], f"/responses/{response.id}/answers/{file_question.id}/files",
                         {"file": (io.BytesIO(pdf), "plan.pdf")}, content_type="multipart/form-data")
    assert uploaded.status_code == 302
    attachment = db.session.scalar(select(Attachment))
    offer(world, "a", response, home=["leiden"])
    assert post_form(world["clients"]["a"], f"/responses/{response.id}/files/{attachment.id}/remove").status_code == 404
    db.session.refresh(attachment)
    assert attachment.removed_at is None
