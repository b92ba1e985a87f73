"""The question kinds procurement needs beside choices and numbers: a ranking (put the options in
order), a matrix (rows on the same scale of 1 to 5) and a price table (per product a price per unit
and a volume, with amounts and a total). Each is set up in the editor, answered on the theme page
(all fields kept after a problem, with the problem named), shown on the review page, frozen in the
receipt and exported."""
from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from consult.consultations.models import (
    Consultation,
    Question,
    QuestionKind,
    Status,
    TeamMember,
    TeamRole,
    Theme,
)
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, OrgKind
from consult.responses.answers import AnswerError, display_value, fits, form_value, parse_answer, price_total
from consult.responses.models import Response, Submission, SubmittedAnswer
from tests.conftest import clients_for, make_org, make_user, post_form, text_of

RANK = ["Kwaliteit", "Prijs", "Nabijheid"]
ROWS = ["Bereikbaarheid", "Wachttijd"]
PRODUCTS = ["Individuele begeleiding | uur", "Dagbesteding | dagdeel"]


def question(kind, options, **extra) -> Question:
    return Question(text="V", kind=kind, options=options, **extra)


# --- reading and showing ------------------------------------------------------------------------

def test_a_ranking_needs_every_option_in_a_place_of_its_own():
    q = question(QuestionKind.RANKING, RANK)
    assert parse_answer(q, ["2", "3", "1"]) == ["Nabijheid", "Kwaliteit", "Prijs"]
    assert parse_answer(q, ["", "", ""]) is None
    with pytest.raises(AnswerError) as missing:
        parse_answer(q, ["1", "", "2"])
    assert str(missing.value.message) == "Geef elke optie een plaats van 1 tot 3 (of geen enkele)."
    for places in (["1", "1", "2"], ["1", "2", "4"], ["1", "2", "x"], ["1", "2", "²"], ["0", "1", "2"]):
        with pytest.raises(AnswerError) as twice:
            parse_answer(q, places)
        assert str(twice.value.message) == "Geef elke plaats van 1 tot 3 aan één optie.", places
    assert form_value(q, ["Nabijheid", "Kwaliteit", "Prijs"]) == ["2", "3", "1"]
    assert display_value(q, ["Nabijheid", "Kwaliteit", "Prijs"]) == "1. Nabijheid; 2. Kwaliteit; 3. Prijs"


@given(st.permutations(RANK))
def test_a_ranking_reads_back_as_it_was_given(order):
    q = question(QuestionKind.RANKING, RANK)
    assert parse_answer(q, form_value(q, list(order))) == list(order)


def test_a_matrix_takes_a_point_per_row_and_leaves_rows_open():
    q = question(QuestionKind.MATRIX, ROWS)
    assert parse_answer(q, ["4", ""]) == [["Bereikbaarheid", 4]]
    assert parse_answer(q, ["", ""]) is None
    with pytest.raises(AnswerError) as wrong:
        parse_answer(q, ["4", "6"])
    assert str(wrong.value.message) == "Kies een waarde van 1 tot 5 voor “Wachttijd”."
    assert form_value(q, [["Wachttijd", 2]]) == ["", "2"]
    assert display_value(q, [["Bereikbaarheid", 4], ["Wachttijd", 2]]) == "Bereikbaarheid: 4; Wachttijd: 2"
    # Rows the question no longer has are left out; a value of another kind reads as no answer.
    assert display_value(q, [["Vervoer", 3], ["Wachttijd", 2]]) == "Wachttijd: 2"
    assert form_value(q, ["Bereikbaarheid", "Wachttijd"]) == ["", ""] and display_value(q, "tekst") == ""


def test_a_price_table_reads_prices_and_volumes_and_adds_them_up(app):
    q = question(QuestionKind.PRICE_TABLE, PRODUCTS)
    assert q.rows == [("Individuele begeleiding", "uur"), ("Dagbesteding", "dagdeel")]
    with app.test_request_context():
        value = parse_answer(q, ["62,50", "1.200", "", ""])
        assert value == [{"product": "Individuele begeleiding", "unit": "uur", "price": 62.5, "volume": 1200.0}]
        assert price_total([{"price": 62.5, "volume": 1200}, {"price": 0.1, "volume": 3}]) == 75000.3
        with pytest.raises(AnswerError) as half:
            parse_answer(q, ["62,50", "", "", ""])
        assert str(half.value.message) == "Geef zowel de prijs als het volume voor “Individuele begeleiding”, of geen van beide."
        with pytest.raises(AnswerError) as negative:
            parse_answer(q, ["-1", "3", "", ""])
        assert str(negative.value.message) == "Prijzen en volumes kunnen niet negatief zijn (“Individuele begeleiding”)."
        with pytest.raises(AnswerError):
            parse_answer(q, ["veel", "3", "", ""])
        assert form_value(q, value) == ["62,50", "1200", "", ""]
        assert display_value(q, value) == ("Individuele begeleiding: € 62,50 per uur × 1.200 = € 75.000; "
                                           "totaal € 75.000")


