"""What a person sees: no empty alert or status box on any page type, for any role.

axe and the HTML checker read the markup; neither sees that a region marked ``hidden`` is drawn
anyway because a component class sets ``display``. This walks every page type in the browser and
fails on any alert or status region (``role=alert``/``status``/``alertdialog``, or an alert,
error-summary or notification class) that is drawn on the page while it holds no text, and on a
page title that is not plain text.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from consult.extensions import db
from tests.demo import load_demo
from tests.e2e.conftest import new_page, sign_in_page
from tests.pages import ACCOUNTS, demo_pages

# Alert and status regions: by role, and by the component classes that draw a box around them.
REGIONS = ('[role="alert"], [role="status"], [role="alertdialog"], [class*="alert"], '
           '.error-summary, .notification, .request-problem, .session-warning')

# Seen: a box with width and height that is displayed, not transparent, and draws something
# (a border, background, shadow or outline). A live region that is blank and draws nothing
# (the save status keeps one line of height so the page does not jump) is not seen.
EMPTY_VISIBLE_REGIONS = """(selector) => {
    const paints = (el) => {
        const s = getComputedStyle(el);
        const transparent = (colour) => colour === "transparent" || /rgba\\(.*,\\s*0\\)$/.test(colour);
        const border = ["Top", "Right", "Bottom", "Left"].some((side) =>
            parseFloat(s[`border${side}Width`]) > 0 && s[`border${side}Style`] !== "none"
            && !transparent(s[`border${side}Color`]));
        return border || !transparent(s.backgroundColor) || s.backgroundImage !== "none"
            || s.boxShadow !== "none" || (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0);
    };
    return [...document.querySelectorAll(selector)]
        .filter((el) => {
            const box = el.getBoundingClientRect();
            return box.width > 0 && box.height > 0 && el.textContent.trim() === ""
                && el.checkVisibility({visibilityProperty: true, opacityProperty: true}) && paints(el);
        })
        .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
            + [...el.classList].map((name) => "." + name).join("")
            + (el.getAttribute("role") ? `[role=${el.getAttribute("role")}]` : ""));
}"""


def empty_visible_regions(page) -> list[str]:
    """Every alert or status region drawn on the page without any text in it, as tag#id.class[role]."""
    return page.evaluate(EMPTY_VISIBLE_REGIONS, REGIONS)


log_in = sign_in_page  # these journeys start logged in; logging in is tested on its own


@pytest.fixture
def demo(live):
    load_demo()
    db.session.commit()
    return demo_pages()


@pytest.mark.parametrize("role", list(ACCOUNTS))
def test_page_shows_no_empty_alert_box_or_markup_in_title_as_role(browser, live, demo, page_errors, role):
    context, page = new_page(browser, page_errors, live.url)
    if ACCOUNTS[role]:
        log_in(page, ACCOUNTS[role])
    found, odd_titles = {}, {}
    for path in demo[role]:
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", "nl")
        if empties := empty_visible_regions(page):
            found[path] = empties
        title = page.title()  # the tab's name: plain words, never markup
        if "<" in title or not title.endswith(" · Consult"):
            odd_titles[path] = title
    context.close()
    assert page_errors.errors == []
    assert found == {}, "\n".join(f"{path}: {', '.join(regions)}" for path, regions in found.items())
    assert odd_titles == {}


def test_error_pages_show_no_empty_alert_or_status_box(page, page_errors):
    page_errors.allowed_statuses = {400, 404}
    found = {}
    for path in ["/does-not-exist", "/password/reset/not-a-token"]:
        page.goto(path)
        if empties := empty_visible_regions(page):
            found[path] = empties
    assert found == {}


def test_check_finds_an_empty_alert_that_is_drawn(page):
    """The check itself: an alert box emptied but left on screen is reported, a hidden one is not."""
    page.goto("/")
    assert empty_visible_regions(page) == []
    page.evaluate("() => { document.getElementById('request-problem').hidden = false; }")
    assert empty_visible_regions(page) == [
        "div#request-problem.utrecht-alert.utrecht-alert--error.request-problem[role=alert]"]
