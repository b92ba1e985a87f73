"""No typed text is lost in the browser: the save sent while the page unloads (fetch keepalive), the
tab's own copy of unsent text put back after a reload, the conflict screen resolved with one click,
and autosave that speaks only when it saved something."""
from __future__ import annotations

import re
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from consult.consultations.models import Consultation, Question, QuestionKind, Status, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from consult.responses.models import Answer
from consult.responses.services import save_answer, start_response
from tests.conftest import make_org, make_user
from tests.e2e.conftest import ARTIFACTS, assert_no_horizontal_overflow, check_accessibility, new_page
from tests.e2e.test_response_journeys import log_in

NEED = "Wat heeft de inwoner nodig?"
MISSING = "Wat mist er nu?"
SCALE = "Hoe tevreden bent u over de toegang?"
PRICE = "Wat is uw kostprijs per uur?"
RESTORED = "Tekst die nog niet was opgeslagen, is teruggezet. Controleer deze antwoorden:"
CONFLICT_STATUS = "Niet opgeslagen: een collega heeft intussen een andere tekst opgeslagen."
MERGED = ("Beide teksten staan nu na elkaar in het veld en zijn als concept opgeslagen. "
          "Voeg ze samen tot één antwoord.")
SAVED = re.compile(r"^Concept opgeslagen om \d\d:\d\d$")
# A browser that blocks site data throws on any use of sessionStorage, as this does.
NO_STORAGE = """Object.defineProperty(window, 'sessionStorage', {get() {
    throw new DOMException('Site data is blocked.', 'SecurityError'); }});"""


@pytest.fixture
def answering(live):
    """An open consultation with one theme of four questions, a provider with two members (Lotte and
    Bas), and the provider's response."""
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Marktconsultatie Wmo", status=Status.OPEN,
                                municipalities=[leiden], closes_at=utcnow() + timedelta(days=7), principles=[])
    theme = Theme(title="Cliënt", position=0)
    theme.questions.extend([
        Question(text=NEED, kind=QuestionKind.OPEN, position=0),
        Question(text=MISSING, kind=QuestionKind.OPEN, position=1),
        Question(text=SCALE, kind=QuestionKind.SCALE, position=2),
        Question(text=PRICE, kind=QuestionKind.NUMBER, position=3, unit="€ per uur", min_value=0, max_value=250),
    ])
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    org = make_org("Thuiszorg De Linde", kvk="12345678")
    lotte = make_user("lotte@example.org", name="Lotte Linde", org=org, role=MemberRole.CONTACT)
    bas = make_user("bas@example.org", name="Bas Linde", org=org)
    response = start_response(consultation, org, by=lotte)
    db.session.commit()
    return SimpleNamespace(response=response, q={q.text: q for q in theme.questions}, lotte=lotte, bas=bas,
                           url=f"/responses/{response.id}/themes/{theme.id}",
                           saves=re.compile(rf"/responses/{response.id}/answers/\d+$"))


def stored(question):
    db.session.expire_all()
    return db.session.scalar(select(Answer.value).where(Answer.question_id == question.id))


def eventually(check, seconds: float = 8.0) -> bool:
    """Wait for what the server does after the page has gone (a save sent while it unloaded)."""
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)
    return check()


def type_and_reload(page, field, text: str, question, expected: str) -> None:
    """Type at the end of the field and reload within a second, before the 1.5 s pause after which
    autosave would have sent the text itself; the server does not have it yet. (The bound leaves room
    for the database read in between on a busy machine: it took over 200 ms there.)"""
    field.focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)
    typed = time.monotonic()
    assert stored(question) != expected
    assert time.monotonic() - typed < 1.0
    page.reload()
    assert page.evaluate("performance.getEntriesByType('navigation')[0].type") == "reload"


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def forgive_blocked_saves(page_errors, saves) -> None:
    """The saves the test blocked fail in the browser (and htmx logs them), as they should; any
    other error still counts."""
    blocked = [e for e in page_errors.errors if e.startswith("request failed: POST") and saves.search(e.split(" ")[3])]
    assert blocked, "the page should have tried to save"
    logged = ["console error: htmx:afterRequest, [object HTMLDivElement]",
              "console error: htmx:sendError, [object HTMLDivElement]"]
    page_errors.errors = [e for e in page_errors.errors if e not in blocked and e not in logged]