def test_a_copied_answer_must_fit_the_question_as_it_is_now():
    assert fits(question(QuestionKind.RANKING, RANK), ["Prijs", "Nabijheid", "Kwaliteit"])
    assert not fits(question(QuestionKind.RANKING, RANK), ["Prijs", "Kwaliteit"])
    assert fits(question(QuestionKind.MATRIX, ROWS), [["Wachttijd", 3]])
    assert not fits(question(QuestionKind.MATRIX, ROWS), [["Wachttijd", 7]])
    assert not fits(question(QuestionKind.MATRIX, ROWS), [["Vervoer", 3]])
    row = {"product": "Dagbesteding", "unit": "dagdeel", "price": 1, "volume": 2}
    assert fits(question(QuestionKind.PRICE_TABLE, PRODUCTS), [row])
    assert not fits(question(QuestionKind.PRICE_TABLE, PRODUCTS), [{**row, "product": "Vervoer"}])
    assert not fits(question(QuestionKind.PRICE_TABLE, PRODUCTS), [{**row, "unit": "uur"}])  # its unit changed


# --- in the application -----------------------------------------------------------------------

@pytest.fixture
def world(app):
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.OPEN, principles=[], municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=5))
    theme = Theme(title="Inkoop", position=0)
    theme.questions.extend([
        Question(text="Wat weegt het zwaarst?", kind=QuestionKind.RANKING, options=RANK, position=0),
        Question(text="Hoe tevreden bent u?", kind=QuestionKind.MATRIX, options=ROWS, position=1,
                 scale_low_label="slecht", scale_high_label="goed"),
        Question(text="Uw prijzen", kind=QuestionKind.PRICE_TABLE, options=PRODUCTS, position=2,
                 confidential_default=True),
    ])
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
    return {"theme": theme, "q": theme.questions, "clients": clients, "response": response}


def fields(world, ranking=("", "", ""), matrix=("", ""), prices=("", "", "", "")) -> dict:
    rank, points, table = world["q"]
    data = {f"q-{rank.id}-{n}": value for n, value in enumerate(ranking)}
    data |= {f"q-{points.id}-{n}": value for n, value in enumerate(matrix)}
    data |= {f"q-{table.id}-{n // 2}-{'price' if n % 2 == 0 else 'volume'}": value for n, value in enumerate(prices)}
    data |= {f"v-{q.id}": "0" for q in world["q"]}
    return data


def save_page(world, **values):
    return post_form(world["clients"]["a"], f"/responses/{world['response'].id}/themes/{world['theme'].id}",
                     {**fields(world, **values), "action": "save"})


def test_the_theme_page_offers_accessible_fields_for_each_kind(world):
    page = world["clients"]["a"].get(f"/responses/{world['response'].id}/themes/{world['theme'].id}")
    html = page.get_data(as_text=True)
    text = text_of(page)
    rank, points, table = world["q"]
    assert "Geef elke optie een plaats: 1 voor de eerste, 3 voor de laatste. Elke plaats één keer." in text
    assert html.count(f'<select class="utrecht-select utrecht-select--html-select ranking-row__place" id="q-{rank.id}-') == 3
    assert f'<label class="utrecht-form-label" for="q-{rank.id}-1">Prijs</label>' in html
    assert f'<label class="utrecht-form-label" for="q-{points.id}-0-1">1 – slecht</label>' in html
    assert f'<label class="utrecht-form-label" for="q-{points.id}-1-5">5 – goed</label>' in html
    assert f'<label class="utrecht-form-label" for="q-{table.id}-0-price">Prijs per uur (€)</label>' in html
    assert f'<label class="utrecht-form-label" for="q-{table.id}-1-volume">Volume (in dagdeel)</label>' in html


