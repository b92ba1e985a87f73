"""Participants discuss in a thread (htmx, keyboard) and a moderator hides a post."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from consult.consultations.models import Consultation, Status, TeamMember, TeamRole, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from tests.conftest import make_org, make_user
from tests.e2e.conftest import assert_no_horizontal_overflow, check_accessibility, new_page, settle, sign_in_page

log_in = sign_in_page  # these journeys start logged in; logging in is tested on its own


def setup():
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Marktconsultatie Wmo", status=Status.OPEN,
                                municipalities=[leiden], closes_at=utcnow() + timedelta(days=7), principles=[])
    consultation.themes.append(Theme(title="Samenwerking", position=0))
    db.session.add(consultation)
    db.session.commit()
    make_user("anna@example.org", name="Anna Aanbieder", org=make_org("Zorg A", kvk="11111111"))
    make_user("rita@example.org", name="Rita Raad", org=make_org("Adviesraad Leiden", kind=OrgKind.COUNCIL))
    editor = make_user("eva@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT)
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=editor.id, role=TeamRole.EDITOR))
    db.session.commit()


def test_participants_discuss_and_the_team_hides_a_post(page, second_page, live):
    setup()
    log_in(page, "anna@example.org")
    page.goto("/consultations/wmo")
    page.get_by_role("link", name="Gesprek").click()
    check_accessibility(page, "discussion list")
    page.get_by_label("Thema").select_option(label="Samenwerking")
    page.get_by_label("Titel").fill("Samenwerking met het wijkteam")
    page.get_by_label("Bericht").fill("Hoe houden jullie **contact** met het wijkteam?")
    page.get_by_role("button", name="Gesprek beginnen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Samenwerking met het wijkteam")
    check_accessibility(page, "thread")
    thread_url = page.url

    # The council replies to Anna's post inline (htmx), by keyboard.
    log_in(second_page, "rita@example.org")
    second_page.goto(thread_url)
    second_page.get_by_role("link", name="Reageren op Anna Aanbieder").focus()
    second_page.keyboard.press("Enter")
    expect(second_page.get_by_role("heading", name="Reageren op Anna Aanbieder")).to_be_focused()
    settle(second_page)
    second_page.keyboard.press("Tab")
    second_page.keyboard.type("Wij horen dat inwoners lang moeten wachten.")
    second_page.get_by_role("button", name="Reactie plaatsen").click()
    expect(second_page.locator(".post--reply")).to_contain_text("Wij horen dat inwoners lang moeten wachten.")
    expect(second_page.locator(".post--reply .role-badge")).to_have_text("Adviesraad")
    assert second_page.url == thread_url  # no page load
    check_accessibility(second_page, "thread after reply")

    # Anna posts a new message at the bottom; an empty one first gives an error in place.
    page.reload()
    page.get_by_role("button", name="Bericht plaatsen").click()
    expect(page.locator("#post-form-new-wrapper [data-error-summary]")).to_contain_text("Schrijf een bericht.")
    settle(page)
    page.get_by_label("Uw bericht").fill("De huisarts van de cliënt mevrouw X belt ons elke week.")
    page.get_by_role("button", name="Bericht plaatsen").click()
    expect(page.locator("#new-posts")).to_contain_text("mevrouw X")
    expect(page.get_by_label("Uw bericht")).to_have_value("")

    # The team hides the post that names a client.
    second_page.get_by_role("button", name="Uitloggen").click()
    log_in(second_page, "eva@example.org")
    second_page.goto(thread_url)
    second_page.locator("article", has_text="mevrouw X").get_by_role("link", name="Verbergen").click()
    check_accessibility(second_page, "hide form")
    second_page.get_by_label("Reden").fill("Bevat gegevens van een cliënt")
    second_page.get_by_role("button", name="Bericht verbergen").click()
    expect(second_page.locator(".utrecht-alert[role=status]")).to_have_text("Het bericht is verborgen.")
    page.reload()
    expect(page.get_by_text("Verborgen door moderator: Bevat gegevens van een cliënt")).to_be_visible()
    expect(page.get_by_text("mevrouw X")).to_have_count(0)


def test_thread_reflows_at_320_px(browser, live, page_errors):
    setup()
    context, page = new_page(browser, page_errors, live.url, viewport={"width": 320, "height": 640})
    log_in(page, "anna@example.org")
    page.goto("/consultations/wmo/discussion")
    page.get_by_label("Titel").fill("Een gesprek met een nogal lange titel over samenwerking in de wijk")
    page.get_by_label("Bericht").fill(
        "Een bericht met een heel-lang-woord-zonder-spaties-dat-niet-mag-uitsteken-buiten-het-scherm.")
    page.get_by_role("button", name="Gesprek beginnen").click()
    assert_no_horizontal_overflow(page, "thread")
    page.goto("/consultations/wmo/discussion")
    assert_no_horizontal_overflow(page, "discussion")
    context.close()
    assert page_errors.errors == []
