"""The analysis per lot and municipality: the team filters a question's answers and figures to the
care providers that offered a lot (in a municipality) when they submitted; the figures keep the
disclosure rules within the filter, and what a provider offered is kept per submission."""
from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from consult.extensions import db
from consult.responses.models import SubmittedOffer
from tests.conftest import text_of
from tests.test_lots import autosave, offer, start, submit, world  # noqa: F401  (world is a fixture)
from tests.test_migrations import migration_app  # noqa: F401  (a fixture)


def answers_shown(world, path) -> list[str]:
    text = text_of(world["clients"]["editor"].get(path))
    return [name for name in ("Zorg A", "Zorg B", "Adviesraad") if f"{name} " in text.split("Antwoorden")[-1]]


def test_the_analysis_filters_answers_and_figures_by_lot_and_municipality(world):
    _started, a = start(world, "a")
    offer(world, "a", a, home=["leiden", "leiderdorp"])
    autosave(world, "a", a, "Wat werkt?", "Korte lijnen met het wijkteam")
    autosave(world, "a", a, "Uurtarief thuishulp?", "61")
    assert submit(world, "a", a).status_code == 302
    _started, b = start(world, "b")
    offer(world, "b", b, day=["oegstgeest"], home=["oegstgeest"])
    autosave(world, "b", b, "Wat werkt?", "Vervoer op maat")
    autosave(world, "b", b, "Uurtarief thuishulp?", "64")
    assert submit(world, "b", b).status_code == 302
    _started, council = start(world, "council")
    autosave(world, "council", council, "Wat werkt?", "Luisteren naar de inwoner")
    assert submit(world, "council", council).status_code == 302

    open_question = f"/consultations/wmo/analysis/questions/{world['q']['Wat werkt?'].id}"
    lots, m = world["lots"], world["municipalities"]
    assert answers_shown(world, open_question) == ["Zorg A", "Zorg B", "Adviesraad"]
    assert answers_shown(world, f"{open_question}?lot={lots['day'].id}") == ["Zorg B"]
    assert answers_shown(world, f"{open_question}?lot={lots['home'].id}") == ["Zorg A", "Zorg B"]
    assert answers_shown(world, f"{open_question}?municipality={m['leiderdorp'].id}") == ["Zorg A"]
    assert answers_shown(world, f"{open_question}?lot={lots['day'].id}&municipality={m['leiden'].id}") == []
    page = world["clients"]["editor"].get(f"{open_question}?lot={lots['day'].id}")
    assert "1 van de 3 antwoorden komen overeen." in text_of(page)
    assert f'<option value="{lots["day"].id}" selected>Dagbesteding</option>' in page.get_data(as_text=True)

    # The figures follow the filter: two organisations in all, one in Leiderdorp; the internal figures
    # say so, and the published figures stay below the threshold either way.
    number = f"/consultations/wmo/analysis/questions/{world['q']['Uurtarief thuishulp?'].id}"
    everyone = text_of(world["clients"]["editor"].get(number))
    assert "Gefilterd" not in everyone
    filtered = text_of(world["clients"]["editor"].get(f"{number}?municipality={m['leiderdorp'].id}"))
    assert ("Gefilterd: alleen de zorgaanbieders die dit aanboden toen zij indienden: In Gemeente Leiderdorp."
            in filtered)
    assert "Aantal antwoorden Laagste Eerste kwartiel Mediaan Derde kwartiel Hoogste 1 61 61 61 61 61" in filtered
    assert "Niet gepubliceerd: minder dan 5 organisaties" in filtered
    assert ("Aantal antwoorden Laagste Eerste kwartiel Mediaan Derde kwartiel Hoogste 2 61 61,75 62,5 63,25 64"
            in everyone)


def test_what_was_offered_is_kept_per_submission(world):
    _started, a = start(world, "a")
    offer(world, "a", a, home=["leiden"])
    autosave(world, "a", a, "Wat werkt?", "Eerste versie")
    submit(world, "a", a)
    offer(world, "a", a, day=["leiden"])
    submit(world, "a", a)
    rows = db.session.scalars(select(SubmittedOffer).order_by(SubmittedOffer.id)).all()
    lots, m = world["lots"], world["municipalities"]
    assert [(r.lot_id, r.municipality_id, r.current) for r in rows] == [
        (lots["home"].id, m["leiden"].id, False), (lots["day"].id, m["leiden"].id, True)]
    open_question = f"/consultations/wmo/analysis/questions/{world['q']['Wat werkt?'].id}"
    assert answers_shown(world, f"{open_question}?lot={lots['home'].id}") == []
    assert answers_shown(world, f"{open_question}?lot={lots['day'].id}") == ["Zorg A"]


