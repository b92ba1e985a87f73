"""Questions that fit the respondent: a question or a whole theme asked only when earlier answers or
the care provider's profile (its size, its lots) meet a condition. The team sets conditions in the
questions editor, which shows them in words and refuses one on a later question; a provider sees
questions appear and disappear as it answers, hidden answers are kept but neither required nor
submitted, and a small organisation takes the short route."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from consult.audit.models import AuditEvent
from consult.consultations.conditions import Respondent, condition_problems, describe, holds
from consult.consultations.models import (
    Audience,
    Consultation,
    Lot,
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
from consult.responses.models import Response, Submission
from tests.conftest import clients_for, make_org, make_user, post_form, text_of

HX = {"HX-Request": "true"}


def who(values=None, size=None, lots=(), profiled=True) -> Respondent:
    values = values or {}
    return Respondent(value_of=values.get, size=size, lot_ids=frozenset(lots), profiled=profiled)


# --- the rules ---------------------------------------------------------------------------------

def test_each_kind_of_rule_holds_exactly_when_it_should():
    is_yes = {"rules": [{"question": 1, "is": ["Ja"]}]}
    assert holds(is_yes, who({1: "Ja"})) is True
    assert holds(is_yes, who({1: "Nee"})) is False
    assert holds(is_yes, who({})) is False  # not answered, or not asked: its answer does not count
    includes = {"rules": [{"question": 2, "is": ["B", "C"]}]}
    assert holds(includes, who({2: ["A", "C"]})) is True
    assert holds(includes, who({2: ["A"]})) is False
    scale = {"rules": [{"question": 3, "is": ["4", "5"]}]}
    assert holds(scale, who({3: 5})) is True
    assert holds(scale, who({3: 3})) is False
    at_least = {"rules": [{"question": 4, "at_least": 40.5}]}
    assert [holds(at_least, who({4: v})) for v in (40.49, 40.5, 100)] == [False, True, True]
    at_most = {"rules": [{"question": 4, "at_most": 10}]}
    assert [holds(at_most, who({4: v})) for v in (9, 10, 10.01)] == [True, True, False]
    answered = {"rules": [{"question": 5, "answered": True}]}
    assert holds(answered, who({5: "iets"})) is True
    assert holds(answered, who({5: True})) is True  # a file question with files
    assert holds(answered, who({})) is False
    big = {"rules": [{"size_at_least": 50}]}
    assert [holds(big, who(size=s)) for s in (None, 1, 10, 50, 250)] == [False, False, False, True, True]
    small = {"rules": [{"size_below": 10}]}
    assert [holds(small, who(size=s)) for s in (None, 1, 10)] == [False, True, False]
    lots = {"rules": [{"lots": [7, 8]}]}
    assert holds(lots, who(lots={8})) is True
    assert holds(lots, who(lots={9})) is False
    # An advisory council has no size or lots here: profile rules hold for it, answer rules do not.
    assert holds(big, who(profiled=False)) is True
    assert holds(lots, who(profiled=False)) is True
    assert holds(is_yes, who(profiled=False)) is False
    assert holds(None, who()) is True
    assert holds({"match": "all", "rules": []}, who()) is True


def test_all_needs_every_rule_and_any_needs_one():
    rules = [{"question": 1, "is": ["Ja"]}, {"size_at_least": 50}]
    assert holds({"match": "all", "rules": rules}, who({1: "Ja"}, size=10)) is False
    assert holds({"match": "all", "rules": rules}, who({1: "Ja"}, size=50)) is True
    assert holds({"match": "any", "rules": rules}, who({1: "Nee"}, size=50)) is True
    assert holds({"match": "any", "rules": rules}, who({1: "Nee"}, size=10)) is False


@given(st.lists(st.booleans(), min_size=1, max_size=6), st.sampled_from(["all", "any"]))
def test_combining_rules_is_and_or_or(outcomes, match):
    """Rule i holds exactly when outcomes[i]: the condition is all() or any() of them."""
    values = {i: "Ja" if ok else "Nee" for i, ok in enumerate(outcomes)}
    condition = {"match": match, "rules": [{"question": i, "is": ["Ja"]} for i in range(len(outcomes))]}
    assert holds(condition, who(values)) is (all(outcomes) if match == "all" else any(outcomes))


# --- a consultation with conditions --------------------------------------------------------------

@pytest.fixture
def world(app):
    """An open consultation: theme 1 asks whether the provider works with volunteers (Ja/Nee), then
    how many (asked only if Ja, required), a cost price and a question for large providers only;
    theme 2 is a short version for providers with fewer than 10 people, theme 3 is for those who
    offer the day-care lot, and is asked only if the cost price is at least 50."""
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.OPEN, principles=[], municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=5))
    day = Lot(name="Dagbesteding", position=0, municipalities=[leiden])
    home = Lot(name="Thuishulp", position=1, municipalities=[leiden])
    consultation.lots.extend([day, home])
    first = Theme(title="Werkwijze", position=0)
    first.questions.extend([
        Question(text="Werkt u met vrijwilligers?", kind=QuestionKind.SINGLE, options=["Ja", "Nee"], position=0),
        Question(text="Met hoeveel vrijwilligers?", kind=QuestionKind.NUMBER, position=1, required=True,
                 required_reason="Voor de begroting."),
        Question(text="Kostprijs per uur?", kind=QuestionKind.NUMBER, position=2),
        Question(text="Hoe werkt u met onderaannemers?", kind=QuestionKind.OPEN, position=3),
        Question(text="Wat vindt de adviesraad?", kind=QuestionKind.OPEN, position=4, audience=Audience.BOTH),
    ])
    short = Theme(title="Kort", position=1)
    short.questions.append(Question(text="Wat is voor u het belangrijkst?", kind=QuestionKind.OPEN, position=0))
    daycare = Theme(title="Dagbesteding", position=2)
    daycare.questions.append(Question(text="Vervoer geregeld?", kind=QuestionKind.OPEN, position=0))
    consultation.themes.extend([first, short, daycare])
    db.session.add(consultation)
    db.session.flush()
    q = {question.text: question for theme in consultation.themes for question in theme.questions}
    q["Met hoeveel vrijwilligers?"].condition = {"match": "all", "rules": [
        {"question": q["Werkt u met vrijwilligers?"].id, "is": ["Ja"]}]}
    q["Hoe werkt u met onderaannemers?"].condition = {"match": "all", "rules": [{"size_at_least": 50}]}
    short.condition = {"match": "all", "rules": [{"size_below": 10}]}
    daycare.condition = {"match": "all", "rules": [{"lots": [day.id]},
                                                   {"question": q["Kostprijs per uur?"].id, "at_least": 50}]}
    db.session.commit()
    orgs = {"a": make_org("Zorg A", kvk="11111111"), "b": make_org("Zorg B", kvk="22222222"),
            "council": make_org("Adviesraad", kind=OrgKind.COUNCIL)}
    users = {"a": make_user("a@example.org", name="Anna A", org=orgs["a"], role=MemberRole.CONTACT),
             "b": make_user("b@example.org", name="Bert B", org=orgs["b"]),
             "council": make_user("raad@example.org", name="Rita Raad", org=orgs["council"]),
             "editor": make_user("editor@example.org", name="Eva Editor", org=leiden)}
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=users["editor"].id, role=TeamRole.EDITOR))
    db.session.commit()
    return {"consultation": consultation, "themes": {"first": first, "short": short, "daycare": daycare},
            "lots": {"day": day, "home": home}, "orgs": orgs, "users": users, "q": q,
            "clients": clients_for(app, users)}


def start(world, key):
    client = world["clients"][key]
    started = post_form(client, "/consultations/wmo/respond", {"organisation_id": str(world["orgs"][key].id)})
    response = db.session.scalar(select(Response).where(Response.organisation_id == world["orgs"][key].id))
    return started, response


def profile(world, key, response, size, lots=("day",)):
    data = {f"lot_{lot.id}": [str(m.id) for m in lot.municipalities]
            for name, lot in world["lots"].items() if name in lots}
    if size is not None:
        data["size"] = str(size)
    return post_form(world["clients"][key], f"/responses/{response.id}/offer", data)


def autosave(world, key, response, text, value, version=0):
    question = world["q"][text]
    return post_form(world["clients"][key], f"/responses/{response.id}/answers/{question.id}",
                     {f"q-{question.id}": value, f"v-{question.id}": str(version)}, headers=HX)


def theme_page(world, key, response, theme="first"):
    return world["clients"][key].get(f"/responses/{response.id}/themes/{world['themes'][theme].id}")


def hidden_on_page(world, page) -> list[str]:
    """The questions of the page that are there but hidden (not asked now)."""
    html = page.get_data(as_text=True)
    return [text for text, question in world["q"].items() if f'id="question-{question.id}" hidden' in html]


def steps(world, key, response) -> list[str]:
    """The themes the overview lists (links to their pages) for this response."""
    html = world["clients"][key].get(f"/responses/{response.id}").get_data(as_text=True)
    return [theme.title for theme in world["themes"].values() if f'/responses/{response.id}/themes/{theme.id}"' in html]


def test_a_provider_says_its_size_with_its_lots_first(world):
    started, response = start(world, "a")
    assert started.headers["Location"] == f"/responses/{response.id}/offer"
    page = world["clients"]["a"].get(f"/responses/{response.id}/offer")
    text = text_of(page)
    assert "Hoeveel mensen werken er bij uw organisatie? Tel iedereen die bij u in dienst is" in text
    for label in ("minder dan 10 mensen", "10 tot 50 mensen", "50 tot 250 mensen", "250 mensen of meer"):
        assert label in text
    missing = profile(world, "a", response, None)
    assert missing.status_code == 200
    assert "Geef aan hoeveel mensen er bij uw organisatie werken." in text_of(missing)
    lot_box = f'name="lot_{world["lots"]["day"].id}" type="checkbox" value="{world["lots"]["day"].municipalities[0].id}"'
    assert f"<input checked class=\"utrecht-checkbox utrecht-checkbox--html-input\" id=\"lot_{world['lots']['day'].id}-0\" " \
           f"{lot_box}" in missing.get_data(as_text=True)  # what was ticked stays ticked
    assert profile(world, "a", response, 7).status_code == 200  # not one of the bands: refused, nothing saved
    db.session.refresh(response)
    assert response.size is None and response.offer == []
    saved = profile(world, "a", response, 250)
    assert saved.status_code == 302
    db.session.refresh(response)
    assert response.size == 250
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "response_size_set")).detail["size"] == 250


def test_an_answer_shows_and_hides_the_question_that_depends_on_it(world):
    _started, response = start(world, "a")
    profile(world, "a", response, 10)
    page = theme_page(world, "a", response)
    assert hidden_on_page(world, page) == ["Met hoeveel vrijwilligers?", "Hoe werkt u met onderaannemers?"]
    assert "Vraag 2" in text_of(page)  # on the page, numbered, but hidden until it is asked
    saved = autosave(world, "a", response, "Werkt u met vrijwilligers?", "Ja")
    assert saved.status_code == 200
    told = json.loads(saved.headers["HX-Trigger-After-Settle"])["consult:visibility"]["asked"]
    q = world["q"]
    assert told == {str(q["Werkt u met vrijwilligers?"].id): True, str(q["Met hoeveel vrijwilligers?"].id): True,
                    str(q["Kostprijs per uur?"].id): True, str(q["Hoe werkt u met onderaannemers?"].id): False,
                    str(q["Wat vindt de adviesraad?"].id): True}
    assert hidden_on_page(world, theme_page(world, "a", response)) == ["Hoe werkt u met onderaannemers?"]
    # An answer nothing depends on says nothing about the page.
    assert "HX-Trigger-After-Settle" not in autosave(world, "a", response, "Kostprijs per uur?", "45").headers
    # The dependent question is answered, then hidden again: its answer is kept, and said to be.
    autosave(world, "a", response, "Met hoeveel vrijwilligers?", "12")
    hidden = autosave(world, "a", response, "Werkt u met vrijwilligers?", "Nee", version=1)
    assert json.loads(hidden.headers["HX-Trigger-After-Settle"])["consult:visibility"]["asked"][
        str(q["Met hoeveel vrijwilligers?"].id)] is False
    overview = text_of(world["clients"]["a"].get(f"/responses/{response.id}"))
    assert "Met hoeveel vrijwilligers?" in overview.split("Uw antwoorden")[0]  # named among the kept answers
    db.session.expire_all()
    assert response.answer_for(q["Met hoeveel vrijwilligers?"].id).value == 12


def test_a_hidden_question_is_not_required_and_its_answer_not_submitted(world):
    _started, response = start(world, "a")
    profile(world, "a", response, 10)
    autosave(world, "a", response, "Werkt u met vrijwilligers?", "Ja")  # the number of volunteers is required now
    blocked = post_form(world["clients"]["a"], f"/responses/{response.id}/review",
                        {"publication": "named", "confirm": "y"})
    assert blocked.status_code == 200
    assert "Beantwoord de verplichte vraag “Met hoeveel vrijwilligers?”" in text_of(blocked)
    autosave(world, "a", response, "Met hoeveel vrijwilligers?", "12")
    autosave(world, "a", response, "Werkt u met vrijwilligers?", "Nee", version=1)
    sent = post_form(world["clients"]["a"], f"/responses/{response.id}/review", {"publication": "named", "confirm": "y"})
    assert sent.status_code == 302
    submission = db.session.scalar(select(Submission).where(Submission.response_id == response.id))
    content = json.loads(submission.canonical)
    assert [a["question"] for a in content["answers"]] == ["Werkt u met vrijwilligers?"]
    assert content["size"] == 10
    assert content["offer"] == [{"lot": "Dagbesteding", "municipalities": ["Gemeente Leiden"]}]
    # Yes again: the kept answer is asked, and sent, again.
    autosave(world, "a", response, "Werkt u met vrijwilligers?", "Ja", version=2)
    post_form(world["clients"]["a"], f"/responses/{response.id}/review", {"publication": "named", "confirm": "y"})
    db.session.expire_all()
    latest = json.loads(response.latest_submission.canonical)
    assert [(a["question"], a["value"]) for a in latest["answers"]] == [
        ("Werkt u met vrijwilligers?", "Ja"), ("Met hoeveel vrijwilligers?", 12)]


def test_a_small_provider_takes_the_short_route(world):
    _started, small = start(world, "a")
    profile(world, "a", small, 1)
    _started, large = start(world, "b")
    profile(world, "b", large, 50)
    assert steps(world, "a", small) == ["Werkwijze", "Kort"]
    assert steps(world, "b", large) == ["Werkwijze"]
    assert hidden_on_page(world, theme_page(world, "b", large)) == ["Met hoeveel vrijwilligers?"]
    assert theme_page(world, "b", large, "short").status_code == 404
    assert theme_page(world, "a", small, "short").status_code == 200
    # Growing past the bound changes the route; the short theme's answer is kept, not sent.
    autosave(world, "a", small, "Wat is voor u het belangrijkst?", "Weinig administratie")
    profile(world, "a", small, 10)
    assert steps(world, "a", small) == ["Werkwijze"]
    assert "Wat is voor u het belangrijkst?" in text_of(world["clients"]["a"].get(f"/responses/{small.id}"))


def test_a_theme_follows_a_lot_and_an_earlier_number(world):
    _started, response = start(world, "a")
    profile(world, "a", response, 10, lots=("day",))
    assert steps(world, "a", response) == ["Werkwijze"]
    autosave(world, "a", response, "Kostprijs per uur?", "55")
    assert steps(world, "a", response) == ["Werkwijze", "Dagbesteding"]
    profile(world, "a", response, 10, lots=("home",))  # the lot condition no longer holds
    assert steps(world, "a", response) == ["Werkwijze"]


def test_an_advisory_council_gets_its_questions_whatever_the_profile_rules(world):
    _started, response = start(world, "council")
    assert response.size is None
    page = world["clients"]["council"].get(f"/responses/{response.id}/themes/{world['themes']['first'].id}")
    assert text_of(page).count("Wat vindt de adviesraad?") == 1
    assert world["clients"]["council"].get(f"/responses/{response.id}/offer").status_code == 404


# --- the editor --------------------------------------------------------------------------------

def question_form(world, question, **extra):
    data = {"text": question.text, "kind": question.kind.value, "options": "\n".join(question.options),
            "audience": question.audience.value, "version": str(question.version), "reason": "Verduidelijking",
            "required_reason": question.required_reason, **({"required": "y"} if question.required else {})}
    data.update(extra)
    return post_form(world["clients"]["editor"], f"/consultations/wmo/manage/questions/{question.id}", data)


def test_the_editor_shows_conditions_in_words(world):
    page = text_of(world["clients"]["editor"].get("/consultations/wmo/manage/questions"))
    assert "1.2 Met hoeveel vrijwilligers?" in page
    assert "Alleen als vraag 1.1 = Ja" in page
    assert "Alleen als de organisatie minstens 50 mensen heeft" in page
    assert ("Het hele thema: Alleen als de organisatie het perceel “Dagbesteding” aanbiedt en vraag 1.3 ≥ 50.") in page
    assert "Het hele thema: Alleen als de organisatie minder dan 10 mensen heeft." in page
    public = text_of(world["clients"]["a"].get("/consultations/wmo"))
    assert "1.2 Met hoeveel vrijwilligers?" in public and "Alleen als vraag 1.1 = Ja" in public


def test_the_team_sets_a_condition_with_ticks(world):
    q = world["q"]
    question = q["Kostprijs per uur?"]
    form = world["clients"]["editor"].get(f"/consultations/wmo/manage/questions/{question.id}")
    html = form.get_data(as_text=True)
    text = text_of(form)
    # Earlier questions only: 1.1 and 1.2, then size and lots; not this question nor a later one.
    assert "Vraag 1.1: Werkt u met vrijwilligers? het antwoord is “Ja” het antwoord is “Nee” er is een antwoord gegeven" in text
    assert "Vraag 1.3" not in text and "Vraag 1.4" not in text
    assert f'value="is:{q["Werkt u met vrijwilligers?"].id}:1"' in html
    saved = question_form(world, question, condition_rules=[f"is:{q['Werkt u met vrijwilligers?'].id}:1",
                                                            "size_below:50", f"lot:{world['lots']['home'].id}"],
                          condition_match="any")
    assert saved.status_code == 302
    db.session.refresh(question)
    assert question.condition == {"match": "any", "rules": [
        {"question": q["Werkt u met vrijwilligers?"].id, "is": ["Nee"]}, {"size_below": 50},
        {"lots": [world["lots"]["home"].id]}]}
    assert describe(question.condition, world["consultation"]) == (
        "Alleen als vraag 1.1 = Nee of de organisatie minder dan 50 mensen heeft of de organisatie het perceel "
        "“Thuishulp” aanbiedt")
    # The form shows the stored condition ticked; unticking everything asks it of everyone again.
    again = world["clients"]["editor"].get(f"/consultations/wmo/manage/questions/{question.id}").get_data(as_text=True)
    assert 'value="size_below:50" checked' in again
    question_form(world, question)
    db.session.refresh(question)
    assert question.condition is None


def test_a_number_rule_needs_its_number(world):
    q = world["q"]
    question = q["Hoe werkt u met onderaannemers?"]
    missing = question_form(world, question, condition_number_question=str(q["Kostprijs per uur?"].id))
    assert missing.status_code == 200
    assert "Vul het getal in waarmee het antwoord wordt vergeleken." in text_of(missing)
    saved = question_form(world, question, condition_number_question=str(q["Kostprijs per uur?"].id),
                          condition_number_op="at_most", condition_number_value="40,5")
    assert saved.status_code == 302
    db.session.refresh(question)
    assert question.condition == {"match": "all", "rules": [{"question": q["Kostprijs per uur?"].id, "at_most": 40.5}]}


def test_a_condition_on_a_later_question_or_an_unknown_rule_is_refused(world):
    q = world["q"]
    question = q["Werkt u met vrijwilligers?"]
    later = question_form(world, question, condition_rules=[f"answered:{q['Kostprijs per uur?'].id}"])
    assert later.status_code == 200
    assert "Een voorwaarde kan alleen afhangen van een eerdere vraag; vraag 1.3 komt later." in text_of(later)
    itself = question_form(world, question, condition_rules=[f"answered:{question.id}"])
    assert "vraag 1.1 komt later" in text_of(itself)
    for code in ("is:abc:0", f"is:{question.id}:9", "lot:x", "size_at_least:11", "whatever", "answered:²", "is:1:²",
                 "lot:²", "size_below:²", "answered:" + "9" * 5000):
        refused = question_form(world, q["Kostprijs per uur?"], condition_rules=[code])
        assert refused.status_code == 200, code
        assert ("Kies uit de voorwaarden in de lijst." in text_of(refused)
                or "Kies een van de genoemde groottes." in text_of(refused)), code
    db.session.refresh(question)
    assert question.condition is None and q["Kostprijs per uur?"].condition is None


def test_changes_that_would_break_a_condition_are_refused(world):
    q = world["q"]
    editor = world["clients"]["editor"]
    depended = q["Werkt u met vrijwilligers?"]
    # Moving the question below the one that depends on it, deleting it, or removing the option used.
    down = post_form(editor, f"/consultations/wmo/manage/questions/{depended.id}/down", {"reason": "Volgorde"})
    assert down.status_code == 302
    down = editor.get(down.headers["Location"])
    assert "Deze wijziging past niet bij een voorwaarde: Vraag 1.1: Een voorwaarde kan alleen afhangen van een " \
           "eerdere vraag; vraag 1.2 komt later." in text_of(down)
    gone = editor.get(post_form(editor, f"/consultations/wmo/manage/questions/{depended.id}/delete",
                                {"reason": "Weg"}).headers["Location"])
    assert ("Andere vragen worden gesteld afhankelijk van het antwoord op deze vraag (1.2). Pas eerst hun "
            "voorwaarden aan.") in text_of(gone)
    option = question_form(world, depended, options="Soms\nNee")
    assert "Een voorwaarde gebruikt een antwoordmogelijkheid die vraag 1.1 niet meer heeft." in text_of(option)
    kind = question_form(world, q["Kostprijs per uur?"], kind="open")
    assert "Vraag 1.3 vraagt niet om een getal." in text_of(kind)
    # The first theme may go below the short one, but not below the theme that depends on its answers.
    first = world["themes"]["first"].id
    assert post_form(editor, f"/consultations/wmo/manage/themes/{first}/down", {"reason": "Volgorde"}).status_code == 302
    theme_down = editor.get(post_form(editor, f"/consultations/wmo/manage/themes/{first}/down",
                                      {"reason": "Volgorde"}).headers["Location"])
    assert ("Deze wijziging past niet bij een voorwaarde: Thema “Dagbesteding”: Een voorwaarde kan alleen afhangen "
            "van een eerdere vraag; vraag 3.3 komt later.") in text_of(theme_down)
    post_form(editor, f"/consultations/wmo/manage/themes/{first}/up", {"reason": "Volgorde"})
    lot = post_form(editor, f"/consultations/wmo/manage/lots/{world['lots']['day'].id}/delete", {"reason": "Weg"})
    assert lot.status_code == 302
    assert ("Een voorwaarde vraagt of een zorgaanbieder dit perceel aanbiedt (Alleen als de organisatie het perceel "
            "“Dagbesteding” aanbiedt en vraag 1.3 ≥ 50): pas die eerst aan.") in text_of(editor.get(lot.headers["Location"]))
    db.session.expire_all()
    assert [question.text for question in world["themes"]["first"].questions][:2] == [
        "Werkt u met vrijwilligers?", "Met hoeveel vrijwilligers?"]
    assert depended.options == ["Ja", "Nee"]
    assert condition_problems(world["consultation"]) == []
    # Deleting the dependent question first, then the one it depended on, works.
    post_form(editor, f"/consultations/wmo/manage/questions/{q['Met hoeveel vrijwilligers?'].id}/delete", {"reason": "Weg"})
    assert post_form(editor, f"/consultations/wmo/manage/questions/{depended.id}/delete",
                     {"reason": "Weg"}).status_code == 302


def test_a_theme_condition_is_set_on_the_theme_page(world):
    theme = world["themes"]["short"]
    editor = world["clients"]["editor"]
    page = text_of(editor.get(f"/consultations/wmo/manage/themes/{theme.id}"))
    assert "Vraag 1.1: Werkt u met vrijwilligers?" in page and "Vraag 2.1" not in page
    saved = post_form(editor, f"/consultations/wmo/manage/themes/{theme.id}",
                      {"title": "Kort", "introduction": "", "version": str(theme.version), "reason": "Korte route",
                       "condition_rules": ["size_below:50"]})
    assert saved.status_code == 302
    db.session.refresh(theme)
    assert theme.condition == {"match": "all", "rules": [{"size_below": 50}]}
    same_theme = post_form(editor, f"/consultations/wmo/manage/themes/{theme.id}",
                           {"title": "Kort", "introduction": "", "version": str(theme.version), "reason": "x",
                            "condition_rules": [f"answered:{theme.questions[0].id}"]})
    assert "vraag 2.1 komt later" in text_of(same_theme)


# --- trying the questions out as a profile -----------------------------------------------------

def try_out(world, data=None):
    client = world["clients"]["editor"]
    if data is None:
        return client.get("/consultations/wmo/manage/try-out")
    return post_form(client, "/consultations/wmo/manage/try-out", data)


def asked_in_try_out(world, page) -> list[str]:
    html = page.get_data(as_text=True)
    return [text for text, question in world["q"].items()
            if f'id="question-{question.id}" data-question-label' in html]


def test_the_team_tries_the_questions_out_as_a_chosen_profile(world):
    q = world["q"]
    page = try_out(world)
    assert page.status_code == 200
    assert "Met dit profiel en deze antwoorden worden 3 vragen gesteld." in text_of(page)
    assert asked_in_try_out(world, page) == ["Werkt u met vrijwilligers?", "Kostprijs per uur?", "Wat vindt de adviesraad?"]
    assert "Vraag 1.2 (Met hoeveel vrijwilligers?) wordt nu niet gesteld. Alleen als vraag 1.1 = Ja." in text_of(page)
    assert "Dit thema wordt niet aan deze organisatie voorgelegd. Alleen als de organisatie minder dan 10 mensen heeft." \
        in text_of(page)
    day = world["lots"]["day"]
    answered = try_out(world, {"kind": "providers", "size": "1", f"lot_{day.id}": [str(day.municipalities[0].id)],
                               f"q-{q['Werkt u met vrijwilligers?'].id}": "Ja",
                               f"q-{q['Kostprijs per uur?'].id}": "60,5", f"q-{q['Met hoeveel vrijwilligers?'].id}": "8"})
    assert asked_in_try_out(world, answered) == [
        "Werkt u met vrijwilligers?", "Met hoeveel vrijwilligers?", "Kostprijs per uur?", "Wat vindt de adviesraad?",
        "Wat is voor u het belangrijkst?", "Vervoer geregeld?"]
    assert 'value="60,5"' in answered.get_data(as_text=True)  # what was typed stays in the page
    large = try_out(world, {"kind": "providers", "size": "250", f"q-{q['Werkt u met vrijwilligers?'].id}": "Nee"})
    assert asked_in_try_out(world, large) == ["Werkt u met vrijwilligers?", "Kostprijs per uur?",
                                              "Hoe werkt u met onderaannemers?", "Wat vindt de adviesraad?"]
    council = try_out(world, {"kind": "councils"})
    assert asked_in_try_out(world, council) == ["Wat vindt de adviesraad?"]
    bad = try_out(world, {"kind": "providers", f"q-{q['Kostprijs per uur?'].id}": "veel"})
    assert bad.status_code == 200
    assert "“Kostprijs per uur?”: Vul een getal in" in text_of(bad)
    # Nothing of a try-out is stored.
    assert db.session.scalar(select(db.func.count()).select_from(Response)) == 0


def test_only_the_team_tries_the_questions_out(world):
    assert world["clients"]["a"].get("/consultations/wmo/manage/try-out").status_code == 403


# --- what the review of the first version found ---------------------------------------------------

def test_a_hidden_question_that_cannot_be_read_does_not_block_the_page(world):
    """Answered Ja, a number typed in words, then Nee: the page saves; the hidden text is not held against it."""
    q = world["q"]
    _started, response = start(world, "a")
    profile(world, "a", response, 10)
    saved = post_form(world["clients"]["a"], f"/responses/{response.id}/themes/{world['themes']['first'].id}",
                      {f"q-{q['Werkt u met vrijwilligers?'].id}": "Nee", f"q-{q['Met hoeveel vrijwilligers?'].id}": "tien",
                       "action": "save", **{f"v-{question.id}": "0" for question in q.values()}})
    assert saved.status_code == 302
    db.session.expire_all()
    assert response.answer_for(q["Werkt u met vrijwilligers?"].id).value == "Nee"
    assert response.answer_for(q["Met hoeveel vrijwilligers?"].id) is None
    # Asked (Ja), the same text is a problem at the question, shown on the page.
    shown = post_form(world["clients"]["a"], f"/responses/{response.id}/themes/{world['themes']['first'].id}",
                      {f"q-{q['Werkt u met vrijwilligers?'].id}": "Ja", f"q-{q['Met hoeveel vrijwilligers?'].id}": "tien",
                       "action": "save", f"v-{q['Werkt u met vrijwilligers?'].id}": "1",
                       **{f"v-{question.id}": "0" for question in q.values() if question.text != "Werkt u met vrijwilligers?"}})
    assert shown.status_code == 200
    assert "“Met hoeveel vrijwilligers?”: Vul een getal in" in text_of(shown)
    assert hidden_on_page(world, shown) == ["Hoe werkt u met onderaannemers?"]


def test_save_and_continue_stays_when_the_answers_add_a_question_on_the_page(world):
    q = world["q"]
    _started, response = start(world, "a")
    profile(world, "a", response, 10)
    page = f"/responses/{response.id}/themes/{world['themes']['first'].id}"
    sent = post_form(world["clients"]["a"], page, {f"q-{q['Werkt u met vrijwilligers?'].id}": "Ja", "action": "next",
                                                   **{f"v-{question.id}": "0" for question in q.values()}})
    assert sent.status_code == 302
    assert sent.headers["Location"] == page + f"#question-{q['Met hoeveel vrijwilligers?'].id}"
    assert ("Door uw antwoorden is er een vraag bijgekomen op deze pagina: Met hoeveel vrijwilligers?"
            in text_of(world["clients"]["a"].get(page)))
    # Sent again, nothing new appears: on to the next step.
    again = post_form(world["clients"]["a"], page, {f"q-{q['Werkt u met vrijwilligers?'].id}": "Ja", "action": "next",
                                                    f"v-{q['Werkt u met vrijwilligers?'].id}": "1"})
    assert again.headers["Location"] != page + f"#question-{q['Met hoeveel vrijwilligers?'].id}"


def test_a_refused_move_in_a_draft_is_said_above_the_questions(world):
    world["consultation"].status = Status.DRAFT
    db.session.commit()
    editor = world["clients"]["editor"]
    depended = world["q"]["Werkt u met vrijwilligers?"]
    moved = post_form(editor, f"/consultations/wmo/manage/questions/{depended.id}/down", {}, headers=HX)
    assert moved.status_code == 200 and moved.headers["HX-Redirect"] == "/consultations/wmo/manage/questions"
    page = text_of(editor.get("/consultations/wmo/manage/questions"))
    assert "Deze wijziging past niet bij een voorwaarde: Vraag 1.1: Een voorwaarde kan alleen afhangen van een eerdere vraag; " \
           "vraag 1.2 komt later. Pas eerst die voorwaarde aan." in page
    changed = question_form(world, depended, options="Soms\nNee")
    assert changed.status_code == 200
    assert ("Er is een probleem Deze wijziging past niet bij een voorwaarde: Vraag 1.2: Een voorwaarde gebruikt een "
            "antwoordmogelijkheid die vraag 1.1 niet meer heeft. Pas eerst die voorwaarde aan.") in text_of(changed)


def test_the_team_sees_the_size_a_provider_gave_and_a_number_rule_unrounded(world):
    _started, response = start(world, "a")
    profile(world, "a", response, 50)
    post_form(world["clients"]["a"], f"/responses/{response.id}/answers/{world['q']['Kostprijs per uur?'].id}",
              {f"q-{world['q']['Kostprijs per uur?'].id}": "45", f"v-{world['q']['Kostprijs per uur?'].id}": "0"}, headers=HX)
    post_form(world["clients"]["a"], f"/responses/{response.id}/review", {"publication": "named", "confirm": "y"})
    view = text_of(world["clients"]["editor"].get(f"/consultations/wmo/responses/{response.id}"))
    assert "Grootte van de organisatie 50 tot 250 mensen" in view
    question = world["q"]["Hoe werkt u met onderaannemers?"]
    question_form(world, question, condition_number_question=str(world["q"]["Kostprijs per uur?"].id),
                  condition_number_op="at_least", condition_number_value="1.234,567")
    db.session.refresh(question)
    assert question.condition["rules"][-1] == {"question": world["q"]["Kostprijs per uur?"].id, "at_least": 1234.567}
    form = world["clients"]["editor"].get(f"/consultations/wmo/manage/questions/{question.id}").get_data(as_text=True)
    assert 'id="condition_number_value" inputmode="decimal" name="condition_number_value" type="text" value="1234,567"' in form
