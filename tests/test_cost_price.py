"""The cost-price sheet: per product the build-up of a fair price (consult/responses/costprice.py),
computed by one set of rules for the arithmetic shown while typing, the stored answer, the receipt
and every figure made from it, and confidential by construction. The worked examples are the ones
written out in the README ("How a cost price is computed")."""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, TeamRole, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from consult.responses.answers import SHEET_FIELDS, AnswerError, IncompleteAnswer, form_value, parse_answer
from consult.responses.costprice import SheetProblem, cents, compute
from consult.responses.models import Response, Submission
from tests.conftest import clients_for, make_org, make_user, post_form, text_of

# The README's worked examples, as typed into the sheet.
HOME_CARE = {"salary": 2600, "allowances": 16.33, "employer": 25, "contract_hours": 1872, "absence": 6,
             "indirect": 15, "training_time": 2, "travel_time": 7, "training_costs": 400, "travel_costs": 1.20,
             "overhead": 12, "margin": 3}
DAY_CARE = {"salary": 3300, "allowances": 16.33, "employer": 26, "contract_hours": 1872, "absence": 5,
            "indirect": 18, "training_time": 2, "travel_time": 0, "training_costs": 700, "hours_per_unit": 0.5,
            "other_costs": 12.50, "overhead": 15, "margin": 3}
PRODUCTS = ["Huishoudelijke ondersteuning | uur", "Dagbesteding | dagdeel"]


def steps(figures) -> list[str]:
    done = compute(figures)
    return [str(cents(value)) for value in (done.annual_salary, done.employer_costs, done.personnel_costs,
                                            done.client_hours, done.hourly_costs, done.direct_costs,
                                            done.overhead, done.margin)] + [str(done.price)]


def test_the_worked_example_per_hour_comes_out_as_written_in_the_readme():
    assert steps(HOME_CARE) == ["36294.96", "9073.74", "45768.70", "1310.40", "34.93", "36.13", "4.34", "1.21",
                                "41.68"]


def test_the_worked_example_per_half_day_comes_out_as_written_in_the_readme():
    assert steps(DAY_CARE) == ["46066.68", "11977.34", "58744.02", "1404.00", "41.84", "33.42", "5.01", "1.15",
                               "39.59"]


def test_the_price_is_rounded_half_up_once_at_the_end_not_step_by_step():
    # Step by step to the cent the first example would make 34.93 + 1.20 = 36.13; + 4.34 + 1.21 = 41.68
    # too; this one differs: exact 10.005 rounds up to 10.01, where float arithmetic gives 10.00.
    figures = {"salary": 1000, "allowances": 0, "employer": 0, "contract_hours": 1200, "absence": 0, "indirect": 0,
               "training_time": 0, "travel_time": 0, "other_costs": 0.005, "overhead": 0, "margin": 0}
    assert compute(figures).price == Decimal("10.01")


def test_empty_optional_fields_take_their_defaults_and_required_ones_are_named():
    without_optional = {key: value for key, value in HOME_CARE.items() if key not in ("training_costs",)}
    assert compute(without_optional).personnel_costs == Decimal("45368.7000")
    with pytest.raises(SheetProblem) as missing:
        compute({key: value for key, value in HOME_CARE.items() if key != "overhead"})
    assert missing.value.key == "overhead"
    with pytest.raises(SheetProblem) as no_time:
        compute({**HOME_CARE, "indirect": 80})  # 6 + 80 + 2 + 7 = 95 % of the hours away from clients
    assert no_time.value.key == "indirect"
    with pytest.raises(SheetProblem) as too_high:
        compute({**HOME_CARE, "employer": 120})
    assert too_high.value.key == "employer"


def sheet(**typed) -> Question:
    return Question(id=7, text="Kostprijs", kind=QuestionKind.COST_PRICE, options=PRODUCTS)


def values(*rows: dict[str, str]) -> list[str]:
    """Form values for the two products: ``rows`` give the texts typed per field (the rest empty)."""
    padded = list(rows) + [{}] * (2 - len(rows))
    return [row.get(field, "") for row in padded for field in SHEET_FIELDS]


def dutch(figures: dict) -> dict[str, str]:
    return {key: str(value).replace(".", ",") for key, value in figures.items()}


def test_a_sheet_reads_dutch_notation_skips_products_not_offered_and_stores_the_price(app):
    with app.test_request_context():
        question = sheet()
        typed = {**dutch(HOME_CARE), "salary": "2.600,00", "grade": "Cao VVT, FWG 25 trede 4"}
        stored = parse_answer(question, values(typed))
        assert stored == [{"product": "Huishoudelijke ondersteuning", "unit": "uur", "grade": "Cao VVT, FWG 25 trede 4",
                           **{key: float(value) for key, value in HOME_CARE.items()}, "price": 41.68}]
        shown = form_value(question, stored)
        assert shown[:len(SHEET_FIELDS)][:3] == ["Cao VVT, FWG 25 trede 4", "2600", "16,33"]
        assert shown[len(SHEET_FIELDS):] == [""] * len(SHEET_FIELDS)  # not offered: empty again
        assert parse_answer(question, values({}, {})) is None


def test_a_sheet_names_the_product_and_field_of_a_wrong_or_missing_figure(app):
    with app.test_request_context():
        question = sheet()
        with pytest.raises(AnswerError) as wrong:
            parse_answer(question, values({**dutch(HOME_CARE), "overhead": "twaalf"}))
        assert str(wrong.value.message).startswith("Huishoudelijke ondersteuning, Overhead (bovenop de directe kosten):")
        with pytest.raises(IncompleteAnswer) as incomplete:
            parse_answer(question, values({}, {"salary": "3300"}))
        assert str(incomplete.value.message) == ("Dagbesteding: Vul “Vakantiegeld en eindejaarsuitkering” in.")


