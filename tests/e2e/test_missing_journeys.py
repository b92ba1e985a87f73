"""Input that goes missing or goes wrong, walked in the browser as people do it: a council member
types the introduction and adds a point; an analyst tags in bulk, takes a tag off again and
undoes it, and marks an excerpt by selecting it (or by keyboard); a provider skips a question
and sees the theme complete; wrong figures are named per question; a theme added with a double
click is one theme; a long title gives a web address of whole words."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from consult.advice.models import Advice, AdviceRequest, AdviceSubject
from consult.analysis.models import Coding, Tag
from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, TeamRole, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, Membership, OrgKind
from consult.responses.models import Answer, Publication
from consult.responses.services import save_answer, set_publication, start_response, submit
from tests.conftest import make_org, make_user
from tests.e2e.conftest import ARTIFACTS, assert_no_horizontal_overflow, check_accessibility, new_page, settle
from tests.e2e.test_response_journeys import log_in

ANSWERS = {
    "Zorg Noord": "Wij zien lange wachtlijsten voor begeleiding. Korte lijnen met het wijkteam helpen.",
    "Zorg Oost": "Korte lijnen met het wijkteam werken goed. Vervoer blijft een knelpunt.",
    "Zorg Zuid": "Vervoer naar de dagbesteding kost veel tijd.",
}


def screenshots(page, name: str) -> None:
    """How a person sees it, wide and narrow (kept in test-artifacts/ for a look)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(ARTIFACTS / f"missing-{name}-1280.png"), full_page=True)
    page.set_viewport_size({"width": 320, "height": 700})
    assert_no_horizontal_overflow(page, f"missing-{name}")
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def world(live):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Marktconsultatie Wmo", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=7), principles=[])
    theme = Theme(title="Bekostiging", position=0)
    theme.questions.extend([
        Question(text="Wat werkt goed in de wijk?", kind=QuestionKind.OPEN, position=0),
        Question(text="Kostprijs per uur begeleiding individueel?", kind=QuestionKind.NUMBER, unit="€ per uur",
                 position=1),
        Question(text="Kostprijs per uur begeleiding groep?", kind=QuestionKind.NUMBER, unit="€ per uur", position=2),
    ])
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    editor = make_user("eva@example.org", name="Eva Editor", org=leiden, role=MemberRole.CONTACT)
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=editor.id, role=TeamRole.EDITOR))
    db.session.commit()
    return {"consultation": consultation, "theme": theme, "q": {q.text: q for q in theme.questions}}


# --- the council's advice: nothing typed is lost ------------------------------------------------------

