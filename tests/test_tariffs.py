"""The tariff dialogue after the deadline: each provider's benchmark (its own figures beside the group's,
only as the disclosure gate allows), the team's table of the sheets with outliers and their cause, and
funding scenarios whose derived tariff is rounded up and never one provider's own cost price, with the
budget per municipality over the contract period and the chosen tariff in the report."""
from __future__ import annotations

import math
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.analysis.services import sheet_figure
from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, TeamRole, Theme
from consult.core.time import utcnow
from consult.disclosure.statistics import granularity, public_numbers, public_tariff
from consult.extensions import db
from consult.notify.models import Notification
from consult.orgs.models import MemberRole, OrgKind
from consult.responses.costprice import compute
from consult.responses.models import Publication
from consult.responses.services import save_answer, set_publication, start_response, submit
from consult.tariffs.models import FundingScenario, SheetQuestion
from consult.tariffs.services import benchmark
from tests.conftest import clients_for, make_org, make_user, post_form, text_of
from tests.test_cost_price import DAY_CARE, HOME_CARE, PRODUCTS

# --- the derived tariff (the gate) -----------------------------------------------------------------


def test_a_percentile_tariff_is_interpolated_rounded_up_and_never_a_providers_own_price(app):
    with app.app_context():
        prices = {1: 40.0, 2: 41.5, 3: 43.0, 4: 45.0, 5: 50.0}
        # The 50th percentile of five is the third's own price, 43.0: rounded up to 43 it would be his; 44
        # would say it lies between 42 and 43 (no other price does), so it moves a step up again.
        median = public_tariff(prices, percentile=50)
        assert (median.shown, median.value, median.step, median.organisations) == (True, 44.0, 1.0, 5)
        # The 60th: 43 + 0.4 × (45 − 43) = 43.8, rounded up to 44: no price between 43 and 44.
        assert public_tariff(prices, percentile=60).value == 44.0
        # The 20th: 40 + 0.8 × 1.5 = 41.2 → 42, but 41.5 lies just below; 43 has 43 itself: 44.
        assert public_tariff(prices, percentile=20).value == 44.0
        # Never a minimum or a maximum: the 1st percentile is taken as the 20th.
        assert public_tariff(prices, percentile=1).value == 44.0
        assert public_tariff({**prices, 6: 60.0}, percentile=80).value == 51.0  # 50 + 0 → 50 is the fifth's: 51
        assert public_tariff(dict(list(prices.items())[:4]), percentile=50).suppressed == "threshold"


def test_a_weighted_tariff_counts_only_providers_with_a_volume_and_refuses_a_dominant_one(app):
    with app.app_context():
        prices = {1: 40.0, 2: 42.0, 3: 44.0, 4: 46.0, 5: 48.0, 6: 60.0}
        weights = {1: 100, 2: 100, 3: 100, 4: 100, 5: 100, 6: 0}
        weighted = public_tariff(prices, weights=weights)
        assert (weighted.value, weighted.organisations) == (45.0, 5)  # mean 44 is the third's price: 45
        assert public_tariff(prices, weights={**weights, 1: 1000}).suppressed == "dominance"
        assert public_tariff(prices, weights={**weights, 5: 0}).suppressed == "threshold"


def test_a_sheets_band_is_never_finer_than_what_people_typed(app):
    with app.app_context():
        assert [granularity(v) for v in ([0.5, 0.5], [0.45, 0.5], [3000, 3100], [2, 3], [41.68, 44.1], [1872])] == [
            0.1, 0.01, 100.0, 1.0, 0.01, 1.0]
        # Whole percentages 2, 3, 3, 2, 4: "1,9 – 3,1" would say 2 and 3; steps of five say little.
        whole = public_numbers(dict(enumerate([2, 3, 3, 2, 4])), floor=0.0, typed=True)
        assert (whole.low, whole.high, whole.step, whole.mean) == (0.0, 5.0, 5.0, 2.8)
        halves = public_numbers(dict(enumerate([0.5, 0.5, 0.45, 0.5, 0.55])), floor=0.0, typed=True)
        assert (halves.low, halves.high, halves.step) == (0.4, 0.6, 0.05)
        salaries = public_numbers(dict(enumerate([3000, 3100, 3200, 3300, 3400])), floor=0.0, typed=True)
        assert (salaries.low, salaries.high, salaries.step) == (2500.0, 3500.0, 500.0)
        # Everyone the same, at zero: no band above zero misses them; none is shown.
        assert public_numbers(dict(enumerate([0, 0, 0, 0, 0])), floor=0.0, typed=True).suppressed == "spread"


# --- in the application -----------------------------------------------------------------------