def conflict_with_lotte(page, answering, text: str = "Tekst van Bas"):
    """Bas's page shows version 0; Lotte saves; Bas types and leaves the field: the conflict opens."""
    question = answering.q[NEED]
    log_in(page, "bas@example.org")
    page.goto(answering.url)
    save_answer(answering.response, question, "Tekst van Lotte", False, 0, by=answering.lotte)
    db.session.commit()
    page.get_by_label(NEED).fill(text)
    page.keyboard.press("Tab")  # to the confidentiality switch: not a field one types in
    return page.get_by_role("heading", name="Twee versies van dit antwoord")


# --- the save on leaving and the tab's own copy --------------------------------------------------

def test_text_typed_just_before_a_reload_is_saved_by_the_keepalive_every_time(browser, live, answering, page_errors):
    # Without tab storage only the save sent while the page unloads can keep the text.
    context, page = new_page(browser, page_errors, live.url)
    context.add_init_script(NO_STORAGE)
    log_in(page, "lotte@example.org")
    page.goto(answering.url)
    question, field = answering.q[NEED], page.get_by_label(NEED)
    expected = ""
    for n in range(1, 11):
        sentence = f"Zin {n}: een vaste contactpersoon. "
        expected += sentence
        type_and_reload(page, field, sentence, question, expected)
        assert eventually(lambda: stored(question) == expected), f"try {n}: {stored(question)!r}"
        page.reload()  # the reload above may have drawn the page just before the save arrived
        expect(field).to_have_value(expected)
    expect(page.locator("#restored-notice")).to_be_empty()
    context.close()
    assert page_errors.errors == []


def test_text_typed_while_saves_fail_is_put_back_after_a_reload_every_time(page, answering, page_errors):
    question, status = answering.q[NEED], page.locator(f"#status-{answering.q[NEED].id}")
    log_in(page, "lotte@example.org")
    page.goto(answering.url)
    page.route(answering.saves, lambda route: route.abort())
    field, notice = page.get_by_label(NEED), page.locator("#restored-notice")
    expected = ""
    for n in range(1, 11):
        sentence = f"Zin {n}: snelle toegang. "
        expected += sentence
        type_and_reload(page, field, sentence, question, expected)
        expect(field).to_have_value(expected)
        expect(notice).to_contain_text(RESTORED)
        expect(notice.get_by_role("link", name=NEED)).to_have_attribute("href", f"#q-{question.id}")
    # The autosave of what came back failed too, and says so; the text stays in the field.
    expect(status).to_have_text("Niet opgeslagen: de server was niet bereikbaar of kon dit nu niet opslaan. "
                                "Wat u typte staat er nog; probeer het zo opnieuw.")
    check_accessibility(page, "restored notice")

    page.unroute(answering.saves)
    field.focus()
    page.keyboard.press("Tab")  # to the confidentiality switch
    page.keyboard.press("Tab")  # to "we do not answer this question"
    page.keyboard.press("Tab")  # leaving the answer saves it, over no one's text
    expect(status).to_have_text(re.compile(r"^(Concept opgeslagen om \d\d:\d\d|Al opgeslagen; er is niets veranderd\.)$"))
    assert stored(question) == expected
    expect(page.locator(".conflict")).to_have_count(0)
    page.reload()
    expect(field).to_have_value(expected)
    expect(notice).to_be_empty()
    forgive_blocked_saves(page_errors, answering.saves)


def test_text_is_saved_when_the_tab_is_hidden_and_the_page_carries_on(page, answering, page_errors):
    # Headless Chromium never hides a tab, so the test says the page is hidden the way the browser
    # would: visibilityState and the event. The save, its answer and the page's state are real.
    question, status = answering.q[NEED], page.locator(f"#status-{answering.q[NEED].id}")
    log_in(page, "lotte@example.org")
    page.goto(answering.url)
    page.get_by_label(NEED).focus()
    page.keyboard.type("Getypt vlak voor een ander tabblad")
    page.evaluate("""() => {
        Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});
        document.dispatchEvent(new Event('visibilitychange')); }""")
    expect(status).to_have_text(SAVED)
    expect(page.locator(f"#v-{question.id}")).to_have_value("1")
    assert stored(question) == "Getypt vlak voor een ander tabblad"
    page.evaluate("() => { delete document.visibilityState; }")
    page.keyboard.type(", en daarna verder")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the next save starts from the version the hidden save made: no conflict
    expect(page.locator(f"#v-{question.id}")).to_have_value("2")
    assert stored(question) == "Getypt vlak voor een ander tabblad, en daarna verder"
    expect(page.locator(".conflict")).to_have_count(0)


