"""The paged lists walked as people use them: a page of one item reads naturally, every pager brings
the person back to its list, keeps its distance from what follows at 320 px, a refused form keeps
its page and text, the advice reply's summary leads to fields on other pages, and a message posted
from an earlier page of a discussion opens the page that holds it."""
from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from consult.advice.models import Advice, AdvicePoint, AdviceRequest, AdviceStatus, CouncilComment, Disposition
from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.core.time import utcnow
from consult.dialogue.models import AuthorRole, Post, PostStatus
from consult.dialogue.services import create_thread
from consult.extensions import db
from consult.orgs.models import Organisation
from consult.qa.models import QaItem, QaStatus
from tests.e2e.conftest import assert_no_horizontal_overflow, check_accessibility, new_page, settle, sign_in_page
from tests.e2e.test_advice_journeys import setup_consultation
from tests.e2e.test_dialogue_journeys import setup as setup_discussion

log_in = sign_in_page  # these journeys start logged in; logging in is tested on its own

# The space between a pager and its neighbours, measured between their borders.
GAPS = """(nav) => {
    const box = nav.getBoundingClientRect();
    const before = nav.previousElementSibling, after = nav.nextElementSibling;
    return [before ? box.top - before.getBoundingClientRect().bottom : null,
            after ? after.getBoundingClientRect().top - box.bottom : null];
}"""


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def council(name: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def assert_pager_keeps_its_distance(page, nav, name: str) -> None:
    """At least 16 px between the pager and the element above and below it."""
    before, after = nav.evaluate(GAPS)
    assert before is None or before >= 16, f"{name}: pager {before}px below the element above it"
    assert after is None or after >= 16, f"{name}: pager {after}px above the element below it"


# --- council comments -------------------------------------------------------------------------

def comments(count: int) -> None:
    setup_consultation()
    carla, raad = user("carla@example.org"), council("Adviesraad Leiden")
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "wmo"))
    when = utcnow() - timedelta(days=1)
    for n in range(1, count + 1):
        db.session.add(CouncilComment(consultation_id=consultation.id, author=carla, organisation=raad,
                                      body=f"Opmerking nummer {n}.", created_at=when + timedelta(minutes=n)))
    db.session.commit()


def test_a_comment_refused_on_page_2_keeps_the_page_and_the_text_and_one_item_reads_naturally(
        browser, live, page_errors):
    comments(21)
    context, page = new_page(browser, page_errors, live.url, viewport={"width": 320, "height": 640})
    log_in(page, "carla@example.org")
    page.goto("/consultations/wmo/council-comments")
    expect(page.get_by_text("Opmerkingen 1 tot en met 20 van 21, oudste eerst.")).to_be_visible()
    pager = page.get_by_role("navigation", name="Pagina's")
    assert_pager_keeps_its_distance(page, pager, "council comments")
    pager.get_by_role("link", name="2", exact=True).click()
    # One comment on the page: not "21 tot en met 21".
    expect(page.get_by_text("Opmerking 21 van 21, oudste eerst.", exact=True)).to_be_visible()
    expect(page.get_by_text("tot en met 21")).to_have_count(0)
    assert_no_horizontal_overflow(page, "council-comments-page-2")

    # The comment is sent without text: refused on page 2, with the choice made kept.
    page.get_by_label("Over").select_option(label="Thema: Toegang")
    page.get_by_role("button", name="Opmerking plaatsen").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator(".error-summary")).to_contain_text("Schrijf uw opmerking.")
    assert page.url.endswith("/consultations/wmo/council-comments?page=2")
    expect(page.get_by_role("link", name="Pagina 2")).to_have_attribute("aria-current", "page")
    expect(page.get_by_text("Opmerking nummer 21.")).to_be_visible()
    expect(page.get_by_text("Opmerking nummer 1.", exact=True)).to_have_count(0)
    expect(page.get_by_label("Over").locator("option:checked")).to_have_text("Thema: Toegang")
    expect(page.get_by_label("Uw opmerking")).to_have_attribute("aria-invalid", "true")
    check_accessibility(page, "council comment refused on page 2")
    page.screenshot(path="test-artifacts/paged-comments-refused-320.png", full_page=True, caret="initial")
    context.close()
    assert page_errors.errors == []


# --- questions and answers -----------------------------------------------------------------------

