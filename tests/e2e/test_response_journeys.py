"""A provider answers across two sittings with the keyboard, submits and verifies its receipt;
a colleague editing at the same time gets the conflict screen."""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from consult.consultations.models import Consultation, Question, QuestionKind, Status, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from consult.responses.models import Answer, Submission
from tests.conftest import make_org, make_user
from tests.e2e.conftest import assert_no_horizontal_overflow, check_accessibility, new_page, sign_in_page


def consultation_with_two_themes() -> Consultation:
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Marktconsultatie Wmo", status=Status.OPEN,
                                municipalities=[leiden], closes_at=utcnow() + timedelta(days=7), principles=[])
    client = Theme(title="Cliënt", position=0)
    client.questions.append(Question(text="Wat heeft de inwoner nodig?", kind=QuestionKind.OPEN, position=0,
                                     required=True, required_reason="Kernvraag"))
    client.questions.append(Question(text="Hoe tevreden bent u over de toegang?", kind=QuestionKind.SCALE,
                                     position=1, scale_low_label="zeer ontevreden", scale_high_label="zeer tevreden"))
    service = Theme(title="Dienstverlening", position=1)
    service.questions.append(Question(text="Welke bekostiging past het best?", kind=QuestionKind.SINGLE, position=0,
                                      options=["Lumpsum", "Per traject", "Uren maal tarief"]))
    service.questions.append(Question(text="Wat is uw kostprijs per uur?", kind=QuestionKind.NUMBER, position=1,
                                      unit="€ per uur", min_value=0, max_value=250))
    consultation.themes.extend([client, service])
    db.session.add(consultation)
    db.session.commit()
    return consultation


log_in = sign_in_page  # these journeys start logged in; logging in is tested on its own


def test_provider_answers_in_two_sittings_submits_and_verifies(page, browser, live, page_errors):
    consultation = consultation_with_two_themes()
    org = make_org("Thuiszorg De Linde", kvk="12345678")
    make_user("lotte@example.org", name="Lotte Linde", org=org, role=MemberRole.CONTACT)

    # First sitting: start, answer the first theme by keyboard; autosave keeps it.
    log_in(page, "lotte@example.org")
    page.goto("/consultations/wmo")
    start = page.get_by_role("button", name="Begin de reactie van Thuiszorg De Linde")
    start.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Onze reactie")
    expect(page.get_by_text("Niet begonnen").first).to_be_visible()
    check_accessibility(page, "response overview")
    page.get_by_role("link", name="Cliënt").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_title("Stap 1 van 3: Cliënt · Onze reactie · Consult")
    check_accessibility(page, "response step 1")
    answer = page.get_by_label("Wat heeft de inwoner nodig? (verplicht)")
    answer.focus()
    page.keyboard.type("Een vaste contactpersoon en snelle toegang.")
    expect(page.get_by_text(re.compile(r"Concept opgeslagen om \d\d:\d\d")).first).to_be_visible(timeout=8000)
    expect(page.get_by_text("43 van maximaal 10.000 tekens")).to_be_visible()
    check_accessibility(page, "after autosave")
    page.keyboard.press("Tab")  # to the confidentiality switch
    page.keyboard.press("Tab")  # to the first scale option
    page.keyboard.press("ArrowRight")  # radio groups move with the arrow keys: now "2"
    expect(page.get_by_label("2", exact=True)).to_be_checked()
    page.wait_for_timeout(300)
    page.close()

    # Second sitting, another browser: everything is still there.
    context, second = new_page(browser, page_errors, live.url)
    log_in(second, "lotte@example.org")
    second.goto("/consultations/wmo")
    second.get_by_role("button", name="Verder met de reactie van Thuiszorg De Linde").click()
    expect(second.get_by_text("Afgerond").first).to_be_visible()
    second.get_by_role("link", name="Cliënt").click()
    expect(second.get_by_label("Wat heeft de inwoner nodig? (verplicht)")).to_have_value(
        "Een vaste contactpersoon en snelle toegang.")
    expect(second.get_by_label("2", exact=True)).to_be_checked()
    second.get_by_role("button", name="Opslaan en verder").click()
    expect(second).to_have_title("Stap 2 van 3: Dienstverlening · Onze reactie · Consult")
    second.get_by_label("Per traject").check()
    second.get_by_label("Wat is uw kostprijs per uur?").fill("300")
    second.get_by_role("button", name="Opslaan en controleren").click()
    summary = second.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Vul een getal in van hooguit 250.")
    expect(second.get_by_label("Wat is uw kostprijs per uur?")).to_have_value("300")
    check_accessibility(second, "response step 2 with error")
    second.get_by_label("Wat is uw kostprijs per uur?").fill("62,50")
    second.locator("#question-" + str(consultation.themes[1].questions[1].id)).get_by_label("Vertrouwelijk").check()
    second.get_by_role("button", name="Opslaan en controleren").click()
    expect(second).to_have_title("Stap 3 van 3: Controleren en indienen · Onze reactie · Consult")
    expect(second.get_by_text("€\N{NO-BREAK SPACE}62,50 per uur")).to_be_visible()
    check_accessibility(second, "review")

    # Submitting without choosing: the summary says what is missing.
    second.get_by_role("button", name="Reactie indienen").click()
    expect(second.locator("[data-error-summary]")).to_contain_text("Kies of en hoe uw antwoorden gepubliceerd mogen worden.")
    second.get_by_label("Onze antwoorden publiceren zonder de naam van onze organisatie").check()
    second.get_by_label("Ik dien deze reactie in namens Thuiszorg De Linde.").check()
    second.get_by_role("button", name="Reactie indienen").click()
    expect(second.get_by_role("heading", level=1)).to_have_text("Reactie ingediend")
    check_accessibility(second, "receipt")
    code = second.locator("#receipt-code").inner_text()
    submission = db.session.scalar(select(Submission))
    assert code.replace("-", "").lower() == submission.receipt_code
    assert [a.confidential for a in db.session.scalars(select(Answer).order_by(Answer.question_id))] == [
        False, False, False, True]

    second.get_by_role("link", name="Dit ontvangstbewijs controleren").click()
    expect(second.get_by_role("status")).to_contain_text("Geldig.")
    check_accessibility(second, "verify")
    context.close()


