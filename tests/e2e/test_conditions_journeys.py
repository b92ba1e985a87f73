"""Questions that fit the respondent, in the browser: the team asks a question only after a "Ja" and
another only of larger organisations, and tries the questions out as a small provider; a provider on
a phone says its size, sees the follow-up question appear as it answers "Ja" and go as it answers
"Nee" (its text kept, not sent), and submits without it."""
from __future__ import annotations

import json
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, TeamRole, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from consult.responses.models import Submission
from tests.conftest import make_org, make_user
from tests.e2e.conftest import ARTIFACTS, assert_no_horizontal_overflow, check_accessibility, sign_in_page

log_in = sign_in_page
QUESTIONS = ["Werkt u met vrijwilligers?", "Hoeveel vrijwilligers zijn bij u actief?",
             "Hoe werkt u samen met kleinere aanbieders?"]


def _world() -> list[Question]:
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo Leidse regio", status=Status.OPEN, principles=[],
                                municipalities=[leiden], closes_at=utcnow() + timedelta(days=20))
    theme = Theme(title="Werkwijze", position=0)
    theme.questions.extend([
        Question(text=QUESTIONS[0], kind=QuestionKind.SINGLE, options=["Ja", "Nee"], position=0),
        Question(text=QUESTIONS[1], kind=QuestionKind.OPEN, position=1),
        Question(text=QUESTIONS[2], kind=QuestionKind.OPEN, position=2),
    ])
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    editor = make_user("eva@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT)
    make_user("anna@example.org", name="Anna Aanbieder", org=make_org("Zorg A", kvk="11111111"))
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=editor.id, role=TeamRole.EDITOR))
    db.session.commit()
    return list(theme.questions)


def _set_condition(page, number: int, tick: str, group: str, reason: str) -> None:
    page.get_by_role("link", name=f"Vraag wijzigen {number}").click()
    page.get_by_text("Alleen stellen als … (voorwaarden)").click()
    page.get_by_role("group", name=group).get_by_label(tick).check()
    page.get_by_label("Reden van de wijziging").fill(reason)
    page.get_by_role("button", name="Vraag opslaan").click()