def figures(n: int) -> tuple[dict, dict]:
    """The README's examples, varied per provider: salary and overhead rise with ``n``."""
    home = {**HOME_CARE, "salary": HOME_CARE["salary"] + 60 * n, "overhead": 10 + n, "volume": 1000 + 100 * n}
    day = {**DAY_CARE, "salary": DAY_CARE["salary"] + 40 * n, "overhead": 12 + n}
    return home, day


def sheet_value(question: Question, *rows: dict | None) -> list[dict]:
    value = []
    for (product, unit), row in zip(question.rows, rows, strict=False):
        if row is not None:
            value.append({"product": product, "unit": unit, "grade": "", **{k: float(v) for k, v in row.items()},
                          "price": float(compute(row).price)})
    return value


@pytest.fixture
def world(app):
    leiden, leiderdorp = (make_org(f"Gemeente {name}", kind=OrgKind.MUNICIPALITY) for name in ("Leiden", "Leiderdorp"))
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.OPEN, principles=[],
                                municipalities=[leiden, leiderdorp], closes_at=utcnow() + timedelta(days=5))
    theme = Theme(title="Tarieven", position=0)
    theme.questions.append(Question(text="Uw kostprijsopbouw", kind=QuestionKind.COST_PRICE, options=PRODUCTS,
                                    position=0, confidential_default=True, confidential_in_totals=True))
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    question = theme.questions[0]
    users, responses = {}, {}
    for n in range(6):
        org = make_org(f"Zorg {n}", kvk=f"1000000{n}")
        user = users[n] = make_user(f"zorg{n}@example.org", name=f"Lid {n}", org=org, role=MemberRole.CONTACT)
        response = responses[n] = start_response(consultation, org, by=user)
        home, day = figures(n)
        if n == 5:
            home = {**home, "overhead": 45}  # far above the others, through its overhead
        save_answer(response, question, sheet_value(question, home, day if n < 4 else None), True, None, by=user)
        set_publication(response, Publication.NONE if n == 0 else Publication.ANONYMOUS, by=user)
        submit(response, by=user, notify=False)
    users["editor"] = make_user("editor@example.org", name="Eva Editor", org=leiden)
    users["analyst"] = make_user("analist@example.org", name="Ali Analist", org=leiden)
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=users["editor"].id, role=TeamRole.EDITOR))
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=users["analyst"].id, role=TeamRole.ANALYST))
    db.session.commit()
    return {"consultation": consultation, "question": question, "responses": responses,
            "clients": clients_for(app, users), "municipalities": (leiden, leiderdorp)}


def close(world) -> None:
    world["consultation"].closes_at = utcnow() - timedelta(hours=1)
    world["consultation"].status = Status.CLOSED
    db.session.commit()


def test_the_benchmark_opens_after_the_deadline_for_the_organisation_only(world):
    response = world["responses"][1]
    url = f"/responses/{response.id}/benchmark"
    assert world["clients"][1].get(url).status_code == 404  # before the deadline
    close(world)
    assert world["clients"][2].get(url).status_code == 404  # another organisation's
    assert world["clients"]["editor"].get(url).status_code == 404
    overview = text_of(world["clients"][1].get(f"/responses/{response.id}"))
    assert "Bekijk hoe uw kostprijzen zich verhouden tot die van de andere zorgaanbieders" in overview
    page = world["clients"][1].get(url)
    assert page.status_code == 200
    text = text_of(page)
    # Home care: five sheets count (the first organisation chose not to publish: it counts in nothing).
    own_home = compute(figures(1)[0]).price
    assert f"Kostprijs per uur € {str(own_home).replace('.', ',')}" in text
    # Overheads 11, 12, 13, 14 and 45: the middle half 12–14, each end moved off a contributor's figure.
    assert "Overhead (bovenop de directe kosten) 11 % 10 – 15 %" in text
    # Day care: only four providers offer it: the group is not shown.
    assert "Kostprijs per dagdeel € " in text and "niet getoond: te weinig organisaties" in text
    # Everyone has the same allowances: the band lies around them; nobody has other costs: no band above
    # zero could miss their figure, and none is shown.
    assert "Vakantiegeld en eindejaarsuitkering 16,33 % 16 – 17 %" in text
    assert "Uren van een professional per eenheid 1 0 – 5 " in text  # everyone 1 hour: steps of five hours
    assert ("Overige directe kosten per eenheid (ruimte, materiaal) € 0,00 niet getoond: de cijfers liggen te dicht "
            "bij elkaar") in text


