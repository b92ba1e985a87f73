"""A moderator hides a whole discussion and shows it again; a participant who quotes a message
that was hidden a moment before is told why, without its text. Pages are checked with axe and at
320 px, and screenshots of what each person sees are kept in test-artifacts/."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, assert_no_horizontal_overflow, check_accessibility, new_page, settle
from tests.e2e.test_dialogue_journeys import log_in, setup

TITLE = "Samenwerking met het wijkteam"
SECRET = "De cliënt mevrouw X woont op de Breestraat."


def shoot(page, name: str) -> None:
    """A full-page screenshot. The caret stays as it is: hiding it leaves style="" on text fields,
    which htmx would copy onto swapped-in fields (a refused inline style under the CSP)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"disclosure-{name}.png"), full_page=True, caret="initial")


def start(page) -> str:
    page.goto("/consultations/wmo/discussion")
    page.get_by_label("Titel").fill(TITLE)
    page.get_by_label("Bericht").fill(SECRET)
    page.get_by_role("button", name="Gesprek beginnen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    return page.url


def test_moderator_hides_a_discussion_title_included(page, second_page, live, page_errors):
    setup()
    log_in(page, "anna@example.org")
    thread_url = start(page)
    log_in(second_page, "eva@example.org")
    second_page.goto(thread_url)
    second_page.get_by_role("link", name="Gesprek verbergen").click()
    check_accessibility(second_page, "hide discussion form")
    second_page.get_by_role("button", name="Gesprek verbergen").click()
    expect(second_page.locator("[data-error-summary]")).to_contain_text("Geef een reden.")
    second_page.get_by_label("Reden").fill("Noemt gegevens van een cliënt")
    second_page.get_by_role("button", name="Gesprek verbergen").click()
    expect(second_page.locator(".utrecht-alert[role=status]")).to_have_text("Het gesprek is verborgen.")
    expect(second_page.get_by_text("Alleen moderatoren zien dit gesprek, ook de titel.")).to_be_visible()
    check_accessibility(second_page, "hidden discussion (moderator)")
    shoot(second_page, "hidden-thread-moderator-1280")
    second_page.goto("/consultations/wmo/moderation")
    expect(second_page.get_by_role("heading", name="Verborgen gesprekken")).to_be_visible()
    expect(second_page.get_by_text("Reden: Noemt gegevens van een cliënt")).to_be_visible()
    check_accessibility(second_page, "moderation")
    shoot(second_page, "moderation-1280")

    # Anna, who started it, no longer finds it: not in the list, and its address is not found.
    page.goto("/consultations/wmo/discussion")
    expect(page.get_by_text(TITLE)).to_have_count(0)
    shoot(page, "discussion-participant-1280")
    page_errors.allowed_statuses.add(404)
    response = page.goto(thread_url)
    assert response.status == 404
    expect(page.get_by_text(SECRET)).to_have_count(0)
    expect(page.get_by_text(TITLE)).to_have_count(0)
    shoot(page, "hidden-thread-participant-1280")

    # At 320 px the moderator's pages reflow.
    second_page.set_viewport_size({"width": 320, "height": 640})
    second_page.goto(thread_url)
    assert_no_horizontal_overflow(second_page, "disclosure-hidden-thread-moderator-320")
    second_page.goto("/consultations/wmo/moderation")
    assert_no_horizontal_overflow(second_page, "disclosure-moderation-320")
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/consultations/wmo/discussion")
    assert_no_horizontal_overflow(page, "disclosure-discussion-participant-320")

    # Shown again from the queue: Anna reads it again.
    second_page.get_by_role("button", name="Gesprek weer tonen").click()
    expect(second_page.locator(".utrecht-alert[role=status]")).to_have_text("Het gesprek is weer zichtbaar.")
    page.goto(thread_url)
    expect(page.get_by_text(SECRET)).to_be_visible()


def test_quoting_a_message_hidden_a_moment_ago_says_why(browser, live, page_errors):
    setup()
    contexts = []
    pages = {}
    for who, email in (("anna", "anna@example.org"), ("rita", "rita@example.org"), ("eva", "eva@example.org")):
        context, page = new_page(browser, page_errors, live.url)
        contexts.append(context)
        log_in(page, email)
        pages[who] = page
    thread_url = start(pages["anna"])
    rita = pages["rita"]
    rita.goto(thread_url)  # the quote link is on her screen

    eva = pages["eva"]
    eva.goto(thread_url)
    eva.locator("article").get_by_role("link", name="Verbergen", exact=True).click()
    eva.get_by_label("Reden").fill("Noemt gegevens van een cliënt")
    eva.get_by_role("button", name="Bericht verbergen").click()
    expect(eva.locator(".utrecht-alert[role=status]")).to_have_text("Het bericht is verborgen.")

    rita.get_by_role("link", name="Citeren Anna Aanbieder").click()
    settle(rita)
    form = rita.locator(".inline-reply")
    expect(form).to_contain_text("U kunt niet op dit bericht reageren: het is verborgen of verwijderd")
    expect(form).not_to_contain_text(SECRET)  # the page loaded before still shows it; the fragment does not
    check_accessibility(rita, "refused quote")
    shoot(rita, "refused-quote-participant-1280")
    # The text typed there can still go out as a new message.
    form.get_by_label("Uw bericht").fill("Dan zeg ik het zo.")
    form.get_by_role("button", name="Bericht plaatsen").click()
    expect(rita.locator("#new-posts")).to_contain_text("Dan zeg ik het zo.")
    expect(rita.locator(".inline-reply")).to_have_count(0)
    for context in contexts:
        context.close()
    assert page_errors.errors == []
