"""Lots in the browser: the team sets up two lots with different municipalities and asks a question
for each of them; two care providers (one on a phone) say what they offer and each gets the questions
about that, a forgotten choice first named in the error summary."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, TeamRole, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from tests.conftest import make_org, make_user
from tests.e2e.conftest import ARTIFACTS, assert_no_horizontal_overflow, check_accessibility, sign_in_page

log_in = sign_in_page  # these journeys start logged in; logging in is tested on its own
QUESTIONS = ["Wat werkt goed in de wijk?", "Hoe regelt u het vervoer naar de dagbesteding?",
             "Wat is uw uurtarief voor thuishulp?"]


def _world() -> Question:
    leiden, leiderdorp = (make_org(f"Gemeente {name}", kind=OrgKind.MUNICIPALITY) for name in ("Leiden", "Leiderdorp"))
    consultation = Consultation(slug="wmo", title="Wmo Leidse regio", status=Status.OPEN, principles=[],
                                municipalities=[leiden, leiderdorp], closes_at=utcnow() + timedelta(days=20))
    theme = Theme(title="Dienstverlening", position=0)
    theme.questions.extend(Question(text=text, kind=QuestionKind.OPEN, position=n) for n, text in enumerate(QUESTIONS))
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    editor = make_user("eva@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT)
    make_user("anna@example.org", name="Anna Aanbieder", org=make_org("Zorg A", kvk="11111111"))
    make_user("bert@example.org", name="Bert Bieder", org=make_org("Zorg B", kvk="22222222"))
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=editor.id, role=TeamRole.EDITOR))
    db.session.commit()
    return theme.questions[1]


def _add_lot(page, name: str, *, leave_out: str | None = None) -> None:
    page.get_by_label("Naam van het perceel").fill(name)
    if leave_out:
        page.get_by_role("group", name="Gemeenten die dit perceel inkopen").get_by_label(leave_out).uncheck()
    page.get_by_label("Reden van de wijziging").fill(f"{name} apart inkopen")  # the consultation is open
    page.get_by_role("button", name="Perceel opslaan").click()
    expect(page.get_by_role("status")).to_contain_text(f"Het perceel {name} is opgeslagen.")


def _start(page) -> None:
    page.goto("/consultations/wmo")
    page.get_by_role("button", name="Begin de reactie van").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wat u aanbiedt")


def _questions_asked(page) -> list[str]:
    page.get_by_role("link", name="Dienstverlening").click()
    return [text for text in QUESTIONS if page.locator(".question-label", has_text=text).count()]


def test_two_lots_two_providers_two_sets_of_questions(page, second_page, live, page_errors):
    transport = _world()

    # The team sets up two lots: home help in both municipalities, day care in Leiden only.
    log_in(page, "eva@example.org", "/consultations/wmo/manage")
    page.get_by_role("link", name="Percelen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Percelen")
    _add_lot(page, "Hulp bij het huishouden")
    _add_lot(page, "Dagbesteding", leave_out="Gemeente Leiderdorp")
    expect(page.locator(".card")).to_have_count(2)
    expect(page.locator("#lot-2")).to_contain_text("Gemeenten: Gemeente Leiden 0 vragen")
    check_accessibility(page, "lots")
    page.screenshot(path=str(ARTIFACTS / "lots-1280.png"), full_page=True)

    # The transport question is asked only of those who offer day care (a reason: the consultation is open).
    page.get_by_role("link", name="Thema's en vragen").click()
    page.get_by_role("link", name="Vraag wijzigen 2").click()
    page.get_by_label("Gesteld voor het perceel").select_option(label="Dagbesteding")
    page.get_by_label("Gesteld voor de gemeente").select_option(label="Gemeente Leiderdorp")
    page.get_by_label("Reden van de wijziging").fill("Alleen voor aanbieders van dagbesteding")
    page.get_by_role("button", name="Vraag opslaan").click()
    expect(page.locator(".error-summary")).to_contain_text("Het perceel Dagbesteding wordt in die gemeente niet ingekocht.")
    expect(page.get_by_label("Reden van de wijziging")).to_have_value("Alleen voor aanbieders van dagbesteding")
    page.get_by_label("Gesteld voor de gemeente").select_option(label="Elke gemeente")
    page.get_by_role("button", name="Vraag opslaan").click()
    expect(page.locator(f"#question-{transport.id}")).to_contain_text("Alleen voor: Perceel Dagbesteding")
    page.get_by_role("link", name="Vraag wijzigen 3").click()
    page.get_by_label("Gesteld voor het perceel").select_option(label="Hulp bij het huishouden")
    page.get_by_label("Reden van de wijziging").fill("Alleen voor aanbieders van thuishulp")
    page.get_by_role("button", name="Vraag opslaan").click()
    expect(page.locator(f"#question-{transport.id + 1}")).to_contain_text("Alleen voor: Perceel Hulp bij het huishouden")
    check_accessibility(page, "questions editor with scoped questions")

    # A provider on a phone: asked first what it offers; sending nothing names the problem.
    second_page.set_viewport_size({"width": 320, "height": 700})
    log_in(second_page, "anna@example.org")
    _start(second_page)
    second_page.get_by_role("button", name="Opslaan wat wij aanbieden").click()
    summary = second_page.locator(".error-summary")
    expect(summary).to_contain_text("Kies minstens één perceel en de gemeenten waar u het aanbiedt.")
    expect(second_page.locator("#offer-lots")).to_contain_text("Kies minstens één perceel")
    expect(summary).to_be_focused()
    check_accessibility(second_page, "offer with an error at 320 px")
    assert_no_horizontal_overflow(second_page, "offer at 320 px")
    second_page.get_by_role("group", name="Dagbesteding").get_by_label("Gemeente Leiden").check()
    second_page.get_by_role("button", name="Opslaan wat wij aanbieden").click()
    expect(second_page.get_by_role("heading", level=1)).to_have_text("Onze reactie")
    expect(second_page.locator(".offer-summary")).to_contain_text("Dagbesteding: Gemeente Leiden")
    second_page.screenshot(path=str(ARTIFACTS / "offer-overview-320.png"), full_page=True)
    assert _questions_asked(second_page) == QUESTIONS[:2]
    expect(second_page.get_by_text("(Perceel Dagbesteding)")).to_be_visible()
    check_accessibility(second_page, "theme page with a scoped question at 320 px")
    assert_no_horizontal_overflow(second_page, "theme page at 320 px")

    # Another provider offers home help only: it is not asked about transport to day care.
    page.context.clear_cookies()
    log_in(page, "bert@example.org")
    _start(page)
    page.get_by_role("group", name="Hulp bij het huishouden").get_by_label("Gemeente Leiderdorp").check()
    page.get_by_role("button", name="Opslaan wat wij aanbieden").click()
    expect(page.locator(".offer-summary")).to_contain_text("Hulp bij het huishouden: Gemeente Leiderdorp")
    assert _questions_asked(page) == [QUESTIONS[0], QUESTIONS[2]]