def test_two_colleagues_editing_at_once_get_the_conflict_screen(page, second_page, live, page_errors):
    page_errors.allowed_statuses = {409}  # the stale saves answer 409 by design
    consultation = consultation_with_two_themes()
    org = make_org("Thuiszorg De Linde", kvk="12345678")
    make_user("lotte@example.org", name="Lotte Linde", org=org, role=MemberRole.CONTACT)
    make_user("bas@example.org", name="Bas Linde", org=org)
    theme_id = consultation.themes[0].id

    log_in(page, "lotte@example.org")
    page.goto("/consultations/wmo")
    page.get_by_role("button", name="Begin de reactie van Thuiszorg De Linde").click()
    response_url = page.url
    log_in(second_page, "bas@example.org")
    # Both open the same theme page at version 0.
    page.goto(f"{response_url}/themes/{theme_id}")
    second_page.goto(f"{response_url}/themes/{theme_id}")

    page.get_by_label("Wat heeft de inwoner nodig? (verplicht)").fill("Tekst van Lotte")
    page.get_by_label("Wat heeft de inwoner nodig? (verplicht)").blur()
    expect(page.get_by_text(re.compile("Concept opgeslagen om")).first).to_be_visible(timeout=8000)

    field = second_page.get_by_label("Wat heeft de inwoner nodig? (verplicht)")
    field.fill("Tekst van Bas")
    field.blur()
    conflict = second_page.locator(".conflict")
    expect(conflict).to_be_visible(timeout=8000)
    expect(conflict).to_contain_text("Een collega heeft dit antwoord intussen gewijzigd.")
    expect(conflict).to_contain_text("Tekst van Lotte")
    expect(conflict).to_contain_text("Tekst van Bas")
    expect(conflict).to_contain_text("Opgeslagen door Lotte Linde om")
    expect(field).to_have_value("Tekst van Bas")  # his text is kept
    check_accessibility(second_page, "conflict screen")
    question_id = consultation.themes[0].questions[0].id
    assert db.session.scalar(select(Answer.value).where(Answer.question_id == question_id)) == "Tekst van Lotte"

    second_page.get_by_role("button", name="Mijn tekst bewaren").click()
    expect(second_page.get_by_text(re.compile("Concept opgeslagen om")).first).to_be_visible()
    db.session.expire_all()
    assert db.session.scalar(select(Answer.value).where(Answer.question_id == question_id)) == "Tekst van Bas"

    # Lotte's next save is now stale: she chooses her colleague's text instead.
    page.get_by_label("Wat heeft de inwoner nodig? (verplicht)").fill("Tekst van Lotte, aangevuld")
    page.get_by_label("Wat heeft de inwoner nodig? (verplicht)").blur()
    expect(page.locator(".conflict")).to_be_visible(timeout=8000)
    page.get_by_role("link", name="Tekst van mijn collega overnemen").click()
    expect(page.get_by_label("Wat heeft de inwoner nodig? (verplicht)")).to_have_value("Tekst van Bas", timeout=10000)


def test_response_flow_reflows_at_320_px(browser, live, page_errors):
    consultation = consultation_with_two_themes()
    org = make_org("Stichting Thuiszorg en Welzijn Regio Holland Rijnland", kvk="12345678")
    make_user("lotte@example.org", name="Lotte Linde", org=org, role=MemberRole.CONTACT)
    context, page = new_page(browser, page_errors, live.url, viewport={"width": 320, "height": 640})
    log_in(page, "lotte@example.org")
    page.goto("/consultations/wmo")
    page.get_by_role("button", name=re.compile("Begin de reactie")).click()
    assert_no_horizontal_overflow(page, "response-overview")
    for theme in consultation.themes:
        page.goto(f"{page.url.split('/themes')[0].split('/review')[0]}/themes/{theme.id}")
        check_accessibility(page, f"320 px {theme.title}")
        assert_no_horizontal_overflow(page, f"response-theme-{theme.id}")
    page.goto(page.url.split("/themes")[0] + "/review")
    assert_no_horizontal_overflow(page, "response-review")
    context.close()
    assert page_errors.errors == []
