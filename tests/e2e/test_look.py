"""How the site looks: the header, the team's menu, tables, targets, fonts, the second theme, and
visual regression of every page type at 1280 and 320 px.

Visual regression: each page type of the demo is photographed at a fixed moment (the server's
clock frozen, the browser's clock fixed, animations off, the fonts served by the app) and compared
with its approved picture in tests/e2e/baselines/. A page that differs fails the test with its
name, and its picture and a diff (changed pixels in red) are written to test-artifacts/look/.
After a deliberate change of the look, approve the new pictures with

    UPDATE_BASELINES=1 .venv/bin/python -m pytest tests/e2e/test_look.py

and review the changed PNGs in the commit (the same run renews docs/theme-*.png for the README).
"""
from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import partial
from io import BytesIO
from pathlib import Path

import pytest
import time_machine
from PIL import Image, ImageChops
from playwright.sync_api import expect

from consult.demo import DEMO_PASSWORD
from consult.extensions import db
from tests.demo import load_demo
from tests.e2e.conftest import ARTIFACTS, ROOT, LiveServer, check_accessibility, log_in_through_form, new_page
from tests.pages import ACCOUNTS, CLOSED, OPEN

BASELINES = Path(__file__).resolve().parent / "baselines"
DOCS = ROOT / "docs"
UPDATE = os.environ.get("UPDATE_BASELINES") == "1"
# The demo's moment: a Monday morning while the open consultation runs.
FIXED_NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WIDTHS = {"desktop": (1280, 800), "phone": (320, 700)}
# Long pages are compared over their first screens only, which keeps the baselines small.
MAX_HEIGHT = {"desktop": 1800, "phone": 2800}
# A pixel differs when a colour channel moves by more than this (anti-aliasing noise stays below).
PIXEL_THRESHOLD = 48
# A page differs when more than this share of its pixels differ.
MAX_DIFF_RATIO = 0.001
# Content that is random by design (receipt codes) is covered before comparing.
MASKED = ".receipt-code, .receipt-code-small, .qr-code, .secret-key"


def page_types() -> dict[str, list[tuple[str, str]]]:
    """Per role: (name, path) of one page of every type that role sees. The demo must be loaded."""
    from sqlalchemy import select

    from consult.advice.models import Advice, AdviceStatus
    from consult.consultations.models import Consultation
    from consult.dialogue.models import Thread
    from consult.responses.models import Response
    from consult.strategy.models import Segment

    open_, closed = f"/consultations/{OPEN}", f"/consultations/{CLOSED}"
    submitted = db.session.scalar(select(Response).where(
        Response.submitted_at.is_not(None), Response.organisation.has(name="Thuishulp Rijnstreek"),
        Response.consultation.has(slug=OPEN)))
    draft = db.session.scalar(select(Response).where(Response.submitted_at.is_(None)))
    thread = db.session.scalar(select(Thread).join(Consultation).where(Consultation.slug == OPEN)
                               .order_by(Thread.id))
    advice = db.session.scalar(select(Advice).where(Advice.status == AdviceStatus.SUBMITTED))
    advice_draft = db.session.scalar(select(Advice).where(Advice.status == AdviceStatus.DRAFT))
    segment = db.session.scalar(select(Segment).order_by(Segment.id))
    analysed = db.session.scalar(select(Consultation).where(Consultation.slug == CLOSED))
    question = analysed.themes[0].questions[0]
    return {
        "anonymous": [("home", "/"), ("login", "/login"), ("register", "/register"),
                      ("consultations", "/consultations"), ("consultation", open_),
                      ("report-published", f"{closed}/report")],
        "provider": [("home-provider", "/"), ("account", "/account"), ("notifications", "/notifications"),
                     ("response", f"/responses/{submitted.id}"),
                     ("receipt", f"/responses/{submitted.id}/submissions/1"),
                     ("discussion", f"{open_}/discussion"), ("thread", f"/discussion/{thread.id}"),
                     ("qa", f"{open_}/qa")],
        "provider-drafting": [("response-theme", f"/responses/{draft.id}/themes/{draft.consultation.themes[0].id}"),
                              ("response-review", f"/responses/{draft.id}/review")],
        "council": [("advice", f"/advice/{advice.id}"), ("strategy-council", f"{closed}/strategy")],
        "council-drafting": [("advice-draft", f"/advice/{advice_draft.id}")],
        "team": [("manage", f"{open_}/manage"), ("questions", f"{open_}/manage/questions"),
                 ("question-form", f"{open_}/manage/questions/1"), ("responses", f"{open_}/responses"),
                 ("moderation", f"{open_}/moderation"), ("qa-manage", f"{open_}/qa/manage"),
                 ("analysis", f"{closed}/analysis"), ("analysis-question", f"{closed}/analysis/questions/{question.id}"),
                 ("tags", f"{closed}/analysis/tags"), ("strategy", f"{closed}/strategy"),
                 ("strategy-segment", f"{closed}/strategy/segments/{segment.id}"),
                 ("revisions", f"{closed}/strategy/revisions?a=1&b=8"), ("report-edit", f"{closed}/report/edit")],
        "admin": [("users", "/admin/users"), ("organisations", "/admin/organisations"), ("audit", "/admin/audit")],
    }