# --- in the application -----------------------------------------------------------------------

@pytest.fixture
def world(app):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.OPEN, principles=[], municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=5))
    theme = Theme(title="Tarieven", position=0)
    theme.questions.append(Question(text="Uw kostprijsopbouw", kind=QuestionKind.COST_PRICE, options=PRODUCTS,
                                    position=0, confidential_default=True, confidential_in_totals=True))
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    org = make_org("Zorg A", kvk="11111111")
    users = {"a": make_user("a@example.org", name="Anna A", org=org, role=MemberRole.CONTACT),
             "editor": make_user("editor@example.org", name="Eva Editor", org=leiden)}
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=users["editor"].id, role=TeamRole.EDITOR))
    db.session.commit()
    clients = clients_for(app, users)
    post_form(clients["a"], "/consultations/wmo/respond", {"organisation_id": str(org.id)})
    response = db.session.scalar(select(Response))
    return {"theme": theme, "question": theme.questions[0], "clients": clients, "response": response}


def form(world, *rows, confidential: str | None = None) -> dict[str, str]:
    qid = world["question"].id
    data = {f"q-{qid}-{n // len(SHEET_FIELDS)}-{SHEET_FIELDS[n % len(SHEET_FIELDS)]}": value
            for n, value in enumerate(values(*rows))}
    data[f"v-{qid}"] = "0"
    if confidential is not None:
        data[f"c-{qid}"] = confidential
    return data


def test_the_sheet_is_saved_with_its_arithmetic_kept_after_a_problem_and_always_confidential(world):
    client, response, qid = world["clients"]["a"], world["response"], world["question"].id
    page = f"/responses/{response.id}/themes/{world['theme'].id}"
    html = client.get(page).get_data(as_text=True)
    assert f'<label class="utrecht-form-label" for="q-{qid}-1-salary">' in html
    assert f'id="c-{qid}"' not in html  # no switch: the sheet is confidential whatever is posted
    wrong = post_form(client, page, {**form(world, {**dutch(HOME_CARE), "margin": "drie"}), "action": "save"})
    assert wrong.status_code == 200
    assert f'name="q-{qid}-0-margin" value="drie"' in wrong.get_data(as_text=True)
    assert "Huishoudelijke ondersteuning, Risico en marge:" in text_of(wrong)
    saved = post_form(client, page, {**form(world, dutch(HOME_CARE), dutch(DAY_CARE), confidential=""),
                                     "action": "save"})
    assert saved.status_code == 302
    db.session.expire_all()
    answer = response.answer_for(qid)
    assert answer.confidential is True
    assert [row["price"] for row in answer.value] == [41.68, 39.59]
    text = text_of(client.get(page))
    assert "Kostprijs per uur € 41,68" in text and "Kostprijs per dagdeel € 39,59" in text
    assert "Cliëntgebonden uren per fte: 1.872 × (100 % − 30 %) 1.310,4 Personeelskosten per cliëntgebonden uur" in text


def test_the_arithmetic_follows_the_typing_from_the_server_and_writes_nothing(world):
    client, response, qid = world["clients"]["a"], world["response"], world["question"].id
    url = f"/responses/{response.id}/answers/{qid}/sheet/1"
    part = post_form(client, url, form(world, {}, dutch(DAY_CARE)))
    assert part.status_code == 200
    assert "Kostprijs per dagdeel € 39,59" in text_of(part)
    assert (f'<div id="said-{qid}-1" hx-swap-oob="innerHTML">Kostprijs per dagdeel: €\xa039,59</div>'
            in part.get_data(as_text=True))  # what a screen reader hears, in the status region beside the table
    pending = post_form(client, url, form(world, {}, {"salary": "3300"})).get_data(as_text=True)
    assert ('<p class="utrecht-paragraph cost-sum__pending">Nog geen kostprijs: Vul “Vakantiegeld en '
            'eindejaarsuitkering” in.</p>') in pending
    wrong = text_of(post_form(client, url, form(world, {}, {**dutch(DAY_CARE), "overhead": "vijftien"})))
    assert wrong.startswith("Nog geen kostprijs: Overhead (bovenop de directe kosten): Vul een getal in")
    assert post_form(client, f"/responses/{response.id}/answers/{qid}/sheet/2", form(world)).status_code == 404
    assert post_form(world["clients"]["editor"], url, form(world, {}, dutch(DAY_CARE))).status_code == 404
    db.session.expire_all()
    assert response.answer_for(qid) is None


def test_the_submitted_sheet_is_in_the_receipt_and_hidden_from_what_is_published(world):
    client, response = world["clients"]["a"], world["response"]
    page = f"/responses/{response.id}/themes/{world['theme'].id}"
    assert post_form(client, page, {**form(world, dutch(HOME_CARE)), "action": "save"}).status_code == 302
    review = text_of(client.get(f"/responses/{response.id}/review"))
    assert "Huishoudelijke ondersteuning: kostprijs € 41,68 per uur" in review
    assert post_form(client, f"/responses/{response.id}/review", {"publication": "named", "confirm": "y"}).status_code == 302
    content = json.loads(db.session.scalar(select(Submission.canonical)))
    assert content["answers"][0]["kind"] == "cost_price" and content["answers"][0]["confidential"] is True
    assert content["answers"][0]["value"][0]["price"] == 41.68
