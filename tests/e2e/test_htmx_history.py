"""Going Back after a live search restores the whole page (htmx's history-restore request gets the
full page, never a bare fragment)."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import PASSWORD, make_org, make_user
from tests.e2e.conftest import check_accessibility


def test_back_after_a_live_search_shows_the_whole_earlier_page(page, live):
    make_user("beheer@example.org", name="Bram Beheer", admin=True)
    make_org("Zorg Noord")
    make_org("Zorg Zuid")
    page.goto("/login")
    page.get_by_label("E-mailadres").fill("beheer@example.org")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.goto("/admin/organisations")
    search = page.get_by_label("Zoek op naam of KvK-nummer")
    search.fill("noord")
    expect(page).to_have_url(f"{live.url}/admin/organisations?q=noord&kind=")
    expect(page.get_by_role("status")).to_have_text("1 organisatie gevonden")
    search.fill("zuid")
    expect(page).to_have_url(f"{live.url}/admin/organisations?q=zuid&kind=")
    expect(page.get_by_role("link", name="Zorg Zuid")).to_be_visible()

    page.go_back()
    expect(page).to_have_url(f"{live.url}/admin/organisations?q=noord&kind=")
    # The whole page: its heading, the search form with the earlier query, the header and the results.
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisaties")
    expect(page.get_by_label("Zoek op naam of KvK-nummer")).to_have_value("noord")
    expect(page.get_by_role("banner")).to_be_visible()
    expect(page.get_by_role("link", name="Zorg Noord")).to_be_visible()
    expect(page.get_by_role("link", name="Zorg Zuid")).to_have_count(0)
    assert page.locator("body > header, body header").count() >= 1
    check_accessibility(page, "admin organisations after going back")
