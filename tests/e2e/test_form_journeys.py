"""The response form for screen-reader, keyboard and no-JavaScript users, and where focus lands after
every partial update (issue 18, "Screen readers, keyboards, phones and no JavaScript")."""
from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from consult.consultations.models import Consultation, Question, QuestionKind, Status, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from consult.responses.models import Answer, Publication, Response, ResponseStatus
from consult.responses.services import save_answer, set_publication, start_response, submit
from tests.conftest import make_org, make_user
from tests.e2e.conftest import ARTIFACTS, assert_no_horizontal_overflow, check_accessibility, new_page, settle
from tests.e2e.test_dialogue_journeys import log_in
from tests.e2e.test_dialogue_journeys import setup as discussion_setup

NEED = "Wat heeft de inwoner nodig?"
SCALE = "Hoe tevreden bent u over de toegang?"
PAPER = "Wilt u een visiedocument meesturen?"
PRICE = "Wat is uw kostprijs per uur?"
PDF = b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n"


@pytest.fixture
def answering(live):
    """An open consultation with one theme of four questions (open, scale, file, number) and a
    provider that has started its response, and a second theme to go on to."""
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Marktconsultatie Wmo", status=Status.OPEN,
                                municipalities=[leiden], closes_at=utcnow() + timedelta(days=7), principles=[])
    theme = Theme(title="Cliënt", position=0)
    theme.questions.extend([
        Question(text=NEED, kind=QuestionKind.OPEN, position=0, required=True, required_reason="Kernvraag"),
        Question(text=SCALE, kind=QuestionKind.SCALE, position=1),
        Question(text=PAPER, kind=QuestionKind.FILE, position=2),
        Question(text=PRICE, kind=QuestionKind.NUMBER, position=3, unit="€ per uur", min_value=0, max_value=250),
    ])
    second = Theme(title="Dienstverlening", position=1)
    second.questions.append(Question(text="Wat werkt goed?", kind=QuestionKind.OPEN, position=0))
    consultation.themes.extend([theme, second])
    db.session.add(consultation)
    db.session.commit()
    org = make_org("Thuiszorg De Linde", kvk="12345678")
    lotte = make_user("lotte@example.org", name="Lotte Linde", org=org, role=MemberRole.CONTACT)
    make_user("bas@example.org", name="Bas Linde", org=org)
    response = start_response(consultation, org, by=lotte)
    db.session.commit()
    return SimpleNamespace(response=response, lotte=lotte, q={q.text: q for q in theme.questions},
                           url=f"/responses/{response.id}/themes/{theme.id}")


def stored(question):
    db.session.expire_all()
    return db.session.scalar(select(Answer).where(Answer.question_id == question.id))


# --- 1. one heading and one group per question ------------------------------------------------------

def test_each_question_has_a_numbered_heading_and_its_switches_are_named_after_it(page, answering):
    log_in(page, "lotte@example.org")
    page.goto(answering.url)
    # Heading navigation goes question by question: number and question in each heading.
    headings = page.get_by_role("heading", level=2, name=re.compile(r"^Vraag \d"))
    expect(headings).to_have_text([f"Vraag 1 {NEED} (verplicht)", f"Vraag 2 {SCALE}", f"Vraag 3 {PAPER}",
                                   f"Vraag 4 {PRICE}"])
    # Each question is a group; its "Vertrouwelijk" switch is inside it and named after it.
    for number in range(1, 5):
        group = page.get_by_role("group", name=re.compile(rf"^Vraag {number}\b"))
        expect(group).to_have_count(1)
        expect(group.get_by_role("checkbox", name=f"Vertrouwelijk Vraag {number}", exact=True)).to_have_count(1)
    # What a screen reader gets: the scale question's fieldset is its group, named by its legend's
    # heading; an open question's group is named by its number, its field by the question.
    scale = page.get_by_role("group", name=f"Vraag 2 {SCALE}", exact=True)
    expect(scale.get_by_role("heading", level=2)).to_have_text(f"Vraag 2 {SCALE}")
    expect(scale.get_by_role("radio")).to_have_count(5)
    expect(scale.get_by_role("checkbox", name="Deze vraag beantwoorden wij niet Vraag 2", exact=True)).to_have_count(1)
    first = page.get_by_role("group", name="Vraag 1", exact=True)
    expect(first.get_by_role("textbox", name=f"{NEED} (verplicht)", exact=True)).to_have_count(1)
    # The file question's field and button say which question they belong to.
    # (Chromium exposes a file field as a button.)
    expect(page.get_by_role("button", name="Bestand toevoegen (PDF, ODT of DOCX) Vraag 3", exact=True)).to_have_count(1)
    expect(page.get_by_role("button", name="Bestand uploaden Vraag 3", exact=True)).to_have_count(1)
    # Ticking a question's switch by its name saves it as that question's, by keyboard.
    page.get_by_role("checkbox", name="Vertrouwelijk Vraag 4").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.locator(f"#status-{answering.q[PRICE].id}")).to_contain_text("Concept opgeslagen om", timeout=8000)
    assert stored(answering.q[PRICE]).confidential is True
    # Last: axe leaves empty style attributes behind, which a later htmx swap would copy (a CSP report).
    check_accessibility(page, "response theme with numbered questions")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "form-numbered-questions.png"), full_page=True)