def test_logging_out_forgets_the_unsent_text_of_the_tab(page, answering, page_errors):
    question = answering.q[NEED]
    log_in(page, "lotte@example.org")
    page.goto(answering.url)
    page.route(answering.saves, lambda route: route.abort())
    page.get_by_label(NEED).fill("Vertrouwelijk concept van Lotte")
    keys = "() => Object.keys(sessionStorage).filter(key => key.startsWith('consult-unsaved/'))"
    assert page.evaluate(keys) == [f"consult-unsaved/{answering.lotte.id}/{answering.response.id}/{question.id}/0"]
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_text("U bent uitgelogd.")).to_be_visible()
    assert page.evaluate(keys) == []
    page.unroute(answering.saves)
    log_in(page, "bas@example.org")
    page.goto(answering.url)
    expect(page.get_by_label(NEED)).to_have_value("")
    expect(page.locator("#restored-notice")).to_be_empty()
    forgive_blocked_saves(page_errors, answering.saves)


# --- the conflict screen -------------------------------------------------------------------------

@pytest.mark.parametrize("choice, kept", [
    ("Mijn tekst bewaren", "Tekst van Bas, aangevuld"),
    ("Beide teksten bewaren", "Tekst van Bas, aangevuld\n\nTekst van Lotte"),
    ("Tekst van mijn collega overnemen", "Tekst van Lotte"),
])
def test_conflict_is_resolved_with_one_click(page, answering, page_errors, choice, kept):
    page_errors.allowed_statuses = {409}
    question = answering.q[NEED]
    replies = []
    page.on("response", lambda r: replies.append(r.status) if answering.saves.search(r.url) else None)
    heading = conflict_with_lotte(page, answering)
    expect(heading).to_be_focused()
    status, field = page.locator(f"#status-{question.id}"), page.get_by_label(NEED)
    expect(status).to_have_text(CONFLICT_STATUS)
    expect(page.get_by_role("status").locator(".conflict")).to_have_count(0)  # beside, not inside
    expect(page.locator(f"#v-{question.id}")).to_have_value("1")  # the colleague's version

    # Bas adds to his text, then chooses with the mouse. Leaving the field must not send a save
    # that answers 409 and redraws the box under the pointer: one click does it.
    field.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(", aangevuld")
    page.get_by_role("link" if choice.startswith("Tekst van") else "button", name=choice).click()
    expect(page.locator(".conflict")).to_have_count(0)
    expect(field).to_have_value(kept)
    expect(field).to_be_focused()
    assert eventually(lambda: stored(question) == (kept if choice != "Tekst van mijn collega overnemen"
                                                   else "Tekst van Lotte"))
    if choice == "Mijn tekst bewaren":
        expect(status).to_have_text(SAVED)
    elif choice == "Beide teksten bewaren":
        expect(status).to_have_text(MERGED)
    else:
        expect(status).to_have_text("")
    assert replies == ([409] if choice.startswith("Tekst van") else [409, 200])

    # What was chosen is what the page shows next time; nothing unsent is put back over it.
    page.reload()
    expect(field).to_have_value(kept)
    expect(page.locator("#restored-notice")).to_be_empty()


def test_conflict_without_javascript_offers_the_same_three_choices(browser, live, answering, page_errors):
    page_errors.allowed_statuses = {409}
    question = answering.q[NEED]
    context, page = new_page(browser, page_errors, live.url, java_script_enabled=False)
    log_in(page, "bas@example.org")
    page.goto(answering.url)
    save_answer(answering.response, question, "Tekst van Lotte", False, 0, by=answering.lotte)
    db.session.commit()
    page.get_by_label(NEED).fill("Tekst van Bas")
    page.get_by_role("button", name="Opslaan", exact=True).click()
    conflict = page.locator(".conflict")
    expect(conflict).to_contain_text("Tekst van Lotte")
    expect(conflict.get_by_role("button", name="Mijn tekst bewaren")).to_be_visible()
    expect(conflict.get_by_role("link", name="Tekst van mijn collega overnemen")).to_be_visible()
    conflict.get_by_role("button", name="Beide teksten bewaren").click()
    expect(page.get_by_text(MERGED)).to_be_visible()
    expect(page.get_by_label(NEED)).to_have_value("Tekst van Bas\n\nTekst van Lotte")
    assert stored(question) == "Tekst van Bas\n\nTekst van Lotte"
    context.close()
    assert page_errors.errors == []


