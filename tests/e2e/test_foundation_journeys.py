"""Journeys through accounts and organisations, as a person does them in a browser."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from consult.auth.models import User
from consult.extensions import db
from consult.orgs.models import MemberRole
from tests.conftest import PASSWORD, make_org, make_user
from tests.e2e.conftest import check_accessibility, mail_link


def test_provider_registers_verifies_and_logs_in(page, live):
    page.goto("/")
    check_accessibility(page, "home")
    page.get_by_role("link", name="Meld uw organisatie aan").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meld uw organisatie aan")
    check_accessibility(page, "register")

    # A first attempt with mistakes: the error summary takes focus, the input stays.
    page.get_by_label("Naam van de organisatie").fill("Thuiszorg De Linde")
    page.get_by_label("KvK-nummer").fill("1234")
    page.get_by_role("button", name="Aanmelden").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Een KvK-nummer heeft 8 cijfers, bijvoorbeeld 12345678.")
    expect(summary).to_contain_text("Vul uw naam in.")
    expect(page.get_by_label("Naam van de organisatie")).to_have_value("Thuiszorg De Linde")
    expect(page).to_have_title("Fout: Meld uw organisatie aan · Consult")
    check_accessibility(page, "register with errors")

    # Following an error link moves to the field.
    summary.get_by_role("link", name="Een KvK-nummer heeft 8 cijfers, bijvoorbeeld 12345678.").click()
    expect(page.get_by_label("KvK-nummer")).to_be_focused()

    page.get_by_label("KvK-nummer").fill("12345678")
    page.get_by_label("Uw naam").fill("Lotte de Linde")
    page.get_by_label("Uw zakelijke e-mailadres").fill("lotte@delinde.example.org")
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_label("Herhaal het wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bijna klaar: bevestig uw e-mailadres")

    page.goto(mail_link(live, "/verify"))
    expect(page.get_by_role("status")).to_contain_text("uw e-mailadres is bevestigd")
    page.get_by_label("E-mailadres").fill("lotte@delinde.example.org")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", level=1, name="Welkom, Lotte de Linde")).to_be_visible()
    page.get_by_role("link", name="Mijn organisatie").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thuiszorg De Linde")
    check_accessibility(page, "organisation page")


def test_login_with_keyboard_only(page, live):
    make_user("anna@example.org", name="Anna Jansen")
    page.goto("/login")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Naar de inhoud")).to_be_focused()
    page.keyboard.press("Enter")
    # Wrong password first: the summary gets focus.
    page.get_by_label("E-mailadres").focus()
    page.keyboard.type("anna@example.org")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Wachtwoord")).to_be_focused()
    page.keyboard.type("not the right password")
    page.keyboard.press("Enter")
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.locator("[data-error-summary]")).to_contain_text(
        "Het e-mailadres of het wachtwoord is niet juist.")
    check_accessibility(page, "login with error")
    page.get_by_label("Wachtwoord").focus()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Welkom, Anna Jansen")).to_be_visible()
    # Log out with the keyboard.
    page.get_by_role("button", name="Uitloggen").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("U bent uitgelogd.")


def test_admin_invites_a_person_who_accepts(page, second_page, live):
    make_user("beheer@example.org", name="Bram Beheer", admin=True)
    org = make_org("Zorg Noord")
    page.goto("/login")
    page.get_by_label("E-mailadres").fill("beheer@example.org")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("link", name="Beheer").click()
    check_accessibility(page, "admin users")
    page.get_by_role("link", name="Organisaties", exact=True).click()
    check_accessibility(page, "admin organisations")
    # Live search narrows the list without a page load (htmx), and the URL follows.
    page.get_by_label("Zoek op naam of KvK-nummer").fill("noord")
    expect(page.get_by_role("status")).to_have_text("1 organisatie gevonden")
    expect(page).to_have_url(f"{live.url}/admin/organisations?q=noord&kind=")
    check_accessibility(page, "admin organisations after search")
    page.get_by_role("link", name="Zorg Noord").click()
    check_accessibility(page, "admin organisation")
    page.get_by_label("E-mailadres van wie u uitnodigt").fill("nina@example.org")
    page.get_by_label("Rol", exact=True).select_option("contact")
    page.get_by_role("button", name="Uitnodiging versturen").click()
    expect(page.get_by_role("status")).to_have_text("Er is een uitnodiging verstuurd naar nina@example.org.")

    second_page.goto(mail_link(live, "/invitation"))
    check_accessibility(second_page, "invitation")
    second_page.get_by_label("Uw naam").fill("Nina Nieuw")
    second_page.get_by_label("Nieuw wachtwoord").fill(PASSWORD)
    second_page.get_by_label("Herhaal het nieuwe wachtwoord").fill(PASSWORD)
    second_page.get_by_role("button", name="Mijn account maken").click()
    expect(second_page.get_by_role("heading", level=1)).to_have_text("Zorg Noord")
    expect(second_page.get_by_role("heading", level=2, name="Een collega uitnodigen")).to_be_visible()
    user = db.session.scalar(select(User).where(User.email == "nina@example.org"))
    assert [(m.organisation_id, m.role) for m in user.memberships] == [(org.id, MemberRole.CONTACT)]


def test_admin_switches_an_account_off_with_confirmation(page, second_page, live):
    make_user("beheer@example.org", name="Bram Beheer", admin=True)
    target = make_user("lid@example.org", name="Lid Lidmaat")
    second_page.goto("/login")
    second_page.get_by_label("E-mailadres").fill("lid@example.org")
    second_page.get_by_label("Wachtwoord").fill(PASSWORD)
    second_page.get_by_role("button", name="Inloggen").click()
    expect(second_page.get_by_role("link", name="Mijn account")).to_be_visible()

    page.goto("/login")
    page.get_by_label("E-mailadres").fill("beheer@example.org")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.goto(f"/admin/users/{target.id}")
    check_accessibility(page, "admin user")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Account uitschakelen").click()
    expect(page.get_by_role("status")).to_contain_text("is uitgeschakeld")

    second_page.get_by_role("link", name="Mijn account").click()
    expect(second_page.get_by_role("heading", level=1)).to_have_text("Inloggen")