@pytest.fixture
def frozen():
    """The server's clock stopped at FIXED_NOW (this process serves the app)."""
    with time_machine.travel(FIXED_NOW, tick=False):
        yield


@pytest.fixture
def demo(live, frozen):
    load_demo()
    db.session.commit()
    return page_types()


log_in = partial(log_in_through_form, password=DEMO_PASSWORD, landed="page")


def open_as(browser, live, page_errors, role: str | None, size: str):
    width, height = WIDTHS[size]
    context, page = new_page(browser, page_errors, live.url, viewport={"width": width, "height": height},
                             reduced_motion="reduce")
    page.clock.set_fixed_time(FIXED_NOW)
    if role and ACCOUNTS[role]:
        log_in(page, ACCOUNTS[role])
    return context, page


def settle_fonts(page) -> None:
    page.evaluate("() => document.fonts.ready.then(() => null)")


def screenshot(page, size: str) -> Image.Image:
    """The page as it looks, from its top down to at most MAX_HEIGHT pixels."""
    page.mouse.move(0, 0)  # no hover styles from where the last click left the pointer
    settle_fonts(page)
    height = min(page.evaluate("() => document.documentElement.scrollHeight"), MAX_HEIGHT[size])
    png = page.screenshot(full_page=True, animations="disabled", caret="hide",
                          clip={"x": 0, "y": 0, "width": WIDTHS[size][0], "height": height},
                          mask=[page.locator(MASKED)], mask_color="#888888")
    with Image.open(BytesIO(png)) as picture:
        return picture.convert("RGB")


def save_png(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)


def difference(actual: Image.Image, approved: Image.Image) -> tuple[float, Image.Image | None]:
    """The share of differing pixels (1.0 when the sizes differ) and a picture that shows them."""
    if actual.size != approved.size:
        return 1.0, None
    red, green, blue = ImageChops.difference(actual, approved).split()
    # The largest change of any channel (luminance would hide a change of blue alone).
    delta = ImageChops.lighter(ImageChops.lighter(red, green), blue).point(
        lambda value: 255 if value > PIXEL_THRESHOLD else 0)
    changed = delta.histogram()[255]
    if not changed:
        return 0.0, None
    shown = Image.blend(approved, Image.new("RGB", approved.size, "white"), 0.6)
    shown.paste(Image.new("RGB", approved.size, (220, 0, 0)), mask=delta)
    return changed / (actual.size[0] * actual.size[1]), shown


