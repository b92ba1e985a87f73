"""Figures of a ranking, matrix or price table: each row counted as a question of its own, under the
same disclosure rules (a matrix row as a scale, a ranking option's place and a product's price per
unit as numbers), for the team on the analysis page and in the published report's annex. A
confidential answer counts in no published figure of a row."""
from __future__ import annotations

from datetime import timedelta

import pytest

from consult.analysis.services import QuestionPart, ValueGroup, question_figures, question_parts
from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, TeamRole, Theme
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import OrgKind
from consult.responses.models import Publication
from consult.responses.services import save_answer, set_publication, start_response, submit
from tests.conftest import clients_for, make_org, make_user, post_form, text_of

RANK = ["Kwaliteit", "Prijs", "Nabijheid"]
ROWS = ["Bereikbaarheid", "Wachttijd"]
PRODUCTS = ["Individuele begeleiding | uur", "Dagbesteding | dagdeel"]


def test_each_row_is_a_part_with_the_values_of_that_row():
    ranking = Question(text="R", kind=QuestionKind.RANKING, options=RANK)
    groups = [ValueGroup("provider", Publication.NAMED, False, ["Prijs", "Kwaliteit", "Nabijheid"], 2),
              ValueGroup("council", Publication.ANONYMOUS, True, ["Nabijheid", "Prijs", "Kwaliteit"]),
              ValueGroup("provider", Publication.NAMED, False, ["Prijs", "Elders", "Nabijheid"])]  # fits no longer
    parts = question_parts(ranking, groups)
    assert [part for part, _groups in parts] == [QuestionPart("plaats van Kwaliteit", QuestionKind.NUMBER),
                                                 QuestionPart("plaats van Prijs", QuestionKind.NUMBER),
                                                 QuestionPart("plaats van Nabijheid", QuestionKind.NUMBER)]
    assert [[(g.value, g.count, g.confidential) for g in part_groups] for _part, part_groups in parts] == [
        [(2, 2, False), (3, 1, True)], [(1, 2, False), (2, 1, True)], [(3, 2, False), (1, 1, True)]]
    matrix = Question(text="M", kind=QuestionKind.MATRIX, options=ROWS, scale_low_label="slecht")
    parts = question_parts(matrix, [ValueGroup("provider", Publication.NAMED, False, [["Wachttijd", 2]])])
    assert [(part.label, part.kind, part.scale_low_label, [g.value for g in part_groups])
            for part, part_groups in parts] == [("Bereikbaarheid", QuestionKind.SCALE, "slecht", []),
                                                ("Wachttijd", QuestionKind.SCALE, "slecht", [2])]
    table = Question(text="P", kind=QuestionKind.PRICE_TABLE, options=PRODUCTS)
    row = {"product": "Dagbesteding", "unit": "dagdeel", "price": 40.5, "volume": 10.0}
    parts = question_parts(table, [ValueGroup("provider", Publication.NAMED, False, [row])])
    assert [(part.label, part.unit, [g.value for g in part_groups]) for part, part_groups in parts] == [
        ("Individuele begeleiding", "€ per uur", []), ("Dagbesteding", "€ per dagdeel", [40.5])]
    assert question_parts(Question(text="O", kind=QuestionKind.OPEN), groups) == []


# Six care providers: five answer openly, the sixth marks its prices confidential.
PRICES = [60.0, 62.0, 64.0, 66.0, 68.0, 99.99]
ORDERS = [["Kwaliteit", "Prijs", "Nabijheid"]] * 4 + [["Prijs", "Kwaliteit", "Nabijheid"]] * 2
POINTS = [4, 4, 5, 3, 4, 2]


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
        Question(text="Uw prijzen", kind=QuestionKind.PRICE_TABLE, options=PRODUCTS, position=2),
    ])
    consultation.themes.append(theme)
    db.session.add(consultation)
    db.session.commit()
    rank, matrix, table = theme.questions
    for index, (price, order, point) in enumerate(zip(PRICES, ORDERS, POINTS, strict=True)):
        org = make_org(f"Zorg {index}", kvk=f"4{index:07d}")
        user = make_user(f"zorg{index}@example.org", name=f"Lid {index}", org=org)
        response = start_response(consultation, org, by=user)
        save_answer(response, rank, order, False, None, by=user)
        save_answer(response, matrix, [["Bereikbaarheid", point]], False, None, by=user)
        save_answer(response, table, [{"product": "Individuele begeleiding", "unit": "uur", "price": price,
                                       "volume": 100.0}], index == 5, None, by=user)
        set_publication(response, Publication.NAMED, by=user)
        submit(response, by=user, notify=False)
        db.session.commit()
    editor = make_user("editor@example.org", name="Eva Editor", org=leiden)
    db.session.add(TeamMember(consultation_id=consultation.id, user_id=editor.id, role=TeamRole.EDITOR))
    consultation.status = Status.CLOSED
    db.session.commit()
    return {"q": theme.questions, "clients": clients_for(app, {"editor": editor})}


