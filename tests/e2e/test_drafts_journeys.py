"""Drafts open for comment: the team writes a programme of requirements and opens it for comment; a
provider comments on paragraph 2 (one confidential comment, one public) and a council member
comments; the period ends; the team answers each comment with a disposition; the team revises
paragraph 2 and the provider sees what changed since the comment; the report preview has the
comment-and-reply table without the confidential comment. And the strategy draft opened for
comment, with a comment on a segment paragraph."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from consult.auth.models import User
from consult.consultations.models import Consultation, Status, TeamMember, TeamRole, Theme
from consult.core.time import to_local, utcnow
from consult.drafts.models import Draft
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from tests.conftest import make_org, make_user
from tests.e2e.conftest import assert_no_horizontal_overflow, check_accessibility, sign_in_page

log_in = sign_in_page  # these journeys start logged in; logging in is tested on its own
BODY = ("De aanbieder levert begeleiding dicht bij huis.\n\n"
        "De aanbieder rapporteert elk kwartaal over de resultaten.\n\n"
        "De aanbieder werkt samen met het wijkteam.")


def _world():
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Marktconsultatie Wmo", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=40), principles=[])
    consultation.themes.append(Theme(title="Dienstverlening", position=0))
    db.session.add(consultation)
    db.session.commit()
    make_user("anna@example.org", name="Anna Aanbieder", org=make_org("Zorg A", kvk="11111111"))
    make_user("rita@example.org", name="Rita Raad", org=make_org("Adviesraad Leiden", kind=OrgKind.COUNCIL))
    editor = make_user("eva@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT)
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=editor.id, role=TeamRole.EDITOR))
    db.session.commit()


def _comment(page, number: str, text: str, *, confidential: bool = False, without_name: bool = False):
    page.get_by_role("link", name=f"Reageren op alinea {number}").click()
    page.get_by_label(f"Uw reactie op alinea {number}").fill(text)
    if confidential:
        page.get_by_label("Vertrouwelijk").check()
    if without_name:
        page.get_by_label("Deze reactie publiceren zonder de naam van onze organisatie").check()
    page.get_by_role("button", name="Mijn reactie opslaan").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text(
        "Uw reactie is opgeslagen. U kunt haar wijzigen tot de reactieperiode eindigt.")


def _answer(page, text: str, disposition: str, reply: str):
    page.get_by_role("article").filter(has_text=text).get_by_role("link", name="Deze reactie beantwoorden").click()
    page.get_by_label(disposition, exact=True).check()
    page.get_by_label("Uw antwoord").fill(reply)
    page.get_by_role("button", name="Het antwoord opslaan").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("Het antwoord is opgeslagen.")


def test_programme_of_requirements_commented_answered_revised_and_reported(page, second_page, live):
    _world()
    today = to_local(utcnow()).date()  # the day as the app counts it (Amsterdam), also late in the UTC evening

    # The team writes the programme of requirements; an empty text is refused at its field.
    log_in(page, "eva@example.org")
    page.goto("/consultations/wmo/manage")
    page.get_by_role("link", name="Concepten ter reactie").first.click()
    page.get_by_role("link", name="Een concept schrijven").click()
    page.get_by_label("Titel").fill("Programma van eisen begeleiding")
    page.get_by_role("button", name="Het concept opslaan").click()
    expect(page.locator(".error-summary")).to_contain_text("Schrijf ten minste één alinea.")
    expect(page.get_by_label("Titel")).to_have_value("Programma van eisen begeleiding")
    check_accessibility(page, "draft form with an error")
    page.get_by_label("Tekst", exact=True).fill(BODY)
    page.get_by_role("button", name="Het concept opslaan").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text(
        "Het concept is opgeslagen. Zet het open voor reacties als het klaar is.")
    draft_path = page.url.removeprefix(live.url)

    # It opens for comment by providers and councils for two weeks.
    page.get_by_role("link", name="Openzetten voor reacties").click()
    page.get_by_label("Opent op").fill(today.isoformat())
    page.get_by_label("Opent om").fill("00:00")
    page.get_by_label("Sluit op").fill((today + timedelta(days=14)).isoformat())
    page.get_by_label("Sluit om").fill("17:00")
    page.get_by_label("Zorgaanbieders en adviesraden").check()
    check_accessibility(page, "comment period form")
    page.get_by_role("button", name="De reactieperiode opslaan").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("De reactieperiode is ingesteld.")
    expect(page.get_by_text("Open voor reacties tot")).to_be_visible()
    check_accessibility(page, "draft page (team)")

    # A provider comments on paragraph 2 on a phone: one confidential comment, one public.
    second_page.set_viewport_size({"width": 320, "height": 700})
    log_in(second_page, "anna@example.org")
    second_page.goto("/consultations/wmo")
    second_page.get_by_role("region", name="Concepten ter reactie").get_by_role(
        "link", name="Programma van eisen begeleiding").click()
    check_accessibility(second_page, "draft page (provider)")
    assert_no_horizontal_overflow(second_page, "draft-provider-320")
    second_page.get_by_role("link", name="Reageren op alinea 2").click()
    second_page.get_by_role("button", name="Mijn reactie opslaan").click()
    expect(second_page.locator(".error-summary")).to_contain_text("Schrijf uw reactie op deze alinea.")
    check_accessibility(second_page, "comment form with an error")
    assert_no_horizontal_overflow(second_page, "draft-comment-form-320")
    second_page.goto(draft_path)
    _comment(second_page, "2", "Onze marges zijn te klein voor kwartaalrapportages.", confidential=True)
    _comment(second_page, "2", "Een halfjaarlijkse rapportage volstaat.")
    expect(second_page.get_by_text("Vertrouwelijk", exact=True)).to_be_visible()

    # A council member comments on paragraph 3, without the council's name.
    page.get_by_role("button", name="Uitloggen").click()
    log_in(page, "rita@example.org")
    page.goto(draft_path)
    _comment(page, "3", "Betrek ook de cliëntondersteuners.", without_name=True)

    # The period ends; the council member now reads the provider's public comment, not the confidential one.
    draft = db.session.scalar(select(Draft))
    draft.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page.reload()
    expect(page.get_by_text("Een halfjaarlijkse rapportage volstaat.")).to_be_visible()
    expect(page.get_by_text("Onze marges zijn te klein")).to_have_count(0)
    expect(page.get_by_role("link", name="Reageren op alinea 2")).to_have_count(0)

    # The team answers each comment with a disposition.
    page.get_by_role("button", name="Uitloggen").click()
    log_in(page, "eva@example.org")
    page.goto(draft_path)
    _answer(page, "Een halfjaarlijkse rapportage volstaat.", "Deels overgenomen",
            "Wij vragen een halfjaarlijkse rapportage met een korte kwartaalmelding.")
    check_accessibility(page, "draft page after a reply (team)")
    _answer(page, "Onze marges zijn te klein", "Niet overgenomen", "De rapportage blijft beperkt van omvang.")
    _answer(page, "Betrek ook de cliëntondersteuners.", "Deels overgenomen", "Wij nemen dit op in alinea 3.")

    # The team revises paragraph 2; the provider sees it changed since the comment, with the diff.
    page.get_by_role("link", name="Het concept aanpassen").click()
    page.get_by_label("Tekst", exact=True).fill(BODY.replace("elk kwartaal", "elk half jaar"))
    page.get_by_role("button", name="Het concept opslaan").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text(
        "Het concept is aangepast. Bij reacties op gewijzigde alinea's staat wat er veranderde.")
    second_page.goto(draft_path)
    own = second_page.get_by_role("article").filter(has_text="Een halfjaarlijkse rapportage volstaat.")
    expect(own).to_contain_text("Gewijzigd sinds uw reactie")
    expect(own.locator("del")).to_have_text("verwijderd: kwartaal")
    expect(own.locator("ins")).to_have_text("toegevoegd: half jaar")
    expect(own).to_contain_text("Deels overgenomen")
    check_accessibility(second_page, "draft page after the period (provider)")
    assert_no_horizontal_overflow(second_page, "draft-changed-320")

    # The report preview has the comment-and-reply table, without the confidential comment.
    page.goto("/consultations/wmo/report")
    table = page.get_by_role("table").filter(has_text="Programma van eisen begeleiding")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").nth(0)).to_contain_text("Zorg A")
    expect(table.locator("tbody tr").nth(0)).to_contain_text("Een halfjaarlijkse rapportage volstaat.")
    expect(table.locator("tbody tr").nth(1)).to_contain_text("Zonder naam")
    expect(table).not_to_contain_text("Onze marges")
    expect(table).not_to_contain_text("Adviesraad Leiden")


def test_strategy_draft_opened_for_comment_with_a_comment_on_a_segment(page, live):
    from consult.strategy.services import add_segment, create_draft, save_general

    _world()
    consultation = db.session.scalar(select(Consultation))
    editor = db.session.scalar(select(User).where(User.email == "eva@example.org"))
    strategy = create_draft(consultation, by=editor)
    save_general(strategy, principles="Zorg dicht bij huis.", change_tasks="", by=editor)
    add_segment(strategy, by=editor, name="Dagbesteding", services="Groepsbegeleiding in de wijk.")
    db.session.commit()

    log_in(page, "eva@example.org")
    page.goto("/consultations/wmo/strategy")
    page.get_by_role("button", name="Openzetten voor reacties").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Openzetten voor reacties")
    page.get_by_label("Opent op").fill(to_local(utcnow()).date().isoformat())
    page.get_by_label("Opent om").fill("00:00")
    page.get_by_label("Sluit op").fill((to_local(utcnow()).date() + timedelta(days=7)).isoformat())
    page.get_by_label("Sluit om").fill("17:00")
    page.get_by_role("button", name="De reactieperiode opslaan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inkoopstrategie (concept)")
    expect(page.get_by_text("Dagbesteding — Diensten in dit segment")).to_be_visible()

    page.get_by_role("button", name="Uitloggen").click()
    log_in(page, "anna@example.org")
    page.goto("/consultations/wmo")
    page.get_by_role("link", name="Inkoopstrategie (concept)").click()
    _comment(page, "2.1", "Ook individuele begeleiding thuis.")
    expect(page.get_by_role("article")).to_contain_text("Zorg A")
    check_accessibility(page, "strategy draft for comment (provider)")

    # With the keyboard alone: Tab to the next paragraph's comment link, Enter, Tab to the field, type,
    # Tab to the button, Enter.
    _tab_to(page, page.get_by_role("link", name="Reageren op alinea 1"))
    page.keyboard.press("Enter")
    _tab_to(page, page.get_by_label("Uw reactie op alinea 1"))
    page.keyboard.type("Leg de uitgangspunten ook in eenvoudige taal uit.")
    _tab_to(page, page.get_by_role("button", name="Mijn reactie opslaan"))
    page.keyboard.press("Enter")
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text(
        "Uw reactie is opgeslagen. U kunt haar wijzigen tot de reactieperiode eindigt.")
    expect(page.get_by_role("article").filter(has_text="Leg de uitgangspunten ook in eenvoudige taal uit.")
           ).to_be_visible()

    # The team saves the strategy: participants keep reading the text the team put before them, until
    # the team updates the text for comment on the overview.
    from consult.strategy.services import live_segments, save_segment
    save_segment(live_segments(strategy)[0], by=editor, name="Dagbesteding",
                 services="Groepsbegeleiding en individuele begeleiding in de wijk.", tariff="Plafond 58 euro per uur")
    db.session.commit()
    page.reload()
    expect(page.get_by_text("Groepsbegeleiding in de wijk.")).to_be_visible()
    page.get_by_role("button", name="Uitloggen").click()
    log_in(page, "eva@example.org")
    page.goto("/consultations/wmo/strategy")
    check_accessibility(page, "strategy overview with a draft for comment")
    page.screenshot(path="/tmp/fix-drafts/overview-1280.png", full_page=True)
    page.set_viewport_size({"width": 320, "height": 800})
    assert_no_horizontal_overflow(page, "strategy overview with a draft for comment")
    page.screenshot(path="/tmp/fix-drafts/overview-320.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Tekst voor reacties bijwerken").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text(
        "Het concept voor reacties heeft nu de tekst van de strategie zoals die nu is.")
    expect(page.get_by_text("Groepsbegeleiding en individuele begeleiding in de wijk.")).to_be_visible()
    expect(page.get_by_text("58 euro")).to_have_count(0)


def _tab_to(page, target, limit: int = 80) -> None:
    """Press Tab until ``target`` has the focus, and check it is visible then."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            expect(target).to_be_visible()
            return
    raise AssertionError(f"{target} not reached with Tab in {limit} presses")