def test_migration_fills_in_the_offers_of_earlier_submissions(migration_app):  # noqa: F811
    """Submissions made before revision 0039 get their offer rows from their canonical copies."""
    from tests.demo import load_demo

    upgrade()
    load_demo()
    db.session.commit()
    with db.engine.connect() as conn:
        before = conn.execute(text("SELECT submission_id, response_id, lot_id, municipality_id, \"current\" "
                                   "FROM submitted_offers ORDER BY submission_id, lot_id, municipality_id")).all()
    assert len(before) > 20 and {row[4] for row in before} == {True, False}  # zorg2 submitted twice
    db.session.remove()
    downgrade(revision="0038")
    assert "submitted_offers" not in db.inspect(db.engine).get_table_names()
    upgrade(revision="0039")
    with db.engine.connect() as conn:
        after = conn.execute(text("SELECT submission_id, response_id, lot_id, municipality_id, \"current\" "
                                  "FROM submitted_offers ORDER BY submission_id, lot_id, municipality_id")).all()
    assert after == before


def test_the_overview_counts_per_lot_and_municipality(world):
    for key, lots in (("a", {"home": ["leiden"]}), ("b", {"day": ["oegstgeest"]})):
        _started, response = start(world, key)
        offer(world, key, response, **lots)
        autosave(world, key, response, "Wat werkt?", f"Antwoord van {key}")
        assert submit(world, key, response).status_code == 302
    _started, council = start(world, "council")
    autosave(world, "council", council, "Wat werkt?", "De raad")
    submit(world, "council", council)
    editor = world["clients"]["editor"]
    everyone = text_of(editor.get("/consultations/wmo/analysis"))
    assert "Per perceel en gemeente Perceel Alle" in everyone
    assert "Ingediende reacties per soort organisatie Zorgaanbieders Adviesraden Andere organisaties Totaal 2 1 0 3" in everyone
    day = world["lots"]["day"]
    page = editor.get(f"/consultations/wmo/analysis?lot={day.id}")
    filtered = text_of(page)
    assert "Gefilterd: alleen de zorgaanbieders die dit aanboden toen zij indienden: Perceel Dagbesteding." in filtered
    assert "Ingediende reacties per soort organisatie Zorgaanbieders Adviesraden Andere organisaties Totaal 1 0 0 1" in filtered
    question = world["q"]["Wat werkt?"]
    assert f'/consultations/wmo/analysis/questions/{question.id}?lot={day.id}"' in page.get_data(as_text=True)


def test_the_tags_page_counts_per_lot_and_municipality(world):
    from consult.analysis.models import Coding, Tag

    for key, lots in (("a", {"home": ["leiden"]}), ("b", {"day": ["oegstgeest"]})):
        _started, response = start(world, key)
        offer(world, key, response, **lots)
        autosave(world, key, response, "Wat werkt?", f"Antwoord van {key}")
        assert submit(world, key, response).status_code == 302
    question = world["q"]["Wat werkt?"]
    tag = Tag(consultation_id=world["consultation"].id, name="Vervoer", colour="blue")
    db.session.add(tag)
    db.session.flush()
    responses = {row.response_id for row in db.session.scalars(select(SubmittedOffer))}
    db.session.add_all(Coding(tag_id=tag.id, response_id=response_id, question_id=question.id)
                       for response_id in sorted(responses))
    db.session.commit()
    editor, day = world["clients"]["editor"], world["lots"]["day"]
    everyone = text_of(editor.get("/consultations/wmo/analysis/tags"))
    assert "Tag Beschrijving Gebruikt Vervoer 2" in everyone.replace("Acties ", "")
    filtered = text_of(editor.get(f"/consultations/wmo/analysis/tags?lot={day.id}"))
    assert "Gefilterd: alleen de zorgaanbieders die dit aanboden toen zij indienden: Perceel Dagbesteding." in filtered
    assert "Tag Beschrijving Gebruikt Vervoer 1" in filtered.replace("Acties ", "")
    leiderdorp = world["municipalities"]["leiderdorp"]
    assert "Vervoer 0" in text_of(editor.get(f"/consultations/wmo/analysis/tags?municipality={leiderdorp.id}"))



def test_a_municipality_outside_the_lot_filtered_says_why_nothing_matches(world):
    editor, day, leiderdorp = world["clients"]["editor"], world["lots"]["day"], world["municipalities"]["leiderdorp"]
    page = text_of(editor.get(f"/consultations/wmo/analysis?lot={day.id}&municipality={leiderdorp.id}"))
    assert "Gemeente Leiderdorp koopt het perceel Dagbesteding niet in; er kan dus niets overeenkomen." in page
    leiden = world["municipalities"]["leiden"]
    assert "niets overeenkomen" not in text_of(editor.get(f"/consultations/wmo/analysis?lot={day.id}&municipality={leiden.id}"))