def test_the_team_sets_conditions_and_a_provider_gets_questions_as_it_answers(page, second_page, live, page_errors):
    volunteers, how_many, partners = _world()

    # The team: the number of volunteers only after a "Ja", the partners question only for 50 people or more.
    log_in(page, "eva@example.org", "/consultations/wmo/manage/questions")
    _set_condition(page, 2, "het antwoord is “Ja”", f"Vraag 1.1: {QUESTIONS[0]}", "Alleen als het van toepassing is")
    expect(page.locator(f"#question-{how_many.id}")).to_contain_text("Alleen als vraag 1.1 = Ja")
    _set_condition(page, 3, "minstens 50 mensen", "De grootte van de zorgaanbieder", "Korte route voor kleine aanbieders")
    expect(page.locator(f"#question-{partners.id}")).to_contain_text("Alleen als de organisatie minstens 50 mensen heeft")
    page.get_by_role("link", name="Vraag wijzigen 3").click()
    expect(page.locator("details.condition-fields")).to_have_attribute("open", "")  # a condition: shown open
    check_accessibility(page, "question form with a condition")
    page.screenshot(path=str(ARTIFACTS / "condition-form-1280.png"), full_page=True)

    # Trying the questions out as a small provider that answers "Ja".
    page.goto("/consultations/wmo/manage/questions")
    page.get_by_role("link", name="Probeer de vragen uit als zorgaanbieder of adviesraad").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vragen uitproberen")
    page.get_by_role("group", name="Grootte van de zorgaanbieder").get_by_label("minder dan 10 mensen").check()
    page.get_by_role("group", name="Vraag 1.1 Werkt u met vrijwilligers?").get_by_label("Ja").check()
    page.get_by_role("button", name="Toon wat zij krijgen").first.click()
    expect(page.locator(".try-out__count")).to_have_text("Met dit profiel en deze antwoorden worden 2 vragen gesteld.")
    expect(page.get_by_text(QUESTIONS[1])).to_be_visible()
    expect(page.locator(f"#question-{partners.id}")).to_be_hidden()
    expect(page.get_by_text(f"Vraag 1.3 ({QUESTIONS[2]}) wordt nu niet gesteld.")).to_be_visible()
    check_accessibility(page, "try-out")

    # A provider on a phone says its size first (no lots here), then answers.
    second_page.set_viewport_size({"width": 320, "height": 700})
    log_in(second_page, "anna@example.org", "/consultations/wmo")
    second_page.get_by_role("button", name="Begin de reactie van").click()
    expect(second_page.get_by_role("heading", level=1)).to_have_text("Over uw organisatie")
    second_page.get_by_role("button", name="Opslaan").click()
    expect(second_page.locator(".error-summary")).to_contain_text("Geef aan hoeveel mensen er bij uw organisatie werken.")
    check_accessibility(second_page, "size with an error at 320 px")
    second_page.get_by_label("10 tot 50 mensen").check()
    second_page.get_by_role("button", name="Opslaan").click()
    expect(second_page.locator(".offer-summary")).to_contain_text("Grootte: 10 tot 50 mensen.")
    second_page.get_by_role("link", name="Werkwijze").click()
    follow_up = second_page.locator(f"#question-{how_many.id}")
    expect(follow_up).to_be_hidden()
    expect(second_page.locator(f"#question-{partners.id}")).to_have_count(1)
    expect(second_page.locator(f"#question-{partners.id}")).to_be_hidden()
    expect(second_page.locator("#visibility-notice")).to_be_empty()  # nothing shows while nothing happened
    second_page.get_by_label("Ja").check()
    expect(follow_up).to_be_visible()
    expect(second_page.locator("#visibility-notice")).to_have_text(
        f"Nu ook gevraagd: Vraag 2 ({QUESTIONS[1]}).")
    second_page.get_by_label(QUESTIONS[1]).fill("Twaalf, vooral bij de dagbesteding.")
    expect(follow_up.locator(".save-status")).to_contain_text("Concept opgeslagen om", timeout=10_000)
    check_accessibility(second_page, "theme page with a question just shown at 320 px")
    assert_no_horizontal_overflow(second_page, "theme page at 320 px")
    # caret="initial": hiding the caret writes a style attribute that htmx would copy into later swaps
    second_page.screenshot(path=str(ARTIFACTS / "condition-shown-320.png"), full_page=True, caret="initial")
    second_page.get_by_label("Nee").check()
    expect(follow_up).to_be_hidden()
    expect(second_page.locator("#visibility-notice")).to_contain_text(f"Niet meer gevraagd: Vraag 2 ({QUESTIONS[1]}).")
    second_page.get_by_label("Ja").check()  # and back: the text typed is still there
    expect(second_page.get_by_label(QUESTIONS[1])).to_have_value("Twaalf, vooral bij de dagbesteding.")
    second_page.get_by_label("Nee").check()
    expect(follow_up).to_be_hidden()

    # Checking and submitting: the kept answer is named, and not sent.
    second_page.get_by_role("button", name="Opslaan en controleren").click()
    expect(second_page).to_have_title("Stap 2 van 2: Controleren en indienen · Onze reactie · Consult")
    expect(second_page.locator("main")).to_contain_text(QUESTIONS[1])  # named among the answers kept, not sent
    second_page.get_by_label("Onze antwoorden publiceren zonder de naam van onze organisatie").check()
    second_page.get_by_label("Ik dien deze reactie in namens Zorg A.").check()
    second_page.get_by_role("button", name="Reactie indienen").click()
    expect(second_page.get_by_role("heading", level=1)).to_have_text("Reactie ingediend")
    submission = db.session.scalar(select(Submission))
    assert [a["question"] for a in json.loads(submission.canonical)["answers"]] == [QUESTIONS[0]]
