"""Browser tests: the app served on a free local port, driven by Playwright in Debian's Chromium.

They run when Chromium is installed and are skipped with one clear reason when it is not;
with CONSULT_REQUIRE_BROWSER=1 (set by .ci/run) a missing browser fails the run instead.
Every page fails its test on a JavaScript error, a console error or a failed request.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from consult.auth.models import User
from consult.core.mail import outbox
from consult.extensions import db
from tests.conftest import PASSWORD, build_app, empty_database, login_session

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
REQUIRED = os.environ.get("CONSULT_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)


def require(condition: bool, reason: str) -> None:
    if condition:
        return
    if REQUIRED:
        pytest.fail(f"{reason} (CONSULT_REQUIRE_BROWSER=1: browser checks must run)")
    pytest.skip(reason)


class LiveServer:
    """The app in a background thread with its own fresh SQLite database."""

    running: dict[str, LiveServer] = {}

    def __init__(self, tmp_path: Path, **config):
        self.app = build_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}",
                             **config)
        with self.app.app_context():
            upgrade()  # the browser tests run on a database built by the migrations
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        LiveServer.running[self.url] = self

    def stop(self) -> None:
        LiveServer.running.pop(self.url, None)
        self.server.shutdown()
        self.thread.join(5)
        with self.app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    require(Path(CHROMIUM).exists(), f"browser tests skipped: no Chromium at {CHROMIUM} "
                                     "(apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        require(False, "browser tests skipped: the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_server(browser, tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("live"))
    yield server
    server.stop()


@pytest.fixture
def live(live_server):
    """The live server with an empty database and an empty outbox, and its app context."""
    with live_server.app.app_context():
        empty_database()
        outbox().clear()
        yield live_server
        db.session.remove()


class PageErrors:
    def __init__(self):
        self.errors: list[str] = []
        self.allowed_statuses: set[int] = set()

    def attach(self, page) -> None:
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("console", self._console)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _failed(self, request) -> None:
        # ERR_ABORTED is the browser cancelling a load because the page moved on
        # (a favicon during navigation); HTTP errors are caught by _response.
        if request.failure != "net::ERR_ABORTED":
            self.errors.append(f"request failed: {request.method} {request.url} {request.failure}")

    def _console(self, message) -> None:
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(f"console error: {message.text}")

    def _response(self, response) -> None:
        if response.status >= 400 and response.status not in self.allowed_statuses:
            self.errors.append(f"HTTP {response.status}: {response.request.method} {response.url}")


@pytest.fixture
def page_errors():
    return PageErrors()


# The live server behind each browser context, so a test can hand a page a session (sign_in_page).
_server_of_context: dict[int, LiveServer | None] = {}


def new_page(browser, page_errors, base_url: str, **context_options):
    context = browser.new_context(base_url=base_url, locale="nl-NL", **context_options)
    _server_of_context[id(context)] = LiveServer.running.get(base_url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page_errors.attach(page)
    return context, page


@pytest.fixture
def page(browser, live, page_errors):
    context, page = new_page(browser, page_errors, live.url)
    yield page
    context.close()
    assert page_errors.errors == []


@pytest.fixture
def second_page(browser, live, page_errors):
    """A second, independent browser (another person or device)."""
    context, page = new_page(browser, page_errors, live.url)
    yield page
    context.close()


def log_in_through_form(page, email: str, password: str = PASSWORD, *, enter: bool = False,
                        landed: str = "account") -> None:
    """Log in through the login form: submitted with Enter in the password field (``enter``) or by
    clicking the button, then wait until the next page is there. ``landed`` says how to know it:
    "account" - the "Mijn account" link is visible; "account-attached" - it exists, even behind the
    Menu button at 320 px; "page" - any Dutch page with its heading (pages without the link)."""
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    if enter:
        page.get_by_label("Wachtwoord").press("Enter")
    else:
        page.get_by_role("button", name="Inloggen").click()
    if landed == "account":
        expect(page.get_by_role("link", name="Mijn account")).to_be_visible()
    elif landed == "account-attached":
        expect(page.get_by_role("link", name="Mijn account", include_hidden=True)).to_be_attached()
    elif landed == "page":
        expect(page.locator("html")).to_have_attribute("lang", "nl")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    else:
        raise ValueError(f"unknown landed={landed!r}")


def sign_in_page(page, email: str, start: str = "/") -> None:
    """Give the page's browser the session cookie a login of ``email`` starts, then open ``start``:
    for journeys about what a logged-in person does (log_in_through_form is for logging in itself)."""
    server = _server_of_context.get(id(page.context))
    assert server is not None, "sign_in_page needs a page made by new_page on a running LiveServer"
    app = server.app
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
        assert user is not None and user.active, email
        cookie = app.session_interface.get_signing_serializer(app).dumps(login_session(user))
        db.session.remove()
    page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": cookie, "url": server.url,
                               "httpOnly": True, "sameSite": "Lax"}])
    page.goto(start)
    expect(page.locator("html")).to_have_attribute("lang", "nl")


def check_accessibility(page, name: str | None = None) -> None:
    """Run axe-core with the WCAG 2.0/2.1/2.2 A and AA rules: zero violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values:
                ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
        }"""
    )
    assert result == [], f"axe violations on {name or page.url}: {result}"


def assert_no_horizontal_overflow(page, name: str) -> None:
    """Reflow (WCAG 1.4.10): at 320 CSS px nothing needs horizontal scrolling."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"reflow-{name}.png"), full_page=True,
                    caret="initial")  # hiding the caret injects a style, which the CSP reports
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{name}: page is {widths[0]}px wide at {widths[1]}px"


def mail_link(live, path: str) -> str:
    """The path of the link to ``path`` in the newest captured e-mail."""
    import re

    with live.app.app_context():
        message = outbox()[-1]
    body = message.get_body(("plain",)).get_content()
    match = re.search(rf"https?://[^/\s]+({path}/[\w-]+)", body)
    assert match, body
    return match.group(1)


def settle(page) -> None:
    """Wait until htmx has finished swapping and processing new content (before using it)."""
    page.wait_for_function(
        "() => window.htmx && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")
