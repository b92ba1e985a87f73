"""Rounds of one trajectory: the team links two consultations as rounds, a provider sees the public
timeline on a phone with the invitation-only round by title only, asks to join (a missing reason
first), the team grants it, and the provider starts its response in the second round and copies
its submitted answer of the first."""
from __future__ import annotations

from datetime import timedelta
from functools import partial

from playwright.sync_api import expect
from sqlalchemy import select

from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, TeamRole, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from consult.responses.models import Answer, Publication
from consult.responses.services import save_answer, set_publication, start_response, submit
from tests.conftest import make_org, make_user
from tests.e2e.conftest import ARTIFACTS, assert_no_horizontal_overflow, check_accessibility, log_in_through_form

log_in = partial(log_in_through_form, enter=True, landed="account-attached")
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