def test_no_group_figure_in_any_benchmark_is_one_providers_own_figure(world):
    close(world)
    question, consultation = world["question"], world["consultation"]
    shown = 0
    for response in world["responses"].values():
        for product in benchmark(consultation, question, response):
            for line in product.lines:
                # Every counted organisation's figure of this component of this product (the team's view).
                # (The first chose not to publish: its figures count in nothing, so the bands need not miss them.)
                figures_of_all = {sheet_figure(row, line.part.key) for n, other in world["responses"].items() if n
                                  for row in other.answer_for(question.id).value if row["product"] == product.product}
                if line.group.shown:
                    shown += 1
                    assert line.group.low not in figures_of_all and line.group.high not in figures_of_all
                    assert line.group.low < line.group.high
    assert shown == 6 * 15  # six benchmarks, home care's fifteen bands that may be shown


def test_the_team_sees_every_sheet_and_the_outlier_with_its_cause(world):
    close(world)
    assert world["clients"][1].get("/consultations/wmo/cost-prices").status_code in (403, 404)
    page = world["clients"]["analyst"].get("/consultations/wmo/cost-prices")
    assert page.status_code == 200
    text = text_of(page)
    price = str(compute({**figures(5)[0], "overhead": 45}).price).replace(".", ",")
    assert (f"Zorg 5 € {price} € 2.900,00 1.310,4 45 % 3 % Een vraag stellen aan Zorg 5 Ver boven de groep : vooral door "
            "“Overhead (bovenop de directe kosten)”") in text
    assert "Zorg 0" in text and "telt in geen gepubliceerd cijfer mee (de organisatie koos voor niet publiceren)" in text


def scenario_form(world, **values) -> dict:
    leiden, leiderdorp = world["municipalities"]
    data = {"name": "Zestigste percentiel", "product": f"{world['question'].id}:0", "form": "price_quantity",
            "basis": "percentile", "percentile": "60", "client_price": "", "indexation": "2,5", "years": "3",
            "municipalities-0-municipality_id": str(leiden.id), "municipalities-0-volume": "10.000",
            "municipalities-0-amount": "", "municipalities-0-clients": "",
            "municipalities-1-municipality_id": str(leiderdorp.id), "municipalities-1-volume": "2000",
            "municipalities-1-amount": "", "municipalities-1-clients": ""}
    return {**data, **values}


def test_a_scenario_derives_its_tariff_and_budget_and_the_chosen_one_goes_into_the_report(world):
    close(world)
    editor = world["clients"]["editor"]
    made = post_form(editor, "/consultations/wmo/funding-scenarios", scenario_form(world))
    assert made.status_code == 302
    scenario = db.session.scalar(select(FundingScenario))
    prices = sorted(float(compute(figures(n)[0] if n < 5 else {**figures(5)[0], "overhead": 45}).price)
                    for n in range(1, 6))
    sixtieth = prices[2] + 0.4 * (prices[3] - prices[2])
    # Rounded up to whole euros (two significant digits), then a euro more while a provider's price lies
    # in the euro just below it.
    tariff = float(math.ceil(sixtieth))
    while any(tariff - 1 < price <= tariff for price in prices):
        tariff += 1
    assert tariff not in prices
    page = text_of(editor.get(f"/consultations/wmo/funding-scenarios/{scenario.id}"))
    amount = f"{tariff:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    assert f"Tarief € {amount} per uur: het 60e percentiel van de kostprijzen van 5 aanbieders" in page
    year1 = tariff * 10000
    assert f"Gemeente Leiden € {year1:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") in page
    # Year 3: indexed twice by 2.5 %.
    year3 = round(year1 * 1.025 ** 2, 2)
    assert f"{year3:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") in page
    lump = post_form(editor, "/consultations/wmo/funding-scenarios", scenario_form(
        world, name="Budget", form="lump_sum", **{"municipalities-0-amount": "400.000",
                                                  "municipalities-1-amount": "90000"}))
    assert lump.status_code == 302
    second = db.session.scalar(select(FundingScenario).where(FundingScenario.name == "Budget"))
    compared = text_of(editor.get(f"/consultations/wmo/funding-scenarios/compare?a={scenario.id}&b={second.id}"))
    first_total = round(sum(round(year1 * 1.025 ** y, 2) for y in range(3)), 2)
    second_total = round(sum(round(400000 * 1.025 ** y, 2) for y in range(3)), 2)

    def euro(value: float) -> str:
        return "€ " + f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")

    assert f"Gemeente Leiden {euro(first_total)} {euro(second_total)} {euro(second_total - first_total)}" in compared
    chosen = post_form(editor, f"/consultations/wmo/funding-scenarios/{scenario.id}/choose", {})
    assert chosen.status_code == 302
    db.session.expire_all()
    assert scenario.chosen is True
    assert [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("scenario_%"))
                                                 .order_by(AuditEvent.id))] == [
        "scenario_created", "scenario_created", "scenario_chosen"]
    preview = text_of(editor.get("/consultations/wmo/report"))
    assert (f"Huishoudelijke ondersteuning: {euro(tariff)} per uur, bekostigd als prijs × volume. Afgeleid als het "
            "60e percentiel van de kostprijzen van 5 zorgaanbieders, naar boven afgerond op veelvouden van € 1,00; "
            "geïndexeerd met 2,5 % per jaar over 3 jaar.") in preview
    for price in prices:  # no provider's own cost price anywhere in the report
        assert euro(price) not in preview