def compare(name: str, actual: Image.Image) -> str | None:
    """Compare with the approved picture; None when they match (or when approving), else why not."""
    approved_path = BASELINES / f"{name}.png"
    if UPDATE:
        save_png(actual, approved_path)
        return None
    out = ARTIFACTS / "look"
    if not approved_path.exists():
        save_png(actual, out / f"{name}.png")
        return f"{name}: no approved picture in {approved_path.relative_to(ROOT)} (UPDATE_BASELINES=1 makes one)"
    with Image.open(approved_path) as stored:
        approved = stored.convert("RGB")
    ratio, shown = difference(actual, approved)
    if ratio <= MAX_DIFF_RATIO:
        return None
    save_png(actual, out / f"{name}.png")
    if shown is not None:
        save_png(shown, out / f"{name}-diff.png")
        return f"{name}: {ratio:.2%} of the pixels differ (test-artifacts/look/{name}-diff.png)"
    return (f"{name}: the page is {actual.size[0]}x{actual.size[1]} px, "
            f"approved {approved.size[0]}x{approved.size[1]} px (test-artifacts/look/{name}.png)")


@pytest.mark.parametrize("role", list(ACCOUNTS))
def test_page_types_look_as_approved_at_1280_and_320_px(browser, live, demo, page_errors, role):
    """Every page type the role sees, wide and narrow, against its approved picture."""
    differences = []
    for size in WIDTHS:
        context, page = open_as(browser, live, page_errors, role, size)
        for name, path in demo[role]:
            page.goto(path)
            differences.append(compare(f"{name}-{size}", screenshot(page, size)))
        context.close()
    assert page_errors.errors == []
    assert [d for d in differences if d] == []


def test_comparison_finds_a_changed_page_and_ignores_anti_aliasing():
    """The comparison itself: a moved block or a changed colour fails, a faint shift does not."""
    approved = Image.new("RGB", (200, 100), "white")
    approved.paste(Image.new("RGB", (40, 10), "black"), (10, 10))
    faint = approved.point(lambda value: max(0, value - PIXEL_THRESHOLD))
    assert difference(faint, approved)[0] == 0.0
    moved = Image.new("RGB", (200, 100), "white")
    moved.paste(Image.new("RGB", (40, 10), "black"), (10, 30))
    ratio, shown = difference(moved, approved)
    assert ratio == 800 / 20000
    assert shown.getpixel((15, 15)) == (220, 0, 0)
    assert difference(Image.new("RGB", (200, 101), "white"), approved) == (1.0, None)
    recoloured = approved.copy()
    recoloured.paste(Image.new("RGB", (40, 10), (0, 0, 255)), (10, 10))  # black text turned blue
    assert difference(recoloured, approved)[0] == 400 / 20000


# --- The header and the menus -------------------------------------------------------------------

def box(locator) -> dict:
    return locator.bounding_box()


def test_header_on_a_phone_is_one_row_with_a_menu_button_that_opens_by_keyboard(browser, live, demo, page_errors):
    context, page = open_as(browser, live, page_errors, "team", "phone")
    page.goto(f"/consultations/{OPEN}/manage")
    header = box(page.locator(".site-header"))
    assert header["height"] < 90, header  # was 242 px: three rows of links
    account = page.get_by_role("link", name="Mijn account")
    expect(account).to_be_hidden()
    toggle = page.locator(".site-menu__toggle")
    expect(toggle).to_have_text("Menu 7 ongelezen")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(account).to_be_visible()
    expect(page.locator(".site-menu")).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Consultaties")).to_be_focused()
    assert all(box(item)["height"] >= 44 for item in page.locator(".site-nav__link").all())
    # One link a row, the full width of the screen.
    assert {box(item)["x"] for item in page.locator(".site-nav__link").all()} == {box(account)["x"]}
    context.close()
    assert page_errors.errors == []


def test_team_menu_on_a_phone_folds_names_the_page_and_keeps_the_heading_high(browser, live, demo, page_errors):
    context, page = open_as(browser, live, page_errors, "team", "phone")
    page.goto(f"/consultations/{CLOSED}/analysis")
    toggle = page.locator(".team-menu__toggle")
    expect(toggle).to_have_text("Menu van deze consultatie Analyse")
    expect(page.get_by_role("link", name="Inkoopstrategie")).to_be_hidden()
    heading = box(page.get_by_role("heading", level=1))
    assert heading["y"] < 280, heading  # was 578-626 px below a wrapping row of sixteen links
    toggle.focus()
    page.keyboard.press(" ")
    current = page.locator(".team-menu").get_by_role("link", name="Analyse", exact=True)
    expect(current).to_be_visible()
    expect(current).to_have_attribute("aria-current", "page")
    check_accessibility(page, "team menu open at 320 px")
    context.close()
    assert page_errors.errors == []