def test_council_types_the_introduction_and_adds_points_without_losing_it(page, world):
    raad = make_org("Adviesraad Leiden", kind=OrgKind.COUNCIL)
    make_user("carla@example.org", name="Carla Contact", org=raad, role=MemberRole.CONTACT)
    request = AdviceRequest(consultation_id=world["consultation"].id, subject=AdviceSubject.CONSULTATION,
                            question="Sluiten de thema's aan?", due_on=(utcnow() + timedelta(days=14)).date())
    request.advices.append(Advice(council_id=raad.id))
    db.session.add(request)
    db.session.commit()
    advice_url = f"/advice/{request.advices[0].id}"

    log_in(page, "carla@example.org")
    page.goto(advice_url)
    intro = page.get_by_role("textbox", name="Inleiding")
    intro.fill("De adviesraad adviseert op twee punten.")
    page.get_by_label("Titel van het adviespunt").fill("Betrek ervaringsdeskundigen")
    page.get_by_label("Advies", exact=True).fill("Laat cliënten meelezen met de eisen.")
    page.get_by_role("button", name="Adviespunt toevoegen").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text(
        ["De inleiding is opgeslagen.", "Adviespunt 1 is toegevoegd."])
    expect(intro).to_have_value("De adviesraad adviseert op twee punten.")
    expect(page.get_by_role("heading", name="Adviespunt 1: Betrek ervaringsdeskundigen")).to_be_visible()
    check_accessibility(page, "advice draft after adding a point")

    # Half a point and more introduction, then a button of another part: the problem is named,
    # everything typed stays, and the introduction is saved already.
    intro.fill("De adviesraad adviseert op drie punten.")
    page.get_by_label("Titel van het adviespunt").fill("Let op de avonduren")
    page.get_by_role("button", name="Inleiding opslaan").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator(".error-summary")).to_contain_text("Schrijf het adviespunt.")
    expect(page.get_by_label("Titel van het adviespunt")).to_have_value("Let op de avonduren")
    expect(intro).to_have_value("De adviesraad adviseert op drie punten.")
    check_accessibility(page, "advice draft with a half point")
    page.get_by_label("Advies", exact=True).fill("Vraag naar bereikbaarheid buiten kantoortijd.")
    page.get_by_role("button", name="Adviespunt toevoegen").click()
    expect(page.get_by_role("heading", name="Adviespunt 2: Let op de avonduren")).to_be_visible()
    with db.session.no_autoflush:
        db.session.expire_all()
        advice = db.session.get(Advice, request.advices[0].id)
        assert advice.introduction == "De adviesraad adviseert op drie punten."
        assert [p.title for p in advice.points] == ["Betrek ervaringsdeskundigen", "Let op de avonduren"]

    # Typed, then moving a point: the text goes along with the button.
    intro.fill("De adviesraad adviseert op twee punten, in deze volgorde.")
    page.get_by_role("button", name="Omhoog verplaatsen adviespunt 2").click()
    expect(page.get_by_role("heading", name="Adviespunt 1: Let op de avonduren")).to_be_visible()
    expect(intro).to_have_value("De adviesraad adviseert op twee punten, in deze volgorde.")

    # Typed, then leaving by a link: the browser asks first, and staying keeps the text.
    intro.fill("Nog een zin die niet weg mag.")
    asked = []

    def stay(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    page.get_by_role("link", name="Alle adviezen over deze consultatie").click()
    expect(intro).to_have_value("Nog een zin die niet weg mag.")
    assert asked == ["beforeunload"]
    expect(page).to_have_url(re.compile(rf"{advice_url}(#[\w-]+)?$"))
    screenshots(page, "advice-draft")
    page.get_by_role("button", name="Inleiding opslaan").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("De inleiding is opgeslagen.")
    page.get_by_role("link", name="Alle adviezen over deze consultatie").click()  # nothing unsaved: no question
    expect(page.get_by_role("heading", level=1)).to_have_text("Advies van de adviesraden")


# --- bulk tagging, its undo, and excerpts by selection ----------------------------------------------

@pytest.fixture
def analysing(world):
    question = world["q"]["Wat werkt goed in de wijk?"]
    for n, (name, text) in enumerate(ANSWERS.items()):
        org = make_org(name, kvk=f"1000000{n}")
        user = make_user(f"lid{n}@example.org", org=org)
        response = start_response(world["consultation"], org, by=user)
        save_answer(response, question, text, False, None, by=user)
        set_publication(response, Publication.NAMED, by=user)
        submit(response, by=user, notify=False)
    for name in ("Aanbod", "Wachtlijst"):
        db.session.add(Tag(consultation_id=world["consultation"].id, name=name))
    db.session.commit()
    return {"question": question, "url": f"/consultations/wmo/analysis/questions/{question.id}"}


def card(page, org: str):
    return page.locator(".answer-card", has=page.get_by_role("heading", name=re.compile(org)))


def test_analyst_tags_in_bulk_takes_a_tag_off_and_undoes(page, analysing):
    log_in(page, "eva@example.org")
    page.goto(analysing["url"])
    bulk = page.get_by_label("Tag om toe te voegen of te verwijderen")
    expect(bulk).to_have_value("")  # no tag chosen beforehand
    page.get_by_role("button", name="Alle 3 overeenkomende antwoorden taggen").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator(".error-summary")).to_contain_text("Kies een tag.")
    check_accessibility(page, "bulk tagging without a tag")

    page.get_by_label("Tekst bevat").fill("Korte lijnen")
    page.get_by_role("button", name="Filteren").click()
    page.get_by_label("Tag om toe te voegen of te verwijderen").select_option(label="Wachtlijst")
    page.get_by_role("button", name="Alle 2 overeenkomende antwoorden taggen").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("Tag “Wachtlijst” toegevoegd aan 2 antwoorden.")
    for org in ("Zorg Noord", "Zorg Oost"):
        expect(card(page, org).locator(".tag-chip", has_text="Wachtlijst")).to_be_visible()

    # That was the wrong tag: undo it, exactly.
    undo = page.get_by_role("button", name="Ongedaan maken de laatste actie op meerdere antwoorden")
    expect(page.locator("#undo-bulk")).to_contain_text("tag “Wachtlijst” toegevoegd aan 2 antwoorden.")
    check_accessibility(page, "bulk tagging with undo")
    undo.click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text(
        "Ongedaan gemaakt: tag “Wachtlijst” is weer weggehaald bij 2 antwoorden.")
    expect(page.locator(".answer-card .tag-chip")).to_have_count(0)
    expect(page.locator("#undo-bulk")).to_have_count(0)

    # Tag two by hand-picked selection, then take the tag off one of them in bulk.
    page.get_by_label("Tag om toe te voegen of te verwijderen").select_option(label="Aanbod")
    page.get_by_label("Het antwoord van Zorg Noord selecteren").check()
    page.get_by_label("Het antwoord van Zorg Oost selecteren").check()
    page.get_by_role("button", name="De geselecteerde antwoorden taggen").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("Tag “Aanbod” toegevoegd aan 2 antwoorden.")
    page.get_by_label("Tag om toe te voegen of te verwijderen").select_option(label="Aanbod")
    page.get_by_label("Het antwoord van Zorg Oost selecteren").check()
    page.get_by_role("button", name="De tag verwijderen bij de geselecteerde antwoorden").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("Tag “Aanbod” verwijderd bij 1 antwoord.")
    expect(card(page, "Zorg Noord").locator(".tag-chip", has_text="Aanbod")).to_be_visible()
    expect(card(page, "Zorg Oost").locator(".tag-chip")).to_have_count(0)
    page.get_by_role("button", name="Ongedaan maken de laatste actie op meerdere antwoorden").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("Ongedaan gemaakt: tag “Aanbod” staat weer bij 1 antwoord.")
    expect(card(page, "Zorg Oost").locator(".tag-chip", has_text="Aanbod")).to_be_visible()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Coding)) == 2
    screenshots(page, "analysis-bulk")