def test_answers_are_saved_reviewed_submitted_and_exported(world):
    rank, points, table = world["q"]
    wrong = save_page(world, ranking=("1", "1", "2"), matrix=("4", ""), prices=("62,50", "", "", ""))
    assert wrong.status_code == 200
    text = text_of(wrong)
    assert "“Wat weegt het zwaarst?”: Geef elke plaats van 1 tot 3 aan één optie." in text
    assert "“Uw prijzen”: Geef zowel de prijs als het volume voor “Individuele begeleiding”, of geen van beide." in text
    html = wrong.get_data(as_text=True)
    assert f'id="q-{table.id}-0-price" name="q-{table.id}-0-price" value="62,50"' in html  # what was typed stays
    assert html.count('<option value="1" selected>') == 2
    assert save_page(world, ranking=("2", "3", "1"), matrix=("4", ""), prices=("62,50", "1200", "", "")).status_code == 302
    response = world["response"]
    db.session.expire_all()
    assert response.answer_for(rank.id).value == ["Nabijheid", "Kwaliteit", "Prijs"]
    assert response.answer_for(points.id).value == [["Bereikbaarheid", 4]]
    assert response.answer_for(table.id).value == [
        {"product": "Individuele begeleiding", "unit": "uur", "price": 62.5, "volume": 1200.0}]
    page = text_of(world["clients"]["a"].get(f"/responses/{response.id}/themes/{world['theme'].id}"))
    assert "Bedrag: € 75.000,00" in page and "Totaal: € 75.000,00" in page
    review = text_of(world["clients"]["a"].get(f"/responses/{response.id}/review"))
    assert "1. Nabijheid; 2. Kwaliteit; 3. Prijs" in review
    assert "Bereikbaarheid: 4" in review
    assert "Individuele begeleiding: € 62,50 per uur × 1.200 = € 75.000; totaal € 75.000" in review
    sent = post_form(world["clients"]["a"], f"/responses/{response.id}/review", {"publication": "named", "confirm": "y"})
    assert sent.status_code == 302
    content = json.loads(db.session.scalar(select(Submission.canonical)))
    assert [(a["kind"], a["value"]) for a in content["answers"]] == [
        ("ranking", ["Nabijheid", "Kwaliteit", "Prijs"]), ("matrix", [["Bereikbaarheid", 4]]),
        ("price_table", [{"product": "Individuele begeleiding", "unit": "uur", "price": 62.5, "volume": 1200.0}])]
    rows = {row.kind: row for row in db.session.scalars(select(SubmittedAnswer))}
    assert rows["price_table"].value == content["answers"][2]["value"]
    assert rows["price_table"].as_canonical() == content["answers"][2]  # the row holds what the copy says
    assert rows["price_table"].text == "Individuele begeleiding: € 62,50 per uur × 1200 = € 75000; totaal € 75000"
    assert rows["ranking"].value == ["Nabijheid", "Kwaliteit", "Prijs"]
    export = world["clients"]["editor"].get("/consultations/wmo/answers.internal.csv", buffered=True)
    lines = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert lines[1][5] == "Antwoord"
    answers = [line[5] for line in lines[2:]]
    assert answers == ["1. Nabijheid; 2. Kwaliteit; 3. Prijs", "Bereikbaarheid: 4",
                       "Individuele begeleiding: € 62,50 per uur × 1200 = € 75000; totaal € 75000"]
    team = text_of(world["clients"]["editor"].get(f"/consultations/wmo/responses/{response.id}"))
    assert "Individuele begeleiding: € 62,50 per uur × 1.200 = € 75.000; totaal € 75.000" in team  # reader's notation


def test_the_editor_sets_up_each_kind_and_refuses_too_few_or_repeated_rows(world):
    editor = world["clients"]["editor"]
    new = f"/consultations/wmo/manage/themes/{world['theme'].id}/questions/new"
    form = {"text": "Rangschik", "audience": "providers", "reason": "Nieuwe vraag"}
    few = post_form(editor, new, {**form, "kind": "ranking", "options": "Alleen"})
    assert "Een rangschikking of matrix heeft minstens twee opties of rijen nodig, één per regel." in text_of(few)
    twice = post_form(editor, new, {**form, "kind": "price_table", "options": "Uur | uur\nuur | dag"})
    assert "Noem elke optie, rij of elk product één keer." in text_of(twice)
    saved = post_form(editor, new, {**form, "kind": "price_table", "options": "Begeleiding | uur\nVervoer", "unit": "rit"})
    assert saved.status_code == 302
    added = db.session.scalar(select(Question).where(Question.text == "Rangschik"))
    assert added.kind == QuestionKind.PRICE_TABLE and added.rows == [("Begeleiding", "uur"), ("Vervoer", "rit")]
    listing = text_of(editor.get("/consultations/wmo/manage/questions"))
    assert "Prijstabel (prijs per eenheid en volume per product)" in listing


