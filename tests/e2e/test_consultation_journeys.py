"""The team sets up and publishes a consultation; anyone reads it (keyboard, htmx, axe)."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from consult.consultations.models import Consultation, Status
from consult.core.time import AMSTERDAM, utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from tests.conftest import make_org, make_user
from tests.e2e.conftest import assert_no_horizontal_overflow, check_accessibility, new_page, settle, sign_in_page

log_in = sign_in_page  # these journeys start logged in; logging in is tested on its own


def add_question(page, theme: str, text: str, kind: str, options: str = "") -> None:
    """Add a question inline: the form opens in place (htmx), focus on its heading."""
    page.get_by_role("link", name=f"Vraag toevoegen aan {theme}").click()
    heading = page.get_by_role("heading", name=f"Nieuwe vraag in {theme}")
    expect(heading).to_be_focused()
    check_accessibility(page, "inline question form")
    page.get_by_label("Vraag", exact=True).fill(text)
    page.get_by_label("Soort antwoord").select_option(kind)
    if options:
        page.get_by_label("Opties").fill(options)
    page.get_by_role("button", name="Vraag opslaan").click()
    expect(page.get_by_role("status")).to_have_text("De vraag is opgeslagen.")
    expect(page.locator(".question-list__text", has_text=text)).to_be_focused()  # "1.1 " and the text
    settle(page)


def test_team_sets_up_and_publishes_a_consultation(page, second_page, live):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    make_user("beheer@example.org", name="Bram Beheer", admin=True)
    make_user("team@example.org", name="Tessa Teamlid", org=leiden, role=MemberRole.CONTACT)

    # The administrator creates the draft and puts Tessa on the team as editor.
    log_in(page, "beheer@example.org")
    page.goto("/consultations")
    page.get_by_role("link", name="Nieuwe consultatie").click()
    check_accessibility(page, "new consultation")
    page.get_by_label("Titel").fill("Marktconsultatie begeleiding")
    page.get_by_label("Gemeente Leiden").check()
    page.get_by_role("button", name="Concept aanmaken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Projectteam")
    check_accessibility(page, "team")
    page.get_by_label("E-mailadres van het teamlid").fill("team@example.org")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("status")).to_have_text("Tessa Teamlid zit nu in het projectteam.")

    # Tessa writes the content.
    editor = second_page
    log_in(editor, "team@example.org")
    editor.goto("/consultations")
    editor.get_by_role("link", name="Marktconsultatie begeleiding").click()
    expect(editor.get_by_text("Concept: nog niet gepubliceerd")).to_be_visible()
    editor.get_by_role("link", name="Deze consultatie beheren").click()
    check_accessibility(editor, "manage draft")

    # Publishing too early lists what is missing, with links.
    editor.once("dialog", lambda dialog: dialog.accept())
    editor.get_by_role("button", name="Consultatie publiceren").click()
    summary = editor.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Voeg minstens één thema met minstens één vraag toe.")
    expect(summary).to_contain_text("Stel de sluitingsdatum in.")
    check_accessibility(editor, "publish problems")

    editor.get_by_role("link", name="Stel de sluitingsdatum in.").click()
    check_accessibility(editor, "details")
    deadline = (utcnow() + timedelta(days=21)).astimezone(AMSTERDAM).date()
    editor.get_by_label("Samenvatting").fill("Wij vragen aanbieders naar hun ervaring met begeleiding.")
    editor.get_by_label("Uitgangspunten").fill("De inwoner staat centraal\nSamenwerking in de wijk")
    editor.get_by_label("Sluitingsdatum (datum)").fill(deadline.isoformat())
    editor.get_by_label("Sluitingsdatum (tijd)").fill("17:00")
    editor.get_by_role("button", name="Gegevens opslaan").click()
    expect(editor.get_by_role("status")).to_have_text("De gegevens zijn opgeslagen.")

    editor.get_by_role("link", name="Planning").first.click()
    editor.get_by_label("Fase", exact=True).fill("Marktconsultatie")
    editor.get_by_label("Begint op").fill(utcnow().astimezone(AMSTERDAM).date().isoformat())
    editor.get_by_label("Eindigt op").fill(deadline.isoformat())
    editor.get_by_role("button", name="Fase opslaan").click()
    expect(editor.get_by_role("status")).to_have_text("De planning is opgeslagen.")
    check_accessibility(editor, "planning")

    editor.get_by_role("link", name="Thema's en vragen").first.click()
    check_accessibility(editor, "questions editor (empty)")
    url_before = editor.url
    # An empty title: the error appears inline, in the region, and takes focus.
    editor.get_by_role("button", name="Thema toevoegen").click()
    expect(editor.locator("[data-error-summary]")).to_be_focused()
    expect(editor.locator("[data-error-summary]")).to_contain_text("Vul een titel in.")
    settle(editor)
    for title in ("Cliënt", "Samenwerking"):
        editor.get_by_label("Titel van het thema").fill(title)
        editor.get_by_role("button", name="Thema toevoegen").click()
        expect(editor.get_by_role("status")).to_have_text("Het thema is toegevoegd.")
        expect(editor.get_by_label("Titel van het thema")).to_have_value("")
        settle(editor)
    add_question(editor, "Cliënt", "Wat heeft de inwoner nodig?", "open")
    # Change a question inline.
    editor.get_by_role("link", name="Vraag wijzigen 1").first.click()
    expect(editor.get_by_role("heading", name="Vraag wijzigen")).to_be_focused()
    editor.get_by_label("Vraag", exact=True).fill("Wat heeft de inwoner echt nodig?")
    editor.get_by_role("button", name="Vraag opslaan").click()
    expect(editor.locator(".question-list__text", has_text="Wat heeft de inwoner echt nodig?")).to_be_focused()
    settle(editor)
    add_question(editor, "Samenwerking", "Hoe werkt u samen met het wijkteam?", "single",
                 "Goed\nKan beter\nGeen samenwerking")
    add_question(editor, "Samenwerking", "Wat is uw kostprijs per uur?", "number")

    # Reorder with the keyboard: the swap keeps focus on the moved item's button.
    editor.get_by_role("button", name="Thema omhoog").focus()
    editor.keyboard.press("Enter")
    expect(editor.get_by_role("heading", level=2, name="1. Samenwerking")).to_be_visible()
    expect(editor.locator("#themes [data-autofocus]")).to_be_focused()
    settle(editor)
    editor.get_by_role("button", name="Vraag 2 omhoog").click()
    expect(editor.locator("#themes .question-list").first.locator("li").first).to_contain_text(
        "Wat is uw kostprijs per uur?")
    check_accessibility(editor, "questions editor after swap")
    assert editor.url == url_before  # everything above happened without a page load

    editor.get_by_role("link", name="Overzicht").click()
    editor.get_by_role("link", name="Bekijken als zorgaanbieder").click()
    expect(editor.get_by_text("Voorbeeld: dit zien zorgaanbieders.")).to_be_visible()
    check_accessibility(editor, "preview")
    editor.get_by_role("link", name="Terug naar het beheer van de consultatie").click()

    editor.once("dialog", lambda dialog: dialog.accept())
    editor.get_by_role("button", name="Consultatie publiceren").click()
    expect(editor.get_by_role("status")).to_have_text("De consultatie is gepubliceerd. Iedereen kan haar nu lezen.")
    check_accessibility(editor, "manage open")
    consultation = db.session.scalar(select(Consultation))
    assert consultation.status == Status.OPEN
    assert [t.title for t in consultation.themes] == ["Samenwerking", "Cliënt"]

    # Anyone can now read it, with the deadline in words.
    page.goto(f"/consultations/{consultation.slug}")
    expect(page.locator(".deadline")).to_contain_text("om 17:00")
    expect(page.locator(".deadline")).to_contain_text("nog ")
    expect(page.locator("[aria-current=step]")).to_contain_text("Marktconsultatie")
    check_accessibility(page, "public consultation page")


def test_consultation_pages_reflow_at_320_px(browser, live, page_errors):
    from tests.demo import load_demo

    load_demo()
    db.session.commit()
    context, page = new_page(browser, page_errors, live.url, viewport={"width": 320, "height": 640})
    for path in ["/consultations", "/consultations/marktconsultatie-wmo-leidse-regio"]:
        page.goto(path)
        check_accessibility(page, path)
        assert_no_horizontal_overflow(page, path.strip("/").replace("/", "-"))
    log_in(page, "team@example.org")
    for path in ["/consultations/marktconsultatie-wmo-leidse-regio/manage",
                 "/consultations/marktconsultatie-wmo-leidse-regio/manage/questions",
                 "/consultations/marktconsultatie-wmo-leidse-regio/manage/documents",
                 "/consultations/dialoog-dagbesteding-2025"]:
        page.goto(path)
        check_accessibility(page, path)
        assert_no_horizontal_overflow(page, path.strip("/").replace("/", "-"))
    context.close()
    assert page_errors.errors == []
