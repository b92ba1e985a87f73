"""Two-step login, the audit trail, and a person's own data, as people meet them in a browser."""
from __future__ import annotations

import json
import re

import pyotp
from playwright.sync_api import expect

from consult.consultations.models import Consultation, Status, TeamMember, TeamRole
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from tests.conftest import PASSWORD, make_org, make_user
from tests.e2e.conftest import LiveServer, check_accessibility, new_page


def _password_step(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_label("Wachtwoord").press("Enter")


def _next_code(secret: str) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(utcnow()) + 1)


def test_admin_sets_up_two_step_login_then_reads_and_exports_the_audit_trail(browser, page_errors, tmp_path):
    server = LiveServer(tmp_path, TWO_FACTOR_REQUIRED=True)
    try:
        with server.app.app_context():
            make_user("beheer@example.org", name="Bram Beheer", admin=True)
            make_user("lid@example.org", name="Lid Lidmaat", org=make_org("Zorg Noord", kvk="12345678"))
        context, page = new_page(browser, page_errors, server.url)
        _password_step(page, "beheer@example.org")
        # An admin reaches nothing before two-step login is on.
        expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen in twee stappen instellen")
        page.goto("/admin/users")
        expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen in twee stappen instellen")
        expect(page.get_by_role("img", name="QR-code om dit platform aan uw authenticator-app toe te voegen")).to_be_visible()
        check_accessibility(page, "two-factor setup")
        secret = page.locator("code.secret-key").inner_text().replace(" ", "")
        code = page.get_by_label("Code")
        code.fill("123")
        code.press("Enter")
        expect(page.locator("[data-error-summary]")).to_be_focused()
        check_accessibility(page, "two-factor setup with errors")
        page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
        page.get_by_label("Code").press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Uw herstelcodes")
        codes = page.get_by_role("list", name="Herstelcodes").get_by_role("listitem")
        expect(codes).to_have_count(10)
        check_accessibility(page, "recovery codes")
        # The audit trail, filtered by action with the keyboard.
        page.goto("/admin/audit")
        check_accessibility(page, "audit trail")
        page.get_by_label("Actie").select_option("two_factor_enabled")
        page.get_by_role("button", name="Filteren").press("Enter")
        expect(page.get_by_role("status")).to_have_text("1 gebeurtenis gevonden")
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Downloaden als CSV").click()
        download = download_info.value
        assert download.suggested_filename.startswith("audit-platform-")
        rows = download.path().read_text(encoding="utf-8-sig").splitlines()
        assert len(rows) == 2 and ";two_factor_enabled;" in rows[1]
        # Logging in again asks for a code; a wrong one is explained, a fresh one works.
        page.get_by_role("button", name="Uitloggen").click()
        _password_step(page, "beheer@example.org")
        expect(page.get_by_role("heading", level=1)).to_have_text("Vul uw inlogcode in")
        check_accessibility(page, "login code")
        page.get_by_label("Code").fill("000000")
        page.get_by_label("Code").press("Enter")
        expect(page.locator("[data-error-summary]")).to_be_focused()
        page.get_by_label("Code").fill(_next_code(secret))
        page.get_by_label("Code").press("Enter")
        expect(page.get_by_role("link", name="Mijn account")).to_be_visible()
        page.goto("/admin/users")
        expect(page.get_by_role("heading", level=1)).to_have_text("Gebruikers")
        context.close()
        assert page_errors.errors == []
    finally:
        server.stop()


def test_provider_downloads_their_data_and_asks_for_deletion_which_an_admin_confirms(page, live, browser, page_errors):
    org = make_org("Zorg Noord", kvk="12345678")
    make_user("lid@example.org", name="Lid Lidmaat", org=org, role=MemberRole.CONTACT)
    make_user("beheer@example.org", name="Bram Beheer", admin=True)
    _password_step(page, "lid@example.org")
    page.get_by_role("link", name="Mijn account").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Mijn gegevens downloaden (JSON)").click()
    data = json.loads(download_info.value.path().read_text(encoding="utf-8"))
    assert data["profile"]["email"] == "lid@example.org"
    assert data["records"]["memberships"]["user_id"][0]["organisation_id"] == org.id
    page.get_by_role("link", name="Mijn account verwijderen").click()
    check_accessibility(page, "delete account")
    page.get_by_role("button", name="Vragen om mijn account te verwijderen").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    check_accessibility(page, "delete account with errors")
    page.get_by_label(re.compile("Ik begrijp dat mijn account")).check()
    page.get_by_role("button", name="Vragen om mijn account te verwijderen").click()
    expect(page.get_by_text("Uw verzoek is verstuurd.")).to_be_visible()
    context, admin = new_page(browser, page_errors, live.url)
    _password_step(admin, "beheer@example.org")
    admin.goto("/admin/erasure")
    check_accessibility(admin, "deletion requests")
    admin.once("dialog", lambda dialog: dialog.accept())
    admin.get_by_role("button", name="Account verwijderen").click()
    expect(admin.get_by_text("Het account is verwijderd.")).to_be_visible()
    expect(admin.get_by_role("cell", name="Verwijderde gebruiker")).to_be_visible()
    context.close()
    # The person's session has ended.
    page.goto("/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    assert page_errors.errors == []


def test_editor_sets_the_retention_period(page, live):
    municipality = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo 2027", status=Status.CLOSED, principles=[],
                                municipalities=[municipality], closes_at=utcnow())
    editor = make_user("team@example.org", name="Tessa Teamlid", org=municipality)
    db.session.add_all([consultation, TeamMember(consultation=consultation, user=editor, role=TeamRole.EDITOR)])
    db.session.commit()
    _password_step(page, "team@example.org")
    page.goto("/consultations/wmo/manage/retention")
    check_accessibility(page, "retention")
    page.get_by_label("Einde van de inkoop (datum)").fill("2029-12-31")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_text("De bewaartermijn is opgeslagen.")).to_be_visible()
    expect(page.get_by_text("tot en met 31 december 2031")).to_be_visible()