# --- 2. a file without JavaScript keeps the text typed ----------------------------------------------

@pytest.mark.parametrize("javascript", [False, True], ids=["without-js", "with-js"])
def test_uploading_and_removing_a_file_keeps_the_text_typed_in_the_theme(browser, live, answering, page_errors,
                                                                          tmp_path, javascript):
    paper = tmp_path / "visie.pdf"
    paper.write_bytes(PDF)
    context, page = new_page(browser, page_errors, live.url, java_script_enabled=javascript)
    log_in(page, "lotte@example.org")
    page.goto(answering.url)
    page.get_by_label(NEED).fill("Getypt vlak voor het uploaden")
    page.get_by_label(PRICE).fill("61,50")
    page.get_by_role("button", name="Bestand toevoegen (PDF, ODT of DOCX) Vraag 3").set_input_files(str(paper))
    page.get_by_role("button", name="Bestand uploaden Vraag 3").click()
    expect(page.get_by_text("Het bestand is toegevoegd.")).to_be_visible()
    expect(page.get_by_role("link", name="visie.pdf")).to_be_visible()
    expect(page.get_by_label(NEED)).to_have_value("Getypt vlak voor het uploaden")
    expect(page.get_by_label(PRICE)).to_have_value("61,50")
    assert stored(answering.q[NEED]).value == "Getypt vlak voor het uploaden"

    # A refused file: the problem at the question, the text still there.
    wrong = tmp_path / "notities.pdf"
    wrong.write_bytes(b"<html>geen pdf</html>")
    page.get_by_label(NEED).fill("Nog wat aangevuld")
    page.get_by_role("button", name="Bestand toevoegen (PDF, ODT of DOCX) Vraag 3").set_input_files(str(wrong))
    page.get_by_role("button", name="Bestand uploaden Vraag 3").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text(f"“{PAPER}”: Dit soort bestand wordt niet geaccepteerd.")
    if javascript:
        expect(summary).to_be_focused()
    expect(page.get_by_label(NEED)).to_have_value("Nog wat aangevuld")
    if javascript:
        check_accessibility(page, "refused file")

    # Removing the file saves the typed text too.
    page.get_by_label(NEED).fill("Tekst bij het verwijderen")
    page.get_by_role("button", name="visie.pdf verwijderen").click()
    expect(page.get_by_text("Het bestand is verwijderd.")).to_be_visible()
    expect(page.get_by_label(NEED)).to_have_value("Tekst bij het verwijderen")
    assert stored(answering.q[NEED]).value == "Tekst bij het verwijderen"
    assert stored(answering.q[PAPER]).current_attachments == []

    # Enter in a field still saves and goes on (the file's buttons come first on the page).
    page.get_by_label(PRICE).press("Enter")
    expect(page).to_have_title(re.compile(r"^Stap 2 van 3: Dienstverlening"))
    assert stored(answering.q[PRICE]).value == 61.5
    context.close()
    assert page_errors.errors == []


# --- 3. withdrawing asks first, with and without JavaScript -----------------------------------------

