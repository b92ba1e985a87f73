"""The tariff dialogue in the browser, from the question editor to the report.

The team adds a cost-price sheet for two products in the question editor; a provider fills it in with
the keyboard alone, watching the server's arithmetic follow the typing, and submits it with the
keyboard; four more providers fill theirs in the browser too. After the deadline the provider sees its
figures beside the group's band, and the team reads every sheet with the outlier, models two funding
scenarios in the browser, compares them, chooses one, links it to the strategy's funding form and finds
the tariff's derivation in the report preview. Another provider, on a phone, is told in Dutch what is
wrong with a figure and keeps what was typed."""
from __future__ import annotations

import math
import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from consult.auth.models import User
from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, TeamRole, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, Organisation, OrgKind
from consult.responses.answers import SHEET_FIELDS
from consult.responses.costprice import compute
from consult.responses.models import Response
from consult.responses.services import start_response
from consult.strategy.services import add_segment, create_draft
from consult.tariffs.models import FundingScenario, ScenarioForm
from tests.conftest import make_org, make_user
from tests.e2e.conftest import assert_no_horizontal_overflow, check_accessibility, settle, sign_in_page
from tests.test_cost_price import DAY_CARE, HOME_CARE, PRODUCTS

log_in = sign_in_page  # these journeys start logged in; logging in is tested on its own

COST_PRICE_KIND = "Kostprijsopbouw (de opbouw van een reële prijs per product, altijd vertrouwelijk)"
QUESTION = "Hoe is uw kostprijs opgebouwd?"

# The worked examples (tests/test_cost_price.py: € 41,68 per uur and € 39,59 per dagdeel) as a person
# types them: Dutch notation; optional fields that leave the price alone given too (indexation, volume)
# or left empty (their defaults).
HOME_CARE_TYPED = {"grade": "Cao VVT, FWG 25 trede 4", "salary": "2.600", "allowances": "16,33", "employer": "25",
                   "contract_hours": "1.872", "absence": "6", "indirect": "15", "training_time": "2",
                   "travel_time": "7", "training_costs": "400", "travel_costs": "1,20", "overhead": "12",
                   "margin": "3", "indexation": "2,5", "volume": "12.000"}
DAY_CARE_TYPED = {"grade": "Cao Sociaal Werk, schaal 7, trede 5", "salary": "3.300", "allowances": "16,33",
                  "employer": "26", "contract_hours": "1.872", "absence": "5", "indirect": "18", "training_time": "2",
                  "travel_time": "0", "training_costs": "700", "hours_per_unit": "0,5", "other_costs": "12,50",
                  "overhead": "15", "margin": "3"}


def euro(value: float) -> str:
    """An amount as the pages write it: '€ 1.234,56' (Playwright reads the no-break space as a space)."""
    return "€ " + f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


def figures(n: int) -> tuple[dict, dict]:
    """Provider n's figures for the two products: the worked examples for the first, then salary and
    overhead rising with n; the fifth's overhead is far above the group's."""
    home = {**HOME_CARE, "salary": HOME_CARE["salary"] + 60 * n, "overhead": 12 + n, "volume": 1000 + 100 * n}
    day = {**DAY_CARE, "salary": DAY_CARE["salary"] + 40 * n, "overhead": 15 + n}
    if n == 4:
        home["overhead"] = 45
    return home, day


def _consultation(*, with_sheet: bool = False) -> tuple[Consultation, Theme, list]:
    """An open consultation of two municipalities with an empty theme (or one holding a cost-price
    sheet) and an editor in its team."""
    towns = [make_org(f"Gemeente {name}", kind=OrgKind.MUNICIPALITY) for name in ("Leiden", "Leiderdorp")]
    consultation = Consultation(slug="wmo", title="Wmo Leidse regio", status=Status.OPEN, principles=[],
                                municipalities=towns, closes_at=utcnow() + timedelta(days=10))
    theme = Theme(title="Tariefdialoog", position=0)
    if with_sheet:
        theme.questions.append(Question(text=QUESTION, kind=QuestionKind.COST_PRICE, options=PRODUCTS, position=0,
                                        confidential_default=True, confidential_in_totals=True))
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    editor = make_user("eva@example.org", name="Eva Editor", org=towns[0], role=MemberRole.CONTACT)
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=editor.id, role=TeamRole.EDITOR))
    db.session.commit()
    return consultation, theme, towns


def typed(figures_: dict) -> dict[str, str]:
    """Figures as a person types them: Dutch notation."""
    return {key: f"{value:g}".replace(".", ",") for key, value in figures_.items()}