# --- what autosave says ----------------------------------------------------------------------------

def test_tabbing_past_unchanged_answers_sends_and_announces_nothing(page, answering):
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" and answering.saves.search(r.url) else None)
    log_in(page, "lotte@example.org")
    page.goto(answering.url)
    statuses = {text: page.locator(f"#status-{q.id}") for text, q in answering.q.items()}
    page.get_by_label(NEED).focus()
    for _ in range(8):  # past every answer and its confidentiality switch
        page.keyboard.press("Tab")
    page.wait_for_timeout(2000)  # longer than autosave's pause after typing
    assert sent == []
    for status in statuses.values():
        expect(status).to_have_text("")

    page.get_by_label(MISSING).fill("Vervoer naar de dagbesteding")
    page.keyboard.press("Tab")
    expect(statuses[MISSING]).to_have_text(SAVED)
    page.get_by_label(NEED).focus()
    for _ in range(8):
        page.keyboard.press("Tab")
    page.wait_for_timeout(2000)
    assert len(sent) == 1
    for text, status in statuses.items():
        if text != MISSING:
            expect(status).to_have_text("")


def test_autosave_error_marks_the_field_invalid_until_a_save_succeeds(page, answering):
    question = answering.q[PRICE]
    log_in(page, "lotte@example.org")
    page.goto(answering.url)
    price, status = page.get_by_label(PRICE), page.locator(f"#status-{question.id}")
    price.fill("veel")
    page.keyboard.press("Tab")
    expect(status).to_have_text("Niet opgeslagen: Vul een getal in, zoals 45,50.")
    expect(price).to_have_attribute("aria-invalid", "true")
    expect(price).to_have_attribute("aria-describedby", f"unit-{question.id} save-error-{question.id}")
    expect(page.locator(f"#save-error-{question.id}")).to_have_text("Niet opgeslagen: Vul een getal in, zoals 45,50.")
    check_accessibility(page, "autosave error")

    price.fill("62,50")
    page.keyboard.press("Tab")
    expect(status).to_have_text(SAVED)
    expect(price).to_have_attribute("aria-describedby", f"unit-{question.id}")
    assert price.get_attribute("aria-invalid") is None
    assert stored(question) == 62.5


# --- how it looks (screenshots last: taking one leaves the page in a state htmx then trips on) ---------

def test_conflict_screen_is_accessible_and_reflows_at_320_px(browser, live, answering, page_errors):
    page_errors.allowed_statuses = {409}
    context, page = new_page(browser, page_errors, live.url)
    expect(conflict_with_lotte(page, answering, "Tekst van Bas met een-heel-lang-woord-zonder-spaties-erin")).to_be_focused()
    check_accessibility(page, "conflict")
    page.set_viewport_size({"width": 320, "height": 640})
    check_accessibility(page, "conflict at 320 px")
    assert_no_horizontal_overflow(page, "conflict-320")
    page.set_viewport_size({"width": 1280, "height": 720})
    screenshot(page, "conflict-1280")
    context.close()
    assert page_errors.errors == []


def test_restored_text_notice_is_accessible_and_reflows_at_320_px(browser, live, answering, page_errors):
    context, page = new_page(browser, page_errors, live.url)
    log_in(page, "lotte@example.org")
    page.goto(answering.url)
    page.route(answering.saves, lambda route: route.abort())
    type_and_reload(page, page.get_by_label(MISSING), "Vervoer naar de dagbesteding", answering.q[MISSING],
                    "Vervoer naar de dagbesteding")
    expect(page.locator("#restored-notice")).to_contain_text(RESTORED)
    expect(page.locator(f"#status-{answering.q[MISSING].id}")).to_contain_text("Niet opgeslagen")
    check_accessibility(page, "restored notice")
    page.set_viewport_size({"width": 320, "height": 640})
    check_accessibility(page, "restored notice at 320 px")
    assert_no_horizontal_overflow(page, "restored-notice-320")
    page.set_viewport_size({"width": 1280, "height": 720})
    screenshot(page, "restored-notice-1280")
    context.close()
    forgive_blocked_saves(page_errors, answering.saves)