@pytest.mark.parametrize("javascript", [False, True], ids=["without-js", "with-js"])
def test_withdrawing_asks_for_confirmation_on_a_page(browser, live, answering, page_errors, javascript):
    response, lotte = answering.response, answering.lotte
    save_answer(response, answering.q[NEED], "Een vaste contactpersoon", False, 0, by=lotte)
    set_publication(response, Publication.NAMED, by=lotte)
    submit(response, by=lotte, notify=False)
    db.session.commit()
    context, page = new_page(browser, page_errors, live.url, java_script_enabled=javascript)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, "lotte@example.org")
    page.goto(f"/responses/{response.id}")

    # Changing one's mind: nothing happens.
    page.get_by_role("link", name="Onze reactie intrekken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("De reactie van Thuiszorg De Linde intrekken?")
    expect(page.get_by_role("note")).to_contain_text(
        "Na het intrekken gebruikt het projectteam uw reactie niet (versie 1, ingediend")
    if javascript:
        check_accessibility(page, "withdraw confirmation")
        page.set_viewport_size({"width": 320, "height": 640})
        assert_no_horizontal_overflow(page, "withdraw-confirmation")
        page.set_viewport_size({"width": 1280, "height": 720})
    page.get_by_role("link", name="Nee, ingediend laten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Onze reactie")
    db.session.expire_all()
    assert db.session.get(Response, response.id).status == ResponseStatus.SUBMITTED

    # Confirming withdraws, by keyboard.
    page.get_by_role("link", name="Onze reactie intrekken").click()
    page.get_by_role("button", name="Ja, onze reactie intrekken").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("De reactie is ingetrokken.")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Response, response.id).status == ResponseStatus.WITHDRAWN
    assert dialogs == []  # the page asked, not a browser pop-up
    expect(page.get_by_role("link", name="Onze reactie intrekken")).to_have_count(0)
    context.close()
    assert page_errors.errors == []


# --- 4. focus after every partial update -----------------------------------------------------------

def active(page) -> str:
    """What has focus: its id, or its tag and first words."""
    return page.evaluate("() => { const a = document.activeElement; "
                         "return a.id || (a.tagName + ' ' + a.textContent.trim().slice(0, 40)); }")