def _submitted_in_the_browser(page, question: Question, n: int) -> None:
    """Provider n (B, C, D, E for 1 to 4) starts its response, fills in both products of the sheet and
    submits it without its name, in the browser."""
    name = f"Zorg {'ABCDE'[n]}"
    make_user(f"zorg{n}@example.org", name=f"Lid {n}", org=make_org(name, kvk=f"1000000{n}"), role=MemberRole.CONTACT)
    log_in(page, f"zorg{n}@example.org", "/consultations/wmo")
    page.get_by_role("button", name=f"Begin de reactie van {name}").click()
    page.get_by_role("link", name="Tariefdialoog", exact=True).click()
    for row, figures_ in enumerate(figures(n)):
        for key, value in typed(figures_).items():
            page.locator(f"#q-{question.id}-{row}-{key}").fill(value)
    price = euro(float(compute(figures(n)[0]).price))
    expect(page.locator(f"#sum-{question.id}-0 .cost-sum__total td")).to_have_text(price)
    page.get_by_role("button", name="Opslaan en controleren").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Controleren en indienen")
    page.get_by_label("Onze antwoorden publiceren zonder de naam van onze organisatie").check()
    page.get_by_label(f"Ik dien deze reactie in namens {name}.").check()
    page.get_by_role("button", name="Reactie indienen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reactie ingediend")