def test_menus_open_without_javascript(browser, live, demo, page_errors):
    context, page = new_page(browser, page_errors, live.url, viewport={"width": 320, "height": 700},
                             java_script_enabled=False)
    log_in(page, "team@example.org")
    page.goto(f"/consultations/{OPEN}/manage")
    page.locator(".team-menu__toggle").click()
    page.locator(".team-menu").get_by_role("link", name="Reacties").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reacties")
    page.locator(".site-menu__toggle").click()
    page.get_by_role("link", name="Mijn account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn account")
    context.close()
    assert page_errors.errors == []


def test_team_menu_on_a_desktop_is_a_grouped_side_navigation(browser, live, demo, page_errors):
    context, page = open_as(browser, live, page_errors, "team", "desktop")
    page.goto(f"/consultations/{OPEN}/responses")
    menu = page.locator(".team-menu")
    expect(page.locator(".team-menu__toggle")).to_be_hidden()
    assert menu.locator(".team-menu__heading").all_inner_texts() == [
        "Inrichten", "Deelnemers en inbreng", "Analyse en strategie", "Publiceren", "Verantwoording"]
    groups = menu.get_by_role("list")
    assert groups.nth(2).get_attribute("aria-labelledby") == "team-menu-3"
    assert groups.nth(2).get_by_role("link").all_inner_texts() == [
        "Reacties", "Moderatie", "Vragen beantwoorden", "Advies", "Opmerkingen van adviesraden", "Dialoogsessies",
        "Concepten ter reactie"]
    assert menu.locator("[aria-current=page]").all_inner_texts() == ["Reacties"]
    assert box(menu)["x"] + box(menu)["width"] < box(page.get_by_role("heading", level=1))["x"]
    site = box(page.locator(".site-name"))
    assert site["x"] == box(menu)["x"]  # header and content share one column
    check_accessibility(page, "team menu at 1280 px")
    context.close()
    assert page_errors.errors == []


# --- Tables, targets and fonts ---------------------------------------------------------------------

# Single-word header cells that wrap, and cells whose text is cut inside a word.
BROKEN_WORDS = """() => {
    const lines = (el) => {
        const range = document.createRange();
        range.selectNodeContents(el);
        return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    };
    return [...document.querySelectorAll(".utrecht-table th, .utrecht-table td")]
        .filter((cell) => cell.offsetParent !== null && cell.innerText.trim() !== ""
                && !/\\s/.test(cell.innerText.trim()) && lines(cell) > 1)
        .map((cell) => cell.innerText.trim());
}"""


def test_tables_keep_words_whole_scroll_on_a_phone_and_align_numbers(browser, live, demo, page_errors):
    context, page = open_as(browser, live, page_errors, "team", "phone")
    page.goto(f"/consultations/{CLOSED}/analysis")
    assert page.evaluate(BROKEN_WORDS) == []
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths == [320, 320]
    container = page.get_by_role("region", name="Vragen van het thema Cliënt")
    container.focus()
    page.keyboard.press("ArrowRight")
    expect(container).to_be_focused()
    assert container.evaluate("(el) => el.scrollWidth > el.clientWidth") is True
    table = container.get_by_role("table")
    number = table.get_by_role("cell").first
    # Measured in one go: the container may still be scrolling from the arrow key.
    edges = table.evaluate("""(table) => {
        const header = [...table.querySelectorAll("thead th")].find((th) => th.innerText === "Antwoorden");
        const number = table.querySelector("tbody td");
        return [header.getBoundingClientRect().right, number.getBoundingClientRect().right,
                getComputedStyle(header).textAlign, getComputedStyle(number).textAlign];
    }""")
    assert edges[0] == edges[1] and edges[2:] == ["end", "end"], edges
    assert number.evaluate("(el) => getComputedStyle(el).fontVariantNumeric") == "lining-nums tabular-nums"
    caption = page.locator("caption").first
    assert caption.evaluate("(el) => [getComputedStyle(el).fontFamily, getComputedStyle(el).textAlign]") == [
        page.evaluate("() => getComputedStyle(document.body).fontFamily"), "start"]
    context.close()
    assert page_errors.errors == []


