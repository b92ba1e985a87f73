"""Open data in the browser: a visitor finds the "Open data" page from the footer, reads it at full width
and on a phone, and follows it to the OpenAPI description; a script on another website reads the API
(Chromium enforces CORS); an editor enters the procurement notice by keyboard, is told what is wrong
without losing what was typed, and the public page and the Open Contracting release then name it."""
from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from playwright.sync_api import expect
from sqlalchemy import select

from consult.consultations.models import Consultation
from consult.extensions import db
from tests.demo import load_demo
from tests.e2e.conftest import assert_no_horizontal_overflow, check_accessibility, sign_in_page

PUBLISHED = "dialoog-dagbesteding-2025"


class _Elsewhere(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<!doctype html><html lang='nl'><title>Elders</title><p>Een andere website</p></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def another_website():
    """A page of another origin (another port on this machine), without the platform's headers."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Elsewhere)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_a_visitor_finds_the_open_data_page_and_another_website_reads_the_api(page, live):
    load_demo()
    db.session.commit()
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="Open data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open data")
    expect(page.get_by_role("heading", name="De openbare consultaties")).to_be_visible()
    expect(page.get_by_text("GET /api/v1/consultations/{slug}/answers", exact=True)).to_be_visible()
    check_accessibility(page, "open data page")
    page.set_viewport_size({"width": 320, "height": 800})
    assert_no_horizontal_overflow(page, "open data page at 320 px")
    page.set_viewport_size({"width": 1280, "height": 800})
    # A script of another website (its own server on another port) reads the answer and its ETag: the
    # browser checks the CORS headers; the platform's own pages stay closed to it.
    with another_website() as elsewhere:
        other = page.context.new_page()
        other.goto(elsewhere)
        read = other.evaluate("""async (url) => {
            const response = await fetch(url, {headers: {"Accept": "application/json"}});
            return {status: response.status, etag: response.headers.get("ETag"), body: await response.json()};
        }""", f"{live.url}/api/v1/consultations?status=published")
        assert read["status"] == 200 and read["etag"]
        assert [item["slug"] for item in read["body"]["items"]] == [PUBLISHED]
        closed = other.evaluate("""async (url) => {
            try { await fetch(url); return "read"; } catch (error) { return "refused"; }
        }""", f"{live.url}/consultations")
        assert closed == "refused"
        other.close()
    # The description for computers, one click away.
    with page.expect_response(lambda r: r.url.endswith("/api/v1/openapi.json")) as described:
        page.get_by_role("link", name="De OpenAPI 3.1-beschrijving").click()
    assert json.loads(described.value.body())["openapi"] == "3.1.0"


def test_an_editor_enters_the_procurement_notice_by_keyboard(page, live):
    load_demo()
    db.session.commit()
    sign_in_page(page, "team@example.org", f"/consultations/{PUBLISHED}/manage")
    page.get_by_role("link", name="Aankondiging aanbesteding").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aankondiging aanbesteding")
    check_accessibility(page, "procurement notice page")
    page.get_by_label("Nummer van de aankondiging").focus()
    page.keyboard.type("412345")
    page.keyboard.press("Tab")
    page.keyboard.type("tenderned.nl/412345")
    page.keyboard.press("Enter")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Vul het hele adres in, beginnend met https://.")
    expect(page.get_by_label("Adres van de aankondiging")).to_have_value("tenderned.nl/412345")
    expect(page.get_by_label("Nummer van de aankondiging")).to_have_value("412345")
    check_accessibility(page, "procurement notice page with an error")
    # The summary's link leads to the field.
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Adres van de aankondiging")).to_be_focused()
    page.get_by_label("Adres van de aankondiging").fill("https://www.tenderned.nl/412345")
    page.get_by_label("Adres van de aankondiging").press("Enter")
    expect(page.get_by_text("De aankondiging van de aanbesteding is opgeslagen.")).to_be_visible()
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == PUBLISHED))
    db.session.refresh(consultation)
    assert consultation.procurement_notice == "412345"
    page.goto(f"/consultations/{PUBLISHED}")
    link = page.get_by_role("link", name="Lees aankondiging 412345 op www.tenderned.nl")
    expect(link).to_have_attribute("href", "https://www.tenderned.nl/412345")
    release = json.loads(page.request.get(f"/api/v1/consultations/{PUBLISHED}/ocds").body())["releases"][0]
    assert release["tender"]["id"] == "412345"