def test_the_analysis_shows_figures_per_row(world):
    rank, matrix, table = world["q"]
    editor = world["clients"]["editor"]
    prices = text_of(editor.get(f"/consultations/wmo/analysis/questions/{table.id}"))
    # The team sees every answer, the confidential one included; the report counts the five others.
    assert ("Individuele begeleiding Individuele begeleiding: Alle antwoorden in € per uur Aantal antwoorden Laagste "
            "Eerste kwartiel Mediaan Derde kwartiel Hoogste 6 60 62,5 65 67,5 99,99") in prices
    assert ("In het gepubliceerde verslag Gemiddeld ongeveer € 64 per uur; de middelste helft van de organisaties "
            "tussen € 61 per uur en € 67 per uur (5 organisaties; afgerond op 1).") in prices
    assert ("Dagbesteding Nog geen antwoorden. In het gepubliceerde verslag Niet gepubliceerd: minder dan 5 "
            "organisaties") in prices  # a row nobody priced
    points = text_of(editor.get(f"/consultations/wmo/analysis/questions/{matrix.id}"))
    assert ("Bereikbaarheid Bereikbaarheid: Zorgaanbieders: 6 antwoorden Antwoord Aantal Aandeel Balk "
            "1 (slecht) 0 0% 2 1 17% 3 1 17% 4 3 50% 5 (goed) 1 17%") in points
    places = text_of(editor.get(f"/consultations/wmo/analysis/questions/{rank.id}"))
    assert ("plaats van Kwaliteit plaats van Kwaliteit: Alle antwoorden in — Aantal antwoorden Laagste Eerste kwartiel "
            "Mediaan Derde kwartiel Hoogste 6 1 1 1 1,75 2 In het gepubliceerde verslag Gemiddeld ongeveer 1,3;") in places


def test_the_report_annex_has_the_published_figures_per_row(world):
    editor = world["clients"]["editor"]
    published = post_form(editor, "/consultations/wmo/report/edit",
                          {"summary": "Samenvatting.", "introduction": "", "next_steps": "", "action": "publish"})
    assert published.status_code == 302
    report = text_of(world["clients"]["anonymous"].get("/consultations/wmo/report"))
    annex = report.split("Bijlage: cijfers")[-1]
    assert ("Uw prijzen — Individuele begeleiding (€ per uur) Organisaties Gemiddeld, afgerond Middelste helft van "
            "de organisaties Afgerond op veelvouden van 5 € 64 per uur € 61 per uur tot € 67 per uur 1") in annex
    assert ("Hoe tevreden bent u? — Bereikbaarheid Antwoord Organisaties in totaal 1 0 2 1 3 1 4 3 5 1") in annex
    assert "Wat weegt het zwaarst? — plaats van Prijs" in annex
    for secret in ("99,99", "99.99", "60 ", "68 "):  # no confidential price, no lowest or highest
        assert secret not in annex, secret


def test_a_rankings_places_are_published_all_or_none(app):
    """Every ranking's places add up to the same sum, so a place that may not be shown (here one
    organisation's last place for "E" would dominate its total) would follow from the others: none is."""
    ranking = Question(text="R", kind=QuestionKind.RANKING, options=list("ABCDE"))
    first = [ValueGroup("provider", Publication.NAMED, False, list("EABCD"), 4)]
    last = [ValueGroup("provider", Publication.NAMED, False, list("ABCDE"), 1)]
    figures = question_figures(ranking, first + last)
    assert len(figures) == 5
    assert {str(f.public) for f in figures} == {
        "Niet gepubliceerd: één plaats van deze rangorde mag niet getoond worden en zou uit de andere volgen; "
        "daarom wordt geen enkele plaats getoond."}
    # Five who agree more evenly: every place is published.
    even = [ValueGroup("provider", Publication.NAMED, False, list("EABCD"), 3),
            ValueGroup("provider", Publication.NAMED, False, list("ABCDE"), 2)]
    assert all(str(f.public).startswith("Gemiddeld ongeveer") for f in question_figures(ranking, even))