def test_focus_after_posting_replying_editing_and_deleting_a_message(page, live):
    discussion_setup()
    log_in(page, "anna@example.org")
    page.goto("/consultations/wmo/discussion")
    page.get_by_label("Titel").fill("Samenwerking met het wijkteam")
    page.get_by_label("Bericht").fill("Hoe houden jullie contact met het wijkteam?")
    page.get_by_role("button", name="Gesprek beginnen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Samenwerking met het wijkteam")

    # An empty message: the form comes back with its error summary, and focus is on the summary.
    page.get_by_role("button", name="Bericht plaatsen").click()
    summary = page.locator("#post-form-new-wrapper [data-error-summary]")
    expect(summary).to_be_focused()
    settle(page)

    # A new message: focus goes to it (the form it was typed in is gone) and it is announced.
    page.get_by_label("Uw bericht").fill("Wij bellen elke week met het wijkteam.")
    page.get_by_role("button", name="Bericht plaatsen").click()
    new_post = page.locator("#new-posts article")
    expect(new_post).to_be_focused()
    expect(new_post).to_have_attribute("tabindex", "-1")
    expect(page.locator("#dialogue-status")).to_have_text("Uw bericht is geplaatst.")
    post_id = new_post.get_attribute("id")
    assert active(page) == post_id
    # A second message: focus goes to that one, not back to the first.
    settle(page)
    page.get_by_label("Uw bericht").fill("En wij mailen de huisarts.")
    page.get_by_role("button", name="Bericht plaatsen").click()
    second = page.locator("#new-posts article").nth(1)
    expect(second).to_be_focused()
    assert active(page) == second.get_attribute("id") != post_id
    check_accessibility(page, "thread after posting")

    # A reply, by keyboard: focus goes to the new reply.
    settle(page)
    first_post = page.locator("#posts article").first
    first_post.get_by_role("link", name="Reageren op Anna Aanbieder").first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Reageren op Anna Aanbieder")).to_be_focused()
    settle(page)
    page.keyboard.press("Tab")
    page.keyboard.type("Een aanvulling op mijn eigen vraag.")
    page.get_by_role("button", name="Reactie plaatsen").click()
    reply = page.locator(".post--reply", has_text="Een aanvulling op mijn eigen vraag.")
    expect(reply).to_be_focused()

    # Editing: the form's heading first; an empty text focuses the summary, not the heading;
    # saving puts focus on the edited message.
    settle(page)
    edited = page.locator(f"#{post_id}")
    edited.get_by_role("link", name="Bewerken").click()
    expect(page.get_by_role("heading", name="Uw bericht bewerken")).to_be_focused()
    settle(page)
    page.locator(f"#{post_id}").get_by_role("textbox").fill("")
    page.get_by_role("button", name="Bericht opslaan").click()
    expect(page.locator(f"#{post_id} [data-error-summary]")).to_be_focused()
    settle(page)
    page.locator(f"#{post_id}").get_by_role("textbox").fill("Wij bellen elke twee weken met het wijkteam.")
    page.get_by_role("button", name="Bericht opslaan").click()
    expect(page.locator(f"#{post_id}")).to_contain_text("Wij bellen elke twee weken met het wijkteam.")
    expect(page.locator(f"#{post_id}")).to_be_focused()

    # Deleting: focus goes to what is left of the message (the notice that it was deleted).
    settle(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#{post_id}").get_by_role("button", name="Verwijderen").click()
    expect(page.locator(f"#{post_id}")).to_contain_text("Dit bericht is verwijderd door de schrijver.")
    expect(page.locator(f"#{post_id}")).to_be_focused()


def test_staying_logged_in_puts_focus_back_where_it_was(page, live):
    discussion_setup()
    page.clock.install()
    log_in(page, "anna@example.org")
    page.goto("/consultations/wmo/discussion")
    title = page.get_by_label("Titel")
    title.fill("Half getypt")
    timeout = int(page.locator('meta[name="consult-idle-timeout"]').get_attribute("content"))
    page.clock.run_for((timeout - 100) * 1000)
    stay = page.get_by_role("button", name="Ingelogd blijven")
    expect(stay).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#session-warning")).to_be_hidden()
    expect(title).to_be_focused()
    expect(title).to_have_value("Half getypt")


@pytest.mark.parametrize("choice, kept", [
    ("Mijn tekst bewaren", "Tekst van Bas"),
    ("Beide teksten bewaren", "Tekst van Bas\n\nTekst van Lotte"),
    ("Tekst van mijn collega overnemen", "Tekst van Lotte"),
])
def test_resolving_a_conflict_by_keyboard_puts_focus_on_the_answer(page, answering, page_errors, choice, kept):
    page_errors.allowed_statuses = {409}  # the stale save answers 409 by design
    question = answering.q[NEED]
    log_in(page, "bas@example.org")
    page.goto(answering.url)
    save_answer(answering.response, question, "Tekst van Lotte", False, 0, by=answering.lotte)
    db.session.commit()
    page.get_by_label(NEED).fill("Tekst van Bas")
    page.keyboard.press("Tab")
    expect(page.get_by_role("heading", name="Twee versies van dit antwoord")).to_be_focused()
    page.get_by_role("link" if choice.startswith("Tekst van") else "button", name=choice).focus()
    page.keyboard.press("Enter")
    expect(page.locator(".conflict")).to_have_count(0)
    field = page.get_by_label(NEED)
    expect(field).to_have_value(kept)
    expect(field).to_be_focused()
    assert active(page) == f"q-{question.id}"


def test_a_live_search_leaves_focus_in_the_search_field(page, live):
    org = make_org("Zorg Noord", kvk="12345678")
    make_user("beheer@example.org", name="Bram Beheer", admin=True, org=org, role=MemberRole.CONTACT)
    make_user("lid@example.org", name="Lid Lidmaat", org=org)
    log_in(page, "beheer@example.org")
    page.goto("/admin/users")
    search = page.get_by_label("Zoek op naam of e-mailadres")
    search.focus()
    page.keyboard.type("lidmaat")
    expect(page.get_by_role("status")).to_have_text("1 gebruiker gevonden")
    settle(page)
    expect(search).to_be_focused()
    assert active(page) == "q"