def questions(own: int, published: int) -> None:
    setup_discussion()  # Consultation "wmo" with theme Samenwerking; Anna of Zorg A is a provider
    anna = user("anna@example.org")
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "wmo"))
    when = utcnow() - timedelta(days=2)
    for n in range(1, own + 1):
        db.session.add(QaItem(consultation_id=consultation.id, status=QaStatus.ASKED, origin="question",
                              asked_text=f"Eigen vraag {n:02d}", asked_by_id=anna.id,
                              asker_organisation_id=anna.memberships[0].organisation_id,
                              asked_at=when + timedelta(minutes=n), question="", answer=""))
    for n in range(1, published + 1):
        db.session.add(QaItem(consultation_id=consultation.id, status=QaStatus.PUBLISHED, origin="initiative",
                              number=n, asked_text="", question=f"Gepubliceerde vraag {n}",
                              answer=f"Antwoord {n}.", asked_at=when, published_at=when + timedelta(minutes=n)))
    db.session.commit()


def test_the_own_questions_pager_comes_back_to_the_list_and_a_refused_question_keeps_the_page(page, live):
    questions(own=15, published=25)
    log_in(page, "anna@example.org")
    page.goto("/consultations/wmo/qa")
    own_pager = page.get_by_role("navigation", name="Pagina's met de vragen van uw organisatie")
    own_pager.get_by_role("link", name="2", exact=True).click()
    assert page.url.endswith("/consultations/wmo/qa?mine=2#own-title")
    expect(page.get_by_text("Eigen vraag 05")).to_be_in_viewport()

    # On page 2 of the published answers (and page 2 of the own questions) a question is refused.
    page.get_by_role("navigation", name="Pagina's", exact=True).get_by_role("link", name="2", exact=True).click()
    expect(page.get_by_text("Gepubliceerde vraag 25")).to_be_visible()
    page.get_by_label("Over").select_option(label="Samenwerking")
    page.get_by_role("button", name="Vraag versturen").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator(".error-summary")).to_contain_text("Schrijf uw vraag.")
    assert "page=2" in page.url and "mine=2" in page.url
    expect(page.get_by_text("Gepubliceerde vraag 25")).to_be_visible()
    expect(page.get_by_text("Gepubliceerde vraag 1", exact=True)).to_have_count(0)
    expect(page.get_by_text("Eigen vraag 05")).to_be_visible()
    expect(page.get_by_label("Over").locator("option:checked")).to_have_text("Samenwerking")
    check_accessibility(page, "question refused on page 2")
    page.screenshot(path="test-artifacts/paged-qa-refused-1280.png", full_page=True, caret="initial")

    # Sent: the answers stay on page 2, the own questions open on the page with the new one.
    page.get_by_label("Uw vraag").fill("Mag een aanbieder onderaannemers inzetten?")
    page.get_by_role("button", name="Vraag versturen").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_contain_text("Uw vraag is naar het projectteam gestuurd.")
    expect(page.get_by_text("Gepubliceerde vraag 25")).to_be_visible()
    expect(page.get_by_text("Mag een aanbieder onderaannemers inzetten?")).to_be_visible()


# --- the team's reply to an advice of many points ----------------------------------------------

def submitted_advice(count: int) -> Advice:
    setup_consultation()
    eva = user("eva@example.org")
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "wmo"))
    request = AdviceRequest(consultation_id=consultation.id, question="Sluiten de thema's aan?",
                            due_on=date.today() + timedelta(days=14), created_by_id=eva.id)
    advice = Advice(council_id=council("Adviesraad Leiden").id, status=AdviceStatus.SUBMITTED,
                    submitted_at=utcnow(), introduction="Ons advies.")
    request.advices.append(advice)
    for n in range(1, count + 1):
        advice.points.append(AdvicePoint(title=f"Punt {n}", body=f"Tekst van punt {n}.", position=n))
    db.session.add(request)
    db.session.commit()
    return advice


