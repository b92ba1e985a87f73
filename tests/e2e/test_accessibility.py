"""axe-core on every page type, 320 px reflow, and the idle-timeout warning (WCAG 2.2.1)."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from consult.orgs.models import MemberRole
from tests.conftest import make_org, make_user
from tests.e2e.conftest import (
    LiveServer,
    assert_no_horizontal_overflow,
    check_accessibility,
    new_page,
    sign_in_page,
)

PUBLIC_PAGES = ["/", "/login", "/register", "/password/forgot", "/verify", "/accessibility",
                "/privacy", "/contact"]


log_in = sign_in_page  # these journeys start logged in; logging in is tested on its own


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_has_no_axe_violations(page, path):
    page.goto(path)
    check_accessibility(page, path)


def test_public_pages_in_english_have_no_axe_violations(page):
    page.goto("/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    for path in PUBLIC_PAGES:
        page.goto(path)
        check_accessibility(page, f"{path} (en)")


def test_error_pages_have_no_axe_violations(page, page_errors):
    page_errors.allowed_statuses = {400, 404}
    page.goto("/does-not-exist")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pagina niet gevonden")
    check_accessibility(page, "404")
    page.goto("/password/reset/not-a-token")
    expect(page.get_by_role("heading", level=1)).to_have_text("Deze link werkt niet")
    check_accessibility(page, "token problem")


def test_logged_in_pages_have_no_axe_violations(page, live):
    org = make_org("Zorg Noord", kvk="12345678")
    make_user("beheer@example.org", name="Bram Beheer", admin=True, org=org, role=MemberRole.CONTACT)
    other = make_user("lid@example.org", name="Lid Lidmaat", org=org)
    log_in(page, "beheer@example.org")
    for path in ["/", "/account", f"/organisation/{org.id}", "/admin/users", f"/admin/users/{other.id}",
                 "/admin/organisations", "/admin/organisations/new", f"/admin/organisations/{org.id}"]:
        page.goto(path)
        check_accessibility(page, path)
    # Forms with errors
    page.goto("/account")
    page.get_by_label("Huidig wachtwoord").fill("wrong")
    page.get_by_role("button", name="Wachtwoord wijzigen").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    check_accessibility(page, "account with errors")
    page.goto("/admin/organisations/new")
    page.get_by_role("button", name="Organisatie aanmaken").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    check_accessibility(page, "new organisation with errors")
    # After the htmx swap of the live user search
    page.goto("/admin/users")
    page.get_by_label("Zoek op naam of e-mailadres").fill("lidmaat")
    expect(page.get_by_role("status")).to_have_text("1 gebruiker gevonden")
    check_accessibility(page, "user search after swap")


@pytest.mark.parametrize("path", ["/", "/register", "/login", "/accessibility"])
def test_reflow_at_320_px_public(browser, live, page_errors, path):
    context, page = new_page(browser, page_errors, live.url, viewport={"width": 320, "height": 640})
    page.goto(path)
    assert_no_horizontal_overflow(page, path.strip("/") or "home")
    context.close()
    assert page_errors.errors == []


def test_reflow_at_320_px_logged_in(browser, live, page_errors):
    org = make_org("Stichting Zorg en Welzijn Regio Holland Rijnland Noord", kvk="12345678")
    make_user("beheer@example.org", name="Bram Beheer", admin=True, org=org, role=MemberRole.CONTACT)
    context, page = new_page(browser, page_errors, live.url, viewport={"width": 320, "height": 640})
    log_in(page, "beheer@example.org")
    for path in ["/", "/account", f"/organisation/{org.id}", "/admin/users", f"/admin/organisations/{org.id}"]:
        page.goto(path)
        assert_no_horizontal_overflow(page, path.strip("/").replace("/", "-") or "home-logged-in")
    context.close()
    assert page_errors.errors == []


def test_idle_timeout_warning_offers_to_stay_logged_in(browser, page_errors, tmp_path):
    from datetime import timedelta

    server = LiveServer(tmp_path, IDLE_TIMEOUT=timedelta(seconds=12))
    try:
        with server.app.app_context():
            make_user("anna@example.org", name="Anna Jansen")
        context, page = new_page(browser, page_errors, server.url)
        log_in(page, "anna@example.org")
        logged_in_at = time.monotonic()
        warning = page.get_by_role("alertdialog", name="Uw sessie loopt bijna af")
        expect(warning).to_be_hidden()
        expect(warning).to_be_visible(timeout=10_000)  # 6 s before the 12 s idle timeout
        stay = warning.get_by_role("button", name="Ingelogd blijven")
        expect(stay).to_be_focused()
        check_accessibility(page, "session warning")
        stay.press("Enter")
        expect(warning).to_be_hidden()
        # Wait until the original timeout has certainly passed; the extension keeps the session.
        page.wait_for_timeout(max(0.0, 13.0 - (time.monotonic() - logged_in_at)) * 1000)
        page.get_by_role("link", name="Mijn account").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Mijn account")
        context.close()
        assert page_errors.errors == []
    finally:
        server.stop()