def tab_to(page, locator, limit: int = 80) -> None:
    """Press Tab until ``locator`` has the focus, as a keyboard user moves through the page."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{locator} was not reached with {limit} presses of Tab")


def type_sheet_row(page, qid: int, row: int, typed: dict[str, str]) -> None:
    """With the focus in a product's first field: type each field's text and Tab on; the Tab order is
    the sheet's order. Ends in the product's last field."""
    for n, key in enumerate(SHEET_FIELDS):
        expect(page.locator(f"#q-{qid}-{row}-{key}")).to_be_focused()
        if typed.get(key):
            page.keyboard.type(typed[key])
        if n + 1 < len(SHEET_FIELDS):
            page.keyboard.press("Tab")


def test_a_sheet_from_the_editor_filled_by_keyboard_to_benchmark_scenarios_and_report(page, second_page, live):
    consultation, _theme, (leiden, _leiderdorp) = _consultation()
    make_user("anna@example.org", name="Anna Aanbieder", org=make_org("Zorg A", kvk="10000000"),
              role=MemberRole.CONTACT)
    editor = db.session.scalar(select(User).where(User.email == "eva@example.org"))
    add_segment(create_draft(consultation, by=editor), by=editor, name="Huishoudelijke ondersteuning")
    db.session.commit()

    # (1) The team adds a cost-price sheet for two products in the question editor.
    log_in(page, "eva@example.org", "/consultations/wmo/manage/questions")
    page.get_by_role("link", name="Vraag toevoegen aan Tariefdialoog").click()
    page.get_by_label("Vraag", exact=True).fill(QUESTION)
    page.get_by_label("Soort antwoord").select_option(label=COST_PRICE_KIND)
    page.get_by_label("Opties").fill("Huishoudelijke ondersteuning | uur\nDagbesteding | dagdeel")
    page.get_by_label("Reden van de wijziging").fill("Kostprijsopbouw voor de tariefdialoog")  # it is open
    page.get_by_role("button", name="Vraag opslaan").click()
    item = page.locator(".question-list__item", has_text=QUESTION)
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Opties: Huishoudelijke ondersteuning | uur · Dagbesteding | dagdeel")
    question = db.session.scalar(select(Question).where(Question.text == QUESTION))
    assert question.kind == QuestionKind.COST_PRICE and question.confidential_default
    qid = question.id

    # (2) A provider fills the sheet with the keyboard alone: Tab to each control, type, Enter and Space.
    provider = second_page
    log_in(provider, "anna@example.org", "/consultations/wmo")
    tab_to(provider, provider.get_by_role("button", name="Begin de reactie van Zorg A"))
    provider.keyboard.press("Enter")
    expect(provider.get_by_role("heading", level=1)).to_have_text("Onze reactie")
    tab_to(provider, provider.get_by_role("link", name="Tariefdialoog", exact=True))
    provider.keyboard.press("Enter")
    home = provider.get_by_role("group", name="Huishoudelijke ondersteuning (per uur)")
    expect(home).to_contain_text("Niet geleverd: laat alle velden leeg voor een product dat u niet levert.")
    expect(home.get_by_label("Bruto maandsalaris (schaal en trede volgens de cao)")).to_be_visible()
    expect(provider.locator(f"#c-{qid}")).to_have_count(0)  # always confidential: no switch to untick
    check_accessibility(provider, "cost-price sheet, empty")

    tab_to(provider, provider.locator(f"#q-{qid}-0-grade"))
    type_sheet_row(provider, qid, 0, {key: value for key, value in HOME_CARE_TYPED.items()
                                      if key not in ("margin", "indexation", "volume")})
    # Not complete yet: the arithmetic says what is missing.
    expect(provider.locator(f"#sum-{qid}-0")).to_have_text("Nog geen kostprijs: Vul “Risico en marge” in.")
    provider.keyboard.press("Shift+Tab")
    provider.keyboard.press("Shift+Tab")
    expect(provider.locator(f"#q-{qid}-0-margin")).to_be_focused()
    for key in ("margin", "indexation", "volume"):
        provider.keyboard.type(HOME_CARE_TYPED[key])
        provider.keyboard.press("Tab")
    # The arithmetic follows the typing, from the server: the worked example's steps and price.
    home_sum = provider.get_by_role("table", name="Zo is de kostprijs van Huishoudelijke ondersteuning opgebouwd")
    expect(home_sum.locator(".cost-sum__total")).to_contain_text("Kostprijs per uur")
    expect(home_sum.locator(".cost-sum__total td")).to_have_text(euro(41.68))
    expect(home_sum.get_by_role("row", name="Personeelskosten per cliëntgebonden uur")).to_contain_text(euro(34.93))
    # A screen reader hears the new price (a status region outside the table, filled as the table is).
    expect(provider.locator(f"#said-{qid}-0")).to_have_attribute("role", "status")
    expect(provider.locator(f"#said-{qid}-0")).to_have_text(f"Kostprijs per uur: {euro(41.68)}")
    expect(provider.locator(f"#sum-{qid}-1")).to_contain_text("Niet geleverd")  # the other product: untouched

    type_sheet_row(provider, qid, 1, DAY_CARE_TYPED)  # the Tab above went on to the second product
    day_sum = provider.get_by_role("table", name="Zo is de kostprijs van Dagbesteding opgebouwd")
    expect(day_sum.locator(".cost-sum__total")).to_contain_text("Kostprijs per dagdeel")
    expect(day_sum.locator(".cost-sum__total td")).to_have_text(euro(39.59))
    settle(provider)
    check_accessibility(provider, "cost-price sheet with its arithmetic")

    # Enter in a field saves and goes on to checking; the publication choice, the confirmation and the
    # button are reached with Tab and used with the arrow keys, Space and Enter.
    provider.keyboard.press("Enter")
    expect(provider.get_by_role("heading", level=1)).to_contain_text("Controleren en indienen")
    main = provider.locator("main")
    expect(main).to_contain_text("Huishoudelijke ondersteuning: kostprijs € 41,68 per uur")
    expect(main).to_contain_text("Dagbesteding: kostprijs € 39,59 per dagdeel")
    tab_to(provider, provider.get_by_label("Onze antwoorden publiceren met de naam van onze organisatie"))
    provider.keyboard.press("ArrowDown")
    expect(provider.get_by_label("Onze antwoorden publiceren zonder de naam van onze organisatie")).to_be_checked()
    confirm = provider.get_by_label("Ik dien deze reactie in namens Zorg A.")
    tab_to(provider, confirm)
    provider.keyboard.press("Space")
    expect(confirm).to_be_checked()
    tab_to(provider, provider.get_by_role("button", name="Reactie indienen"))
    provider.keyboard.press("Enter")
    expect(provider.get_by_role("heading", level=1)).to_have_text("Reactie ingediend")
    response = db.session.scalar(select(Response))
    answer = response.answer_for(qid)
    assert answer.confidential is True
    assert [(row["product"], row["price"]) for row in answer.value] == [
        ("Huishoudelijke ondersteuning", 41.68), ("Dagbesteding", 39.59)]
    assert (answer.value[0]["volume"], answer.value[1]["hours_per_unit"]) == (12000, 0.5)

    # Four more providers fill in and submit their sheets in the browser; then the deadline passes.
    for n in range(1, 5):
        _submitted_in_the_browser(provider, question, n)
    consultation.closes_at = utcnow() - timedelta(hours=1)
    consultation.status = Status.CLOSED
    db.session.commit()
    prices = sorted(float(compute(figures(n)[0]).price) for n in range(5))
    assert prices[0] == 41.68  # the keyboard provider's

    # (3) The provider sees its own figures beside the group's band.
    log_in(provider, "anna@example.org", f"/responses/{response.id}")
    provider.get_by_role("link",
                         name="Bekijk hoe uw kostprijzen zich verhouden tot die van de andere zorgaanbieders").click()
    expect(provider.get_by_role("heading", level=1)).to_have_text("Uw kostprijzen naast die van de groep")
    home_bench = provider.get_by_role("table", name="Huishoudelijke ondersteuning (per uur)")
    expect(home_bench.get_by_role("columnheader", name="De groep (middelste helft)")).to_be_visible()
    price_row = home_bench.get_by_role("row", name="Kostprijs per uur")
    expect(price_row).to_contain_text(euro(41.68))
    expect(price_row).not_to_contain_text("niet getoond")
    band = re.findall(r"€\s([\d.]+),00", price_row.locator("td").nth(1).inner_text())
    assert len(band) == 2, band  # the group's band, in whole euros: "€ 42,00 – € 46,00"
    expect(home_bench.get_by_role("row", name="Overhead (bovenop de directe kosten)")).to_contain_text("12 %")
    expect(home_bench.get_by_role("row", name="Indexering die u per jaar verwacht")).to_contain_text("2,5 %")
    day_bench = provider.get_by_role("table", name="Dagbesteding (per dagdeel)")
    expect(day_bench.get_by_role("row", name="Kostprijs per dagdeel")).to_contain_text(euro(39.59))
    for price in prices[1:]:  # no other provider's own cost price
        expect(provider.locator("main")).not_to_contain_text(euro(price))
    check_accessibility(provider, "benchmark")
    provider.set_viewport_size({"width": 320, "height": 700})
    assert_no_horizontal_overflow(provider, "benchmark at 320 px")
    check_accessibility(provider, "benchmark at 320 px")
    provider.set_viewport_size({"width": 1280, "height": 900})
    # Each of the other four sees its own cost price beside the same band, and nobody else's price.
    for n in range(1, 5):
        own = db.session.scalar(select(Response).join(Response.organisation).where(
            Organisation.name == f"Zorg {'ABCDE'[n]}"))
        log_in(provider, f"zorg{n}@example.org", f"/responses/{own.id}/benchmark")
        row = provider.get_by_role("table", name="Huishoudelijke ondersteuning (per uur)").get_by_role(
            "row", name="Kostprijs per uur")
        expect(row).to_contain_text(euro(float(compute(figures(n)[0]).price)))
        expect(row).to_contain_text(f"€ {band[0]},00 – € {band[1]},00")
        for price in prices:
            if price != float(compute(figures(n)[0]).price):
                expect(provider.locator("main")).not_to_contain_text(euro(price))

    # The team sees every sheet, the outlier and its cause.
    page.goto("/consultations/wmo/cost-prices")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kostprijzen")
    home_sheets = page.get_by_role("region", name="Huishoudelijke ondersteuning (per uur)")
    for name in ("Zorg A", "Zorg B", "Zorg C", "Zorg D"):
        expect(home_sheets.get_by_role("row", name=name)).not_to_contain_text("Ver boven de groep")
    outlier = home_sheets.get_by_role("row", name="Zorg E")
    expect(outlier).to_contain_text(euro(prices[-1]))
    expect(outlier).to_contain_text("Ver boven de groep: vooral door “Overhead (bovenop de directe kosten)”")
    check_accessibility(page, "cost prices")

    # (4) Two funding scenarios, made in the browser: price × quantity at the 60th percentile, and a
    # task-based lump sum.
    page.get_by_role("link", name="Bekostigingsscenario's").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bekostigingsscenario's")
    check_accessibility(page, "funding scenarios, none yet")
    page.get_by_label("Naam van het scenario").fill("Zestigste percentiel")
    page.get_by_label("Product", exact=True).select_option(label="Huishoudelijke ondersteuning")
    page.get_by_label("Prijs × volume (een tarief per eenheid)").check()
    page.get_by_label("een percentiel").check()
    page.get_by_label(re.compile(r"^Percentiel")).fill("60")
    page.get_by_label("Indexering per jaar (%)").fill("2,5")
    page.get_by_label("Contractperiode (jaren)").fill("3")
    page.get_by_role("group", name="Gemeente Leiden").get_by_label("Verwacht volume per jaar (eenheden)").fill("10.000")
    page.get_by_role("group", name="Gemeente Leiderdorp").get_by_label(
        "Verwacht volume per jaar (eenheden)").fill("2000")
    page.get_by_role("button", name="Scenario opslaan").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_contain_text(
        "Scenario “Zestigste percentiel” is opgeslagen.")
    sixtieth = prices[2] + 0.4 * (prices[3] - prices[2])
    # Rounded up to whole euros (two significant digits), then a euro more while a provider's price lies
    # in the euro just below it.
    tariff = float(math.ceil(sixtieth))
    while any(tariff - 1 < price <= tariff for price in prices):
        tariff += 1
    assert tariff not in prices
    expect(page.locator(".details-list")).to_contain_text(
        f"{euro(tariff)} per uur: het 60e percentiel van de kostprijzen van 5 aanbieders")
    year1 = tariff * 10000
    budget = page.get_by_role("table", name="Budget per gemeente van “Zestigste percentiel”")
    expect(budget.get_by_role("row", name="Gemeente Leiden")).to_contain_text(euro(year1))
    check_accessibility(page, "scenario")

    page.get_by_role("link", name="Bekostigingsscenario's").click()
    page.get_by_label("Naam van het scenario").fill("Taakgericht budget")
    page.get_by_label("Product", exact=True).select_option(label="Huishoudelijke ondersteuning")
    page.get_by_label("Taakgericht (een budget per gemeente)").check()
    page.get_by_label("Indexering per jaar (%)").fill("2,5")
    page.get_by_label("Contractperiode (jaren)").fill("3")
    page.get_by_role("group", name="Gemeente Leiden").get_by_label("Budget per jaar (€)").fill("400.000")
    page.get_by_role("group", name="Gemeente Leiderdorp").get_by_label("Budget per jaar (€)").fill("90000")
    page.get_by_role("button", name="Scenario opslaan").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_contain_text("Scenario “Taakgericht budget” is opgeslagen.")

    # The team compares the two and chooses the first.
    page.get_by_role("link", name="Bekostigingsscenario's").click()
    check_accessibility(page, "funding scenarios, two")
    compare = page.locator("form.compare-form")
    expect(compare.get_by_role("heading", name="Twee scenario's vergelijken")).to_be_visible()
    compare.get_by_label("Eerste scenario").select_option(label="Zestigste percentiel")
    compare.get_by_label("Tweede scenario").select_option(label="Taakgericht budget")
    compare.get_by_role("button", name="Vergelijken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scenario's vergelijken")
    first_total = round(sum(round(year1 * 1.025 ** y, 2) for y in range(3)), 2)
    second_total = round(sum(round(400000 * 1.025 ** y, 2) for y in range(3)), 2)
    leiden_row = page.get_by_role("table", name="Budget over de contractperiode per gemeente").get_by_role(
        "row", name="Gemeente Leiden")
    for amount in (first_total, second_total, second_total - first_total):
        expect(leiden_row).to_contain_text(euro(amount))
    check_accessibility(page, "compare scenarios")

    page.get_by_role("link", name="Bekostigingsscenario's").click()
    page.get_by_role("link", name="Zestigste percentiel").click()
    page.get_by_role("button", name="Dit scenario kiezen voor Huishoudelijke ondersteuning").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_contain_text(
        "“Zestigste percentiel” is nu het gekozen scenario voor Huishoudelijke ondersteuning")
    expect(page.get_by_role("heading", level=1)).to_contain_text("gekozen")
    chosen = db.session.scalars(select(FundingScenario).where(FundingScenario.chosen.is_(True))).all()
    assert [(s.name, s.form) for s in chosen] == [("Zestigste percentiel", ScenarioForm.PRICE_QUANTITY)]

    # The chosen scenario becomes evidence for the segment's funding form in the strategy draft.
    page.get_by_role("link", name="Dit scenario koppelen aan de strategie, bijvoorbeeld aan de bekostigingsvorm "
                                  "van een segment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbreng koppelen aan de strategie")
    source = page.get_by_label(re.compile("Bekostigingsscenario: “Zestigste percentiel”"))
    expect(source).to_be_checked()
    expect(page.locator("main")).to_contain_text(f"tarief {euro(tariff)}")
    page.get_by_label("Onderdeel van de strategie").select_option(label="Huishoudelijke ondersteuning")
    page.get_by_label("Bekostigingsvorm", exact=True).check()
    page.get_by_label("Overgenomen", exact=True).check()
    page.get_by_role("textbox", name="Reden").fill("Het tarief dekt de kostprijs van de meeste aanbieders.")
    check_accessibility(page, "linking a scenario to the strategy")
    page.get_by_role("button", name="Koppelen aan de strategie").click()
    expect(page.locator(".utrecht-alert[role=status]")).to_have_text(
        "De inbreng is gekoppeld aan “Bekostigingsvorm” van dit segment.")
    expect(page.locator("main")).to_contain_text("Het tarief dekt de kostprijs van de meeste aanbieders.")
    page.goto(f"/consultations/wmo/funding-scenarios/{chosen[0].id}")
    expect(page.locator("main")).to_contain_text("Heeft de strategie gevoed: Huishoudelijke ondersteuning")

    # (5) The report preview shows the chosen tariff and how it was derived, and no provider's own price;
    # its annex shows the cost price's band as the provider's benchmark did.
    page.goto("/consultations/wmo/report")
    report = page.locator("main")
    expect(report.get_by_role("heading", name="Tarieven", exact=True)).to_be_visible()
    expect(report).to_contain_text(
        f"Huishoudelijke ondersteuning: {euro(tariff)} per uur, bekostigd als prijs × volume. Afgeleid als het 60e "
        "percentiel van de kostprijzen van 5 zorgaanbieders, naar boven afgerond op veelvouden van € 1,00; "
        "geïndexeerd met 2,5 % per jaar over 3 jaar.")
    for price in prices:
        expect(report).not_to_contain_text(euro(price))
    expect(report).to_contain_text(f"€ {band[0]} per uur tot € {band[1]} per uur")
    check_accessibility(page, "report preview with tariffs")
    settle(page)
    assert leiden.id


def test_a_wrong_figure_on_the_sheet_is_named_in_dutch_and_the_text_is_kept_at_320_px(page, live):
    consultation, theme, _towns = _consultation(with_sheet=True)
    org = make_org("Zorg B", kvk="22222222")
    bram = make_user("bram@example.org", name="Bram Aanbieder", org=org, role=MemberRole.CONTACT)
    response = start_response(consultation, org, by=bram)
    db.session.commit()
    qid = theme.questions[0].id

    page.set_viewport_size({"width": 320, "height": 700})
    log_in(page, "bram@example.org", f"/responses/{response.id}/themes/{theme.id}")
    home = page.get_by_role("group", name="Huishoudelijke ondersteuning (per uur)")
    for key, value in {**HOME_CARE_TYPED, "margin": "drie"}.items():
        page.locator(f"#q-{qid}-0-{key}").fill(value)
    # While typing: the arithmetic says what is wrong, in Dutch.
    expect(page.locator(f"#sum-{qid}-0")).to_contain_text("Nog geen kostprijs: Risico en marge: Vul een getal in, zoals")
    page.get_by_role("button", name="Opslaan", exact=True).click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Huishoudelijke ondersteuning, Risico en marge: Vul een getal in, zoals")
    expect(page.locator(f"#error-{qid}")).to_contain_text(
        "Huishoudelijke ondersteuning, Risico en marge: Vul een getal in, zoals")
    margin = home.get_by_label("Risico en marge")
    expect(margin).to_have_value("drie")  # kept, to be mended
    expect(home.get_by_label("Overhead (bovenop de directe kosten)")).to_have_value("12")
    expect(home.get_by_label("Bruto maandsalaris (schaal en trede volgens de cao)")).to_have_value("2.600")
    expect(margin).to_have_attribute("aria-invalid", "true")
    # Only the field in error is marked invalid, not the figures that are right (asserted at the end, so
    # that the rest of the journey is still checked).
    marked_invalid = page.evaluate("() => [...document.querySelectorAll('[aria-invalid=true]')].map(e => e.id)")
    check_accessibility(page, "cost-price sheet with a wrong figure at 320 px")
    assert_no_horizontal_overflow(page, "cost-price sheet with a wrong figure at 320 px")

    margin.fill("3")
    page.get_by_role("button", name="Opslaan", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("Uw antwoorden zijn opgeslagen.")
    expect(page.locator(f"#sum-{qid}-0 .cost-sum__total td")).to_have_text(euro(41.68))
    expect(home.get_by_label("Risico en marge")).to_have_value("3")
    check_accessibility(page, "cost-price sheet saved at 320 px")
    assert_no_horizontal_overflow(page, "cost-price sheet at 320 px")
    settle(page)
    assert marked_invalid == [f"q-{qid}-0-margin"], (
        f"only the wrong figure should be aria-invalid, but these fields were: {marked_invalid}")
