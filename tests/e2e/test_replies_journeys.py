"""A post with many replies: the first three are shown, 'Toon meer reacties' adds the next ones
in place by keyboard (focus on the first new one), and without JavaScript the link opens the
post's own pages of replies, which reflow at 320 px."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.dialogue.models import Post, Thread
from consult.dialogue.services import create_thread
from consult.extensions import db
from tests.e2e.conftest import assert_no_horizontal_overflow, check_accessibility, new_page, settle
from tests.e2e.test_dialogue_journeys import log_in, setup
from tests.test_replies_paged import add_replies


def thread_with_replies(count: int) -> Thread:
    setup()
    anna = db.session.scalar(select(User).where(User.email == "anna@example.org"))
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "wmo"))
    thread = create_thread(consultation, None, "Wachttijden in de wijk", "Hoe lang wachten inwoners?", by=anna)
    db.session.commit()
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    add_replies(opening, anna, count)
    return thread


def test_more_replies_are_added_in_place_by_keyboard(page, live):
    thread = thread_with_replies(45)
    log_in(page, "rita@example.org")
    page.goto(f"/discussion/{thread.id}")
    replies = page.locator(".post--reply")
    expect(replies).to_have_count(3)
    check_accessibility(page, "thread with replies folded")
    more = page.get_by_role("link", name="Toon meer reacties (42 meer) op Anna Aanbieder")
    more.focus()
    page.keyboard.press("Enter")
    expect(replies).to_have_count(23)
    settle(page)
    expect(replies.nth(3)).to_be_focused()
    expect(replies.nth(3)).to_contain_text("Reactie 4")
    assert page.url.endswith(f"/discussion/{thread.id}")  # no page load
    check_accessibility(page, "thread with more replies")
    page.get_by_role("link", name="Toon meer reacties (22 meer) op Anna Aanbieder").click()
    expect(replies).to_have_count(43)
    page.get_by_role("link", name="Toon meer reacties (2 meer) op Anna Aanbieder").click()
    expect(replies).to_have_count(45)
    expect(page.get_by_role("link", name="Toon meer reacties", exact=False)).to_have_count(0)


def test_without_javascript_the_link_opens_the_pages_of_replies(browser, live, page_errors):
    thread = thread_with_replies(45)
    context, page = new_page(browser, page_errors, live.url, java_script_enabled=False,
                             viewport={"width": 320, "height": 640})
    log_in(page, "rita@example.org")
    page.goto(f"/discussion/{thread.id}")
    page.get_by_role("link", name="Toon meer reacties (42 meer) op Anna Aanbieder").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reacties op Anna Aanbieder")
    expect(page.get_by_role("heading", level=2, name="45 reacties")).to_be_visible()
    expect(page.locator(".post--reply")).to_have_count(20)
    assert_no_horizontal_overflow(page, "replies")
    pager = page.get_by_role("navigation", name="Pagina's met reacties")
    pager.get_by_role("link", name="3", exact=True).click()
    expect(page.locator(".post--reply")).to_have_count(5)
    expect(page.locator(".post--reply").last).to_contain_text("Reactie 45")
    expect(page.get_by_role("link", name="Pagina 3")).to_have_attribute("aria-current", "page")
    context.close()
    assert page_errors.errors == []
    context, page = new_page(browser, page_errors, live.url)
    log_in(page, "rita@example.org")
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.parent_id.is_(None)))
    page.goto(f"/posts/{opening.id}/replies?page=2")
    expect(page.locator(".post--reply").first).to_contain_text("Reactie 21")
    check_accessibility(page, "page of replies")
    page.screenshot(path="test-artifacts/replies-page.png", full_page=False)
    page.goto(f"/discussion/{thread.id}")
    page.screenshot(path="test-artifacts/thread-folded.png", full_page=True)
    context.close()