def test_analyst_marks_an_excerpt_by_selecting_it_or_by_keyboard(page, analysing):
    log_in(page, "eva@example.org")
    page.goto(analysing["url"])
    oost = card(page, "Zorg Oost")
    text = oost.locator(".answer-card__text")
    # Select "Vervoer blijft een knelpunt" with the mouse: press on its first letter and
    # drag to the end of the sentence.
    text.scroll_into_view_if_needed()
    word = text.evaluate("""(element) => {
        const node = element.firstChild, start = node.data.indexOf('Vervoer'), end = node.data.indexOf('.', start);
        const rect = (from, to) => { const r = document.createRange(); r.setStart(node, from); r.setEnd(node, to);
                                     return r.getBoundingClientRect(); };
        const first = rect(start, start + 1), last = rect(end - 1, end);
        return {x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2};
    }""")
    page.mouse.move(word["x1"], word["y1"])
    page.mouse.down()
    page.mouse.move(word["x2"], word["y2"], steps=8)
    page.mouse.up()
    selected = page.evaluate("() => window.getSelection().toString()")
    assert selected == "Vervoer blijft een knelpunt"
    oost.get_by_role("button", name="Geselecteerde tekst markeren van het antwoord van Zorg Oost").click()
    field = oost.get_by_label("Fragment")
    expect(field).to_be_focused()
    expect(field).to_have_value("Vervoer blijft een knelpunt")
    check_accessibility(page, "excerpt taken from a selection")
    oost.get_by_role("combobox", name="Tag").select_option(label="Aanbod")
    oost.get_by_label("Kerncitaat voor het verslag").check()
    oost.get_by_role("button", name="Fragment markeren").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("Het fragment is gemarkeerd.")
    expect(card(page, "Zorg Oost").get_by_text("(toegeschreven aan: Zorg Oost): “Vervoer blijft een knelpunt”")).to_be_visible()
    db.session.expire_all()
    start = ANSWERS["Zorg Oost"].index("Vervoer")
    assert db.session.execute(select(Coding.start, Coding.end).where(Coding.start.is_not(None))).one() == (
        start, start + len("Vervoer blijft een knelpunt"))

    # Nothing selected: the button says what to do.
    zuid = card(page, "Zorg Zuid")
    page.evaluate("() => window.getSelection().removeAllRanges()")
    zuid.get_by_role("button", name="Geselecteerde tekst markeren van het antwoord van Zorg Zuid").click()
    expect(zuid.get_by_role("status")).to_have_text("Selecteer eerst met de muis een deel van het antwoord.")

    # By keyboard: open the form, put the whole answer in the field, delete what is not needed.
    noord = card(page, "Zorg Noord")
    summary = noord.get_by_text("Een fragment markeren")
    summary.focus()
    page.keyboard.press("Enter")
    whole = noord.get_by_role("button", name="Het hele antwoord in het veld zetten")
    whole.focus()
    page.keyboard.press("Enter")
    field = noord.get_by_label("Fragment")
    expect(field).to_be_focused()
    expect(field).to_have_value(ANSWERS["Zorg Noord"])
    page.keyboard.press("Control+Home")
    for _ in range(len("Wij zien ")):
        page.keyboard.press("Delete")
    page.keyboard.press("Control+End")
    for _ in range(len(" Korte lijnen met het wijkteam helpen.")):
        page.keyboard.press("Backspace")
    expect(field).to_have_value("lange wachtlijsten voor begeleiding.")
    page.keyboard.press("Tab")  # past "put the whole answer in the field"
    page.keyboard.press("Tab")  # past the tag (none: a key quote only)
    page.keyboard.press("Tab")  # to "key quote"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # to "mark excerpt"
    expect(noord.get_by_role("button", name="Fragment markeren")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("Het fragment is gemarkeerd.")
    expect(card(page, "Zorg Noord").get_by_text("“lange wachtlijsten voor begeleiding.”")).to_be_visible()
    screenshots(page, "analysis-excerpt")


# --- a provider: the theme is complete when every question is answered or skipped; summaries ----------

def test_provider_skips_a_question_and_sees_the_theme_complete(page, world):
    org = make_org("Thuiszorg De Linde", kvk="12345678")
    make_user("lotte@example.org", name="Lotte Linde", org=org, role=MemberRole.CONTACT)
    lotte = db.session.scalar(select(Membership).where(Membership.organisation_id == org.id)).user
    response = start_response(world["consultation"], org, by=lotte)
    db.session.commit()
    q = world["q"]
    log_in(page, "lotte@example.org")
    page.goto(f"/responses/{response.id}/themes/{world['theme'].id}")
    one, two = q["Kostprijs per uur begeleiding individueel?"], q["Kostprijs per uur begeleiding groep?"]

    # Wrong figures: every summary line says which question it is about.
    page.get_by_label(one.text).fill("veel")
    page.get_by_label(two.text).fill("4,5,6")
    page.get_by_role("button", name="Opslaan", exact=True).click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text([
        "“Kostprijs per uur begeleiding individueel?”: Vul een getal in, zoals 45,50.",
        "“Kostprijs per uur begeleiding groep?”: Vul een getal in, zoals 45,50."])
    check_accessibility(page, "error summary naming its questions")
    summary.get_by_role("link").nth(1).click()
    expect(page.get_by_label(two.text)).to_be_focused()

    page.get_by_label("Wat werkt goed in de wijk?").fill("Korte lijnen met het wijkteam.")
    page.get_by_label(one.text).fill("61,50")
    page.get_by_label(two.text).fill("")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Opslaan", exact=True).click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text("Uw antwoorden zijn opgeslagen.")
    page.get_by_role("link", name="Overzicht van de reactie").click()
    theme = page.locator(".task-list__item", has=page.get_by_role("link", name="Bekostiging"))
    expect(theme.locator(".task-status")).to_have_text("Bezig")
    expect(theme.locator(".task-list__meta")).to_have_text("2 van 3 vragen beantwoord")

    page.get_by_role("link", name="Bekostiging").click()
    skip = page.locator(".response-question", has=page.get_by_label(two.text)).get_by_label(
        "Deze vraag beantwoorden wij niet")
    skip.check()
    expect(page.locator(f"#status-{two.id}")).to_have_text(re.compile(r"^Concept opgeslagen om \d\d:\d\d$"))
    check_accessibility(page, "question skipped")
    screenshots(page, "response-skip")
    page.get_by_role("link", name="Overzicht van de reactie").click()
    expect(theme.locator(".task-status")).to_have_text("Afgerond")
    expect(theme.locator(".task-list__meta")).to_have_text("2 van 3 vragen beantwoord; 1 overgeslagen")
    db.session.expire_all()
    assert db.session.scalar(select(Answer.skipped).where(Answer.question_id == two.id)) is True


# --- the questions editor: a double click adds one theme; web addresses of whole words ---------------

def test_editor_double_clicks_add_theme_and_gets_one_theme(page, browser, live, page_errors):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    make_user("beheer@example.org", name="Bram Beheer", admin=True)
    make_user("team@example.org", name="Tessa Teamlid", org=leiden, role=MemberRole.CONTACT)
    log_in(page, "beheer@example.org")
    page.goto("/consultations/new")
    title = "Marktconsultatie maatschappelijke ondersteuning en begeleiding Leidse regio 2026"
    page.get_by_label("Titel").fill(title)
    page.get_by_label("Gemeente Leiden").check()
    page.get_by_role("button", name="Concept aanmaken").click()
    slug = "marktconsultatie-maatschappelijke-ondersteuning-en-begeleiding-leidse"
    expect(page).to_have_url(re.compile(rf"/consultations/{slug}/team$"))

    page.goto(f"/consultations/{slug}/manage/questions")
    page.get_by_label("Titel van het thema").fill("Cliënt")
    page.get_by_role("button", name="Thema toevoegen").dblclick()
    settle(page)
    expect(page.get_by_role("heading", name="1. Cliënt")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^2\. "))).to_have_count(0)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Theme)) == 1

    page.get_by_label("Titel van het thema").fill("cliënt")
    page.get_by_label("Inleiding").fill("Een andere inleiding.")
    page.get_by_role("button", name="Thema toevoegen").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.locator("[data-error-summary]")).to_contain_text("Er is al een thema met deze titel.")
    expect(page.get_by_label("Inleiding")).to_have_value("Een andere inleiding.")
    check_accessibility(page, "theme title in use")
    settle(page)

    # Without JavaScript the form is sent twice by going back and sending it again.
    context, plain = new_page(browser, page_errors, live.url, java_script_enabled=False)
    log_in(plain, "beheer@example.org")
    plain.goto(f"/consultations/{slug}/manage/questions")
    plain.get_by_label("Titel van het thema").fill("Samenwerking")
    plain.get_by_role("button", name="Thema toevoegen").click()
    expect(plain.locator(".utrecht-alert[role=status]")).to_have_text("Het thema is toegevoegd.")
    plain.go_back()
    plain.get_by_label("Titel van het thema").fill("Samenwerking")
    plain.get_by_role("button", name="Thema toevoegen").click()
    expect(plain.locator(".utrecht-alert[role=status]")).to_have_text("Het thema “Samenwerking” was al toegevoegd.")
    context.close()
    db.session.expire_all()
    assert list(db.session.scalars(select(Theme.title).order_by(Theme.position))) == ["Cliënt", "Samenwerking"]
