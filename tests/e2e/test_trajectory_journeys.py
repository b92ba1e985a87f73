"""Rounds of one trajectory: the team links two consultations as rounds, a provider sees the public
timeline on a phone with the invitation-only round by title only, asks to join (a missing reason
first), the team grants it, and the provider starts its response in the second round and copies
its submitted answer of the first."""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, TeamRole, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from consult.responses.models import Answer, Publication
from consult.responses.services import save_answer, set_publication, start_response, submit
from tests.conftest import make_org, make_user
from tests.e2e.conftest import ARTIFACTS, assert_no_horizontal_overflow, check_accessibility, sign_in_page

log_in = sign_in_page  # these journeys start logged in; logging in is tested on its own
QUESTION = "Hoe werkt u samen met de wijkteams?"


def _round(slug: str, title: str, municipality, *, invited=None) -> Consultation:
    consultation = Consultation(slug=slug, title=title, status=Status.OPEN, municipalities=[municipality],
                                closes_at=utcnow() + timedelta(days=40), principles=[],
                                invited_only=invited is not None, invited=invited or [])
    theme = Theme(title="Samenwerking", position=0)
    theme.questions.append(Question(text=QUESTION, kind=QuestionKind.OPEN, position=0))
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    return consultation


def _world():
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    zorg_a, zorg_c = make_org("Zorg A", kvk="11111111"), make_org("Zorg C", kvk="33333333")
    first = _round("verkenning", "Verkenning Wmo", leiden)
    second = _round("ontwikkeltafel", "Ontwikkeltafel Wmo", leiden, invited=[zorg_c])
    second.themes[0].questions[0].same_as_id = first.themes[0].questions[0].id
    anna = make_user("anna@example.org", name="Anna Aanbieder", org=zorg_a)
    editor = make_user("eva@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT)
    db.session.add_all([TeamMember(consultation_id=c.id, user_id=editor.id, role=TeamRole.EDITOR)
                        for c in (first, second)])
    response = start_response(first, zorg_a, by=anna)
    save_answer(response, first.themes[0].questions[0], "Wekelijks overleg met elk wijkteam.", False, None, by=anna)
    set_publication(response, Publication.NAMED, by=anna)
    submit(response, by=anna, notify=False)
    db.session.commit()


def test_trajectory_from_building_to_a_copied_answer(page, second_page, live, page_errors):
    _world()
    page_errors.allowed_statuses.add(400)  # the join form sent without a reason answers 400

    # The team starts a trajectory from the first round's access page and adds the second round.
    log_in(page, "eva@example.org")
    page.goto("/consultations/verkenning/manage/access")
    page.get_by_role("link", name="Een traject beginnen met deze consultatie").click()
    page.get_by_label("Naam van het traject").fill("Wmo Holland Rijnland")
    page.get_by_label("Naam van de ronde").fill("Verkenning")
    page.get_by_role("button", name="Traject beginnen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wmo Holland Rijnland")
    page.get_by_label("Consultatie").select_option(label="Ontwikkeltafel Wmo")
    page.get_by_label("Naam van de ronde").fill("Ontwikkeltafels")
    page.get_by_role("button", name="Ronde toevoegen").click()
    expect(page.get_by_role("heading", level=3)).to_have_text(["Ronde 1: Verkenning", "Ronde 2: Ontwikkeltafels"])
    check_accessibility(page, "trajectory management")
    page.goto("/trajectories/wmo-holland-rijnland")
    check_accessibility(page, "trajectory timeline (team) at 1280 px")
    page.screenshot(path=str(ARTIFACTS / "trajectory-timeline-1280.png"), full_page=True)

    # A provider on a phone sees the invitation-only round by title only and asks to join.
    second_page.set_viewport_size({"width": 320, "height": 700})
    log_in(second_page, "anna@example.org")
    second_page.goto("/consultations/verkenning")
    second_page.get_by_role("link", name="Wmo Holland Rijnland").click()
    expect(second_page.get_by_role("heading", level=3)).to_have_text(["Ronde 1: Verkenning", "Ronde 2: Ontwikkeltafels"])
    expect(second_page.locator("#round-2")).not_to_contain_text("sluit op")
    expect(second_page.get_by_role("link", name="Ontwikkeltafel Wmo")).to_have_count(0)
    check_accessibility(second_page, "trajectory timeline at 320 px")
    assert_no_horizontal_overflow(second_page, "trajectory-timeline")
    second_page.get_by_text("Vragen om mee te doen aan deze ronde").click()
    second_page.get_by_role("button", name="Verzoek versturen").click()
    expect(second_page.locator(".error-summary")).to_contain_text("Geef kort aan waarom uw organisatie wil meedoen.")
    reason = second_page.get_by_label("Waarom wil uw organisatie meedoen?")
    expect(reason).to_have_attribute("aria-invalid", "true")
    check_accessibility(second_page, "join request with an error at 320 px")
    assert_no_horizontal_overflow(second_page, "trajectory-join-error")
    reason.fill("Wij bieden dagbesteding in de hele regio.")
    second_page.get_by_role("button", name="Verzoek versturen").click()
    expect(second_page.locator(".utrecht-alert[role=status]")).to_have_text(
        "Uw verzoek is naar het projectteam gestuurd. U hoort het besluit.")
    expect(second_page.locator("#round-2")).to_contain_text("het projectteam heeft nog niet besloten.")

    # The team grants it on the access page.
    page.goto("/consultations/ontwikkeltafel/manage/access")
    page.get_by_role("link", name="Verzoek van Zorg A toekennen of afwijzen").click()
    expect(page.locator(".details-list")).to_contain_text("Wij bieden dagbesteding in de hele regio.")
    check_accessibility(page, "join request decision")
    page.get_by_label("Toekennen: de organisatie uitnodigen").check()
    page.get_by_role("button", name="Besluit opslaan").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("Zorg A is nu uitgenodigd.")

    # The provider now opens the second round, starts its response and copies the earlier answer.
    second_page.goto("/trajectories/wmo-holland-rijnland")
    second_page.get_by_role("link", name="Ontwikkeltafel Wmo").click()
    expect(second_page.locator(".trajectory-round")).to_have_text("Ronde 2 van het traject Wmo Holland Rijnland")
    second_page.get_by_role("button", name="Begin de reactie van Zorg A").click()
    second_page.get_by_role("button", name="1 antwoord overnemen").click()
    expect(second_page.locator(".utrecht-alert[role=status]")).to_have_text(
        "1 antwoord is overgenomen uit de eerdere ronde. Controleer het voordat u indient.")
    check_accessibility(second_page, "response overview after copying at 320 px")
    assert_no_horizontal_overflow(second_page, "response-copied")
    second_page.get_by_role("link", name="Samenwerking").click()
    expect(second_page.get_by_label(QUESTION)).to_have_value("Wekelijks overleg met elk wijkteam.")
    expect(second_page.get_by_role("link", name="Overgenomen uit ronde 1")).to_be_visible()
    assert_no_horizontal_overflow(second_page, "response-copied-theme")
    with live.app.app_context():
        copied = db.session.scalars(select(Answer).where(Answer.copied_from_id.is_not(None))).all()
        assert [(a.value, a.response.consultation.slug) for a in copied] == [
            ("Wekelijks overleg met elk wijkteam.", "ontwikkeltafel")]


def _two_rounds_with_changes():
    """Round 1 (closed) with two questions answered by Zorg A; round 2 (open) asks the first again
    in other words, the second unchanged, and one new question; a strategy draft for round 2."""
    from consult.consultations.trajectory_services import add_round, create_trajectory
    from consult.strategy.services import create_draft

    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    zorg_a = make_org("Zorg A", kvk="11111111")
    first = _round("verkenning", "Verkenning Wmo", leiden)
    second = _round("ontwikkeltafel", "Ontwikkeltafel Wmo", leiden)
    extra = Question(text="Welke vorm van bekostiging past?", kind=QuestionKind.SINGLE, position=1,
                     options=["Taakgericht", "Inspanningsgericht"])
    first.themes[0].questions.append(extra)
    db.session.commit()
    later = second.themes[0].questions[0]
    later.text = "Hoe werkt u samen met de wijkteams en de huisartsen?"
    later.same_as_id = first.themes[0].questions[0].id
    second.themes[0].questions.append(Question(text=extra.text, kind=QuestionKind.SINGLE, position=1,
                                               options=list(extra.options), same_as_id=extra.id))
    second.themes[0].questions.append(Question(text="Welke innovaties ziet u?", kind=QuestionKind.OPEN, position=2))
    anna = make_user("anna@example.org", name="Anna Aanbieder", org=zorg_a)
    editor = make_user("eva@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT)
    db.session.add_all([TeamMember(consultation_id=c.id, user_id=editor.id, role=TeamRole.EDITOR)
                        for c in (first, second)])
    response = start_response(first, zorg_a, by=anna)
    save_answer(response, first.themes[0].questions[0], "Wekelijks overleg met elk wijkteam.", False, None, by=anna)
    save_answer(response, extra, "Taakgericht", False, None, by=anna)
    set_publication(response, Publication.NAMED, by=anna)
    submit(response, by=anna, notify=False)
    first.status = Status.CLOSED
    trajectory = create_trajectory(title="Wmo Holland Rijnland", description="", first=first, label="Verkenning",
                                   by=editor)
    add_round(trajectory, second, label="Ontwikkeltafels", by=editor)
    create_draft(second, by=editor)
    db.session.commit()


def test_second_round_shows_what_changed_and_the_team_cites_the_first(page, second_page, live):
    _two_rounds_with_changes()

    # The provider, on a phone, starts its response in round 2: what changed since round 1.
    second_page.set_viewport_size({"width": 320, "height": 700})
    log_in(second_page, "anna@example.org")
    second_page.goto("/consultations/ontwikkeltafel")
    second_page.get_by_role("button", name="Begin de reactie van Zorg A").click()
    changes = second_page.locator(".since-earlier-summary")
    expect(changes).to_contain_text("1 vraag is in een eerdere ronde gesteld en sindsdien veranderd:")
    expect(changes).to_contain_text("Hoe werkt u samen met de wijkteams en de huisartsen? "
                                    "(ronde 1; veranderd: de formulering)")
    expect(changes).to_contain_text("1 vraag is nieuw in deze ronde: Welke innovaties ziet u?")
    second_page.get_by_role("button", name="2 antwoorden overnemen").click()
    check_accessibility(second_page, "response overview with what changed at 320 px")
    assert_no_horizontal_overflow(second_page, "response-what-changed")
    second_page.screenshot(path=str(ARTIFACTS / "rounds-overview-320.png"), full_page=True)
    second_page.get_by_role("link", name="Hoe werkt u samen met de wijkteams en de huisartsen?").click()
    answer = second_page.get_by_label("Hoe werkt u samen met de wijkteams en de huisartsen?")
    expect(answer).to_have_value("Wekelijks overleg met elk wijkteam.")
    expect(answer).to_have_accessible_description(re.compile(
        r"^Veranderd sinds ronde 1: de formulering\. Hoe werkt u samen met de verwijderd: wijkteams\? "
        r"toegevoegd: wijkteams en de huisartsen\? Overgenomen uit ronde 1 "
        r"De vraag is sindsdien veranderd: controleer uw antwoord\."))
    expect(second_page.locator(".since-earlier")).to_have_count(3)
    expect(second_page.locator(".since-earlier").nth(1)).to_have_text(re.compile(
        r"^\s*Ook gesteld in ronde 1, ongewijzigd\.\s*Overgenomen uit ronde 1\s*$"))
    expect(second_page.locator(".since-earlier").nth(2)).to_have_text(re.compile(r"^\s*Nieuw in deze ronde\s*$"))
    check_accessibility(second_page, "response theme with what changed at 320 px")
    assert_no_horizontal_overflow(second_page, "response-theme-what-changed")
    second_page.screenshot(path=str(ARTIFACTS / "rounds-theme-320.png"), full_page=True)
    second_page.set_viewport_size({"width": 1280, "height": 900})
    second_page.screenshot(path=str(ARTIFACTS / "rounds-theme-1280.png"), full_page=True)

    # The team sees round 1's answers on round 2's analysis page, links one to the strategy and quotes it.
    log_in(page, "eva@example.org")
    with live.app.app_context():
        question_id = db.session.scalar(select(Question.id).where(
            Question.text == "Hoe werkt u samen met de wijkteams en de huisartsen?"))
    analysis = f"/consultations/ontwikkeltafel/analysis/questions/{question_id}"
    page.goto(analysis)
    earlier = page.locator("#earlier-rounds")
    expect(earlier.get_by_role("heading", level=2)).to_have_text("In eerdere rondes")
    expect(earlier.get_by_role("heading", level=3)).to_have_text("Ronde 1: Zorg A (Zorgaanbieders)")
    expect(earlier).to_contain_text("Toen gesteld als: “Hoe werkt u samen met de wijkteams?”")
    check_accessibility(page, "analysis with earlier rounds at 1280 px")
    page.screenshot(path=str(ARTIFACTS / "rounds-analysis-1280.png"), full_page=True)
    earlier.get_by_role("link", name="Koppelen aan de strategie het antwoord van Zorg A in ronde 1").click()
    expect(page.get_by_label(re.compile("^Inbreng van een eerdere ronde: Ronde 1 — Zorg A — "))).to_be_checked()
    page.get_by_label("Onderdeel van de strategie").select_option(label="Algemeen deel")
    page.locator("#disposition-adopted").check()
    page.get_by_label("Reden").fill("Het wekelijkse overleg blijft de basis.")
    page.get_by_role("button", name="Koppelen aan de strategie").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("De inbreng is aan dit onderdeel gekoppeld.")
    page.goto(analysis)
    earlier.get_by_text("Dit antwoord citeren").click()
    earlier.get_by_role("button", name="Als kerncitaat markeren").click()
    expect(page.locator(".error-summary")).to_contain_text("Kopieer het deel van het antwoord dat u wilt citeren.")
    check_accessibility(page, "earlier-round quote with an error")
    earlier.get_by_label("Kerncitaat").fill("Wekelijks overleg met elk wijkteam")
    earlier.get_by_role("button", name="Als kerncitaat markeren").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("Het kerncitaat is gemarkeerd.")
    expect(earlier).to_contain_text("Kerncitaat (toegeschreven aan: Zorg A): “Wekelijks overleg met elk wijkteam”")
    expect(earlier).to_contain_text("Heeft de strategie gevoed: Algemeen deel (inbreng van ronde 1) (overgenomen)")
    page.set_viewport_size({"width": 320, "height": 700})
    check_accessibility(page, "analysis with earlier rounds at 320 px")
    assert_no_horizontal_overflow(page, "analysis-earlier-rounds")
    page.screenshot(path=str(ARTIFACTS / "rounds-analysis-320.png"), full_page=True)

    # The report preview names the trajectory and its rounds, and has the quote under round 2's question.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/consultations/ontwikkeltafel/report")
    expect(page.get_by_role("heading", name="Rondes van het traject")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Deze consultatie is ronde 2 van het traject “Wmo Holland Rijnland”.")
    rounds_table = page.locator("table", has=page.locator("caption", has_text="Wmo Holland Rijnland"))
    expect(rounds_table.locator("tbody tr")).to_have_count(2)
    # The round's title starts with its name ("Verkenning"), so the name is not said twice.
    expect(rounds_table.locator("tbody tr").first.get_by_role("cell").nth(1)).to_have_text("Verkenning Wmo")
    expect(page.locator("body")).to_contain_text("“Wekelijks overleg met elk wijkteam” (Zorg A, ronde 1)")
    expect(page.locator("body")).to_contain_text("Algemeen deel (inbreng van ronde 1): Het wekelijkse overleg blijft de basis.")
    check_accessibility(page, "report preview with the rounds")
    page.screenshot(path=str(ARTIFACTS / "rounds-report-1280.png"), full_page=True)