def test_the_reply_summary_links_to_the_fields_on_other_pages(page, live):
    advice = submitted_advice(21)
    ids = [point.id for point in advice.points]
    # Points 11 and 12 have a choice but no reason; the other points of page 2 are complete.
    for point in advice.points[10:20]:
        point.disposition = Disposition.ADOPTED
        point.reply = "" if point.id in ids[10:12] else "Ja."
    db.session.commit()
    log_in(page, "eva@example.org")
    page.goto(f"/advice/{advice.id}?page=3")
    expect(page.get_by_text("Adviespunt 21 van 21.", exact=False)).to_be_visible()
    expect(page.get_by_text("tot en met 21")).to_have_count(0)
    page.get_by_role("group", name="Wat doet de gemeente met adviespunt 21?").get_by_label("Overgenomen",
                                                                                             exact=True).check()
    page.get_by_label("Motivering bij adviespunt 21").fill("Wij nemen dit over.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Advies en reactie publiceren").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    first = summary.get_by_role("link", name="Pagina 1: bij adviespunten 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 ontbreekt")
    second = summary.get_by_role("link", name="Pagina 2: bij adviespunten 11, 12 ontbreekt")
    expect(first).to_have_attribute("href", f"/advice/{advice.id}?missing=1#disposition_{ids[0]}")
    expect(second).to_have_attribute("href", f"/advice/{advice.id}?page=2&missing=1#reply_{ids[10]}")
    check_accessibility(page, "reply refused with points on other pages")
    page.screenshot(path="test-artifacts/paged-advice-summary-1280.png", caret="initial")

    second.click()
    page.wait_for_url(f"**/advice/{advice.id}?page=2&missing=1#reply_{ids[10]}")
    # The page says again what is missing here: the linked field has focus and carries its message
    # (a screen reader reads both), the summary lists this page's fields and still links the other page.
    summary = page.locator(".error-summary")
    field = page.get_by_label("Motivering bij adviespunt 11")
    expect(field).to_be_focused()
    expect(field).to_have_accessible_description("Fout: Geef de motivering bij adviespunt 11.")
    expect(summary.get_by_role("link", name="Geef de motivering bij adviespunt 11.")).to_have_attribute(
        "href", f"#reply_{ids[10]}")
    expect(summary.get_by_role("link", name="Pagina 1: bij adviespunten 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 ontbreekt")
           ).to_be_visible()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Motivering bij adviespunt 13")).not_to_have_attribute("aria-invalid", "true")
    check_accessibility(page, "reply page followed from the summary of another page")
    summary.get_by_role("link", name="Geef de motivering bij adviespunt 11.").click()
    expect(field).to_be_focused()
    field.fill("Ja, met de wijkteams.")
    page.get_by_role("button", name="Reactie opslaan").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_contain_text("De reactie is opgeslagen.")
    db.session.expire_all()
    assert db.session.get(AdvicePoint, ids[10]).reply == "Ja, met de wijkteams."


# --- a discussion of several pages ---------------------------------------------------------------

def long_thread(count: int) -> int:
    setup_discussion()
    anna = user("anna@example.org")
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "wmo"))
    thread = create_thread(consultation, None, "Wachttijden in de wijk", "Bericht 1", by=anna)
    when = utcnow() - timedelta(days=1)
    db.session.scalar(select(Post).where(Post.thread_id == thread.id)).created_at = when  # the opening first
    db.session.commit()
    db.session.execute(Post.__table__.insert(), [
        {"thread_id": thread.id, "parent_id": None, "author_id": anna.id,
         "organisation_id": anna.memberships[0].organisation_id, "author_role": AuthorRole.PROVIDER,
         "body": f"Bericht {n}", "status": PostStatus.PUBLISHED, "created_at": when + timedelta(seconds=n)}
        for n in range(2, count + 1)])
    db.session.commit()
    return thread.id


def test_a_message_posted_from_page_2_opens_the_last_page_at_the_message(browser, live, page_errors):
    thread_id = long_thread(45)
    context, page = new_page(browser, page_errors, live.url, viewport={"width": 320, "height": 640})
    log_in(page, "rita@example.org")
    page.goto(f"/discussion/{thread_id}?page=2")
    expect(page.get_by_text("Bericht 21", exact=True)).to_be_visible()
    pager = page.get_by_role("navigation", name="Pagina's")
    assert_pager_keeps_its_distance(page, pager, "thread")
    settle(page)
    page.get_by_label("Uw bericht").fill("Bij ons duurt het zes weken.")
    page.get_by_role("button", name="Bericht plaatsen").click()
    page.wait_for_url(f"**/discussion/{thread_id}?page=3#post-*")
    posted = db.session.scalar(select(Post).where(Post.body == "Bij ons duurt het zes weken."))
    assert page.url.endswith(f"/discussion/{thread_id}?page=3#post-{posted.id}")
    message = page.locator(f"#post-{posted.id}")
    expect(message).to_contain_text("Bij ons duurt het zes weken.")
    expect(message).to_be_in_viewport()
    expect(message).to_be_focused()  # the keyboard and screen reader continue from the message
    expect(page.get_by_role("link", name="Pagina 3")).to_have_attribute("aria-current", "page")
    expect(page.get_by_text("Bericht 45", exact=True)).to_be_visible()
    assert_no_horizontal_overflow(page, "paged-thread-posted-320")

    # Posted from the last page it is added there in place, as before.
    page.get_by_label("Uw bericht").fill("Bij ons ook.")
    page.get_by_role("button", name="Bericht plaatsen").click()
    expect(page.locator("#new-posts")).to_contain_text("Bij ons ook.")
    assert page.url.endswith(f"/discussion/{thread_id}?page=3#post-{posted.id}")
    context.close()
    assert page_errors.errors == []