def test_checkboxes_radio_buttons_and_step_links_are_at_least_24_px(browser, live, demo, page_errors):
    context, page = open_as(browser, live, page_errors, "provider-drafting", "phone")
    page.goto(demo["provider-drafting"][0][1])
    controls = page.locator("input[type=checkbox], input[type=radio]").all()
    assert controls
    assert [c.get_attribute("id") for c in controls if box(c)["width"] < 24 or box(c)["height"] < 24] == []
    steps = page.locator(".step-nav a").all()
    assert steps
    assert [s.inner_text() for s in steps if box(s)["height"] < 24] == []
    context.close()
    assert page_errors.errors == []


def test_theme_fonts_are_served_by_the_app_and_used(browser, live, demo, page_errors):
    context, page = open_as(browser, live, page_errors, None, "desktop")
    fonts = []
    page.on("request", lambda request: request.resource_type == "font" and fonts.append(request.url))
    page.goto(f"/consultations/{OPEN}")
    settle_fonts(page)
    loaded = page.evaluate("""() => [...document.fonts].filter((f) => f.status === "loaded")
        .map((f) => f.family.replaceAll('"', "") + " " + f.weight).sort()""")
    assert {"Noto Sans 400", "Noto Serif 700"} <= set(loaded), loaded
    # By their fingerprinted names (consult/core/assets.py), cached for a year.
    assert fonts and all(url.startswith(f"{live.url}/static/dist/vendor/fonts/") for url in fonts), fonts
    assert page.evaluate("() => getComputedStyle(document.querySelector('h1')).fontFamily") == '"Noto Serif", serif'
    context.close()
    assert page_errors.errors == []


# --- A municipality's own theme ----------------------------------------------------------------------

THEMES = {
    "voorbeeld": {},
    "denhaag": {"THEME_CLASS": "denhaag-theme", "THEME_STYLESHEET": "vendor/denhaag-theme.css"},
}


def test_den_haag_theme_is_chosen_by_configuration(browser, page_errors, tmp_path):
    server = LiveServer(tmp_path, **THEMES["denhaag"])
    try:
        with time_machine.travel(FIXED_NOW, tick=False), server.app.app_context():
            load_demo()
            db.session.commit()
            context, page = new_page(browser, page_errors, server.url, viewport={"width": 1280, "height": 800})
            page.goto("/login")
            expect(page.locator("html")).to_have_class("utrecht-root denhaag-theme")
            button = page.get_by_role("button", name="Inloggen")
            # Den Haag's primary button is its green (--denhaag-color-green-3: hsl(138 58% 33%)).
            assert button.evaluate("(el) => getComputedStyle(el).backgroundColor") == "rgb(35, 133, 65)"
            check_accessibility(page, "login in the Den Haag theme")
            page.get_by_label("E-mailadres").fill("team@example.org")
            page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
            button.click()
            page.goto(f"/consultations/{CLOSED}/analysis")
            check_accessibility(page, "analysis in the Den Haag theme")
            if UPDATE:
                save_png(screenshot(page, "desktop").crop((0, 0, 1280, 800)), DOCS / "theme-denhaag.png")
            context.close()
        assert page_errors.errors == []
    finally:
        server.stop()


def test_readme_shows_both_themes(browser, live, demo, page_errors):
    """The README's pictures exist; with UPDATE_BASELINES=1 the default theme's is renewed here."""
    if UPDATE:
        context, page = open_as(browser, live, page_errors, "team", "desktop")
        page.goto(f"/consultations/{CLOSED}/analysis")
        save_png(screenshot(page, "desktop").crop((0, 0, 1280, 800)), DOCS / "theme-voorbeeld.png")
        context.close()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in THEMES:
        assert f"(docs/theme-{name}.png)" in readme
        with Image.open(DOCS / f"theme-{name}.png") as picture:
            assert picture.size == (1280, 800)