def test_a_wrong_scenario_keeps_what_was_typed_and_names_the_field(world):
    editor = world["clients"]["editor"]
    wrong = post_form(editor, "/consultations/wmo/funding-scenarios", scenario_form(
        world, name="", percentile="150", indexation="veel", **{"municipalities-0-volume": "-5"}))
    assert wrong.status_code == 422
    text = text_of(wrong)
    assert "Er is een probleem" in text and "Geef het scenario een naam." in text
    html = wrong.get_data(as_text=True)
    assert 'value="veel"' in html and 'value="150"' in html
    output = post_form(editor, "/consultations/wmo/funding-scenarios", scenario_form(world, form="output"))
    assert output.status_code == 422
    assert "Geef de prijs per cliënt per jaar voor outputgerichte bekostiging." in text_of(output)
    assert db.session.scalar(select(FundingScenario)) is None


def test_only_editors_model_funding_and_a_stale_save_is_refused(world):
    editor, analyst = world["clients"]["editor"], world["clients"]["analyst"]
    assert post_form(analyst, "/consultations/wmo/funding-scenarios", scenario_form(world)).status_code == 403
    assert analyst.get("/consultations/wmo/funding-scenarios").status_code == 200  # reading is fine
    assert post_form(editor, "/consultations/wmo/funding-scenarios", scenario_form(world)).status_code == 302
    scenario = db.session.scalar(select(FundingScenario))
    url = f"/consultations/wmo/funding-scenarios/{scenario.id}"
    assert post_form(editor, url, {**scenario_form(world, name="Eerste wijziging"), "version": "1"}).status_code == 302
    stale = post_form(editor, url, {**scenario_form(world, name="Tweede wijziging"), "version": "1"})
    assert stale.status_code == 422
    assert "Een collega heeft dit scenario intussen gewijzigd; er is niets opgeslagen." in text_of(stale)
    db.session.expire_all()
    assert (scenario.name, scenario.version) == ("Eerste wijziging", 2)


def test_the_team_asks_one_provider_about_its_sheet_privately_and_hears_the_reply(world):
    close(world)
    analyst, asked_org, other = world["clients"]["analyst"], world["clients"][3], world["clients"][4]
    response = world["responses"][3]
    org_id = response.organisation_id
    url = f"/consultations/wmo/cost-prices/{world['question'].id}/organisations/{org_id}/ask"
    assert "Een vraag stellen aan Zorg 3" in text_of(analyst.get("/consultations/wmo/cost-prices"))
    empty = post_form(analyst, url, {"body": "  "})
    assert empty.status_code == 422 and "Schrijf uw vraag." in text_of(empty)
    assert post_form(analyst, url, {"body": "Waarom is uw overhead 13 %?"}).status_code == 302
    questions_page = f"/responses/{response.id}/cost-price-questions"
    assert other.get(questions_page).status_code == 404
    assert other.get(f"/responses/{world['responses'][4].id}/cost-price-questions").status_code == 404  # none for it
    assert "Lees de vragen van het projectteam en antwoord" in text_of(asked_org.get(f"/responses/{response.id}"))
    page = asked_org.get(questions_page)
    assert "Waarom is uw overhead 13 %?" in text_of(page)
    item_id = db.session.scalar(select(SheetQuestion.id))
    blank = post_form(asked_org, questions_page, {"item": str(item_id), "body": ""})
    assert blank.status_code == 422 and "Schrijf uw antwoord." in text_of(blank)
    assert post_form(asked_org, questions_page, {"item": str(item_id), "body": "Wij huren een pand."}).status_code == 302
    team_page = text_of(analyst.get("/consultations/wmo/cost-prices"))
    assert "Vragen over de opbouw Zorg 3" in team_page and "Wij huren een pand." in team_page
    told = {(n.user.email, n.data["event"]) for n in db.session.scalars(select(Notification))}
    assert ("zorg3@example.org", "sheet_question") in told
    assert {("editor@example.org", "sheet_reply"), ("analist@example.org", "sheet_reply")} <= told
    assert not any(email.startswith("zorg4") for email, _event in told)
    assert [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("sheet_question%"))
                                                 .order_by(AuditEvent.id))] == ["sheet_question_asked",
                                                                               "sheet_question_replied"]