def test_a_question_whose_kind_or_rows_change_keeps_its_pages_working(world):
    """A matrix answered, then made a price table with the same rows; a price table answered, then a
    product renamed: the pages still show, and what no longer fits is neither shown nor sent."""
    rank, points, table = world["q"]
    save_page(world, ranking=("1", "2", "3"), matrix=("4", "2"), prices=("62,50", "1200", "40", "10"))
    points.kind = QuestionKind.PRICE_TABLE
    table.options = ["Begeleiding | uur", "Dagbesteding | dagdeel"]
    db.session.commit()
    response = world["response"]
    client = world["clients"]["a"]
    assert client.get(f"/responses/{response.id}/themes/{world['theme'].id}").status_code == 200
    review = client.get(f"/responses/{response.id}/review")
    assert review.status_code == 200
    assert "Dagbesteding: € 40 per dagdeel × 10 = € 400; totaal € 400" in text_of(review)
    assert "Individuele begeleiding" not in text_of(review)
    sent = post_form(client, f"/responses/{response.id}/review", {"publication": "named", "confirm": "y"})
    assert sent.status_code == 302
    content = json.loads(db.session.scalar(select(Submission.canonical)))
    assert [(a["question"], a["value"]) for a in content["answers"]] == [
        ("Wat weegt het zwaarst?", ["Kwaliteit", "Prijs", "Nabijheid"]),
        ("Uw prijzen", [{"product": "Dagbesteding", "unit": "dagdeel", "price": 40.0, "volume": 10.0}])]


def test_a_ranking_place_of_thousands_of_digits_is_refused_not_a_500(world):
    page = save_page(world, ranking=("1", "2", "9" * 5000))
    assert page.status_code == 200
    assert "Geef elke plaats van 1 tot 3 aan één optie." in text_of(page)


def test_autosave_of_a_ranking_or_price_row_still_being_filled_in_is_not_an_error(world):
    rank, _points, table = world["q"]
    client, response = world["clients"]["a"], world["response"]
    HX = {"HX-Request": "true"}
    half = post_form(client, f"/responses/{response.id}/answers/{rank.id}",
                     {f"q-{rank.id}-0": "1", f"q-{rank.id}-1": "", f"q-{rank.id}-2": "", f"v-{rank.id}": "0"}, headers=HX)
    html = half.get_data(as_text=True)
    assert ('<span class="save-status__pending">Nog niet opgeslagen: Geef elke optie een plaats van 1 tot 3 '
            '(of geen enkele).</span>') in html
    assert "data-field-error" not in html  # the field is not marked wrong while it is being filled in
    price_only = post_form(client, f"/responses/{response.id}/answers/{table.id}",
                           {f"q-{table.id}-0-price": "62,50", f"q-{table.id}-0-volume": "", f"v-{table.id}": "0"},
                           headers=HX)
    assert ("Nog niet opgeslagen: Geef zowel de prijs als het volume voor “Individuele begeleiding”, of geen van "
            "beide.") in text_of(price_only)
    # A place given twice is wrong whatever comes next (also with a place still open): an error at the field.
    twice = post_form(client, f"/responses/{response.id}/answers/{rank.id}",
                      {f"q-{rank.id}-0": "1", f"q-{rank.id}-1": "1", f"q-{rank.id}-2": "", f"v-{rank.id}": "0"},
                      headers=HX)
    assert ('data-field-error>Niet opgeslagen: Geef elke plaats van 1 tot 3 aan één optie.</span>'
            in twice.get_data(as_text=True))
    wrong_price = post_form(client, f"/responses/{response.id}/answers/{table.id}",
                            {f"q-{table.id}-0-price": "-5", f"q-{table.id}-0-volume": "", f"v-{table.id}": "0"},
                            headers=HX)
    assert "data-field-error>Niet opgeslagen: Prijzen en volumes kunnen niet negatief zijn" in \
        wrong_price.get_data(as_text=True)
    # Saving the page with a half-filled ranking is refused with the problem named, as before.
    assert "“Wat weegt het zwaarst?”: Geef elke optie een plaats" in text_of(save_page(world, ranking=("1", "", "")))
