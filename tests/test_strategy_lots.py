"""Strategy segments per lot, with local choices per municipality: the team ties a segment to a lot,
lets a municipality of that lot choose its own organisation or funding form where the region leaves
it open, and sees segment × municipality on the overview; revisions, restores, the strategy document
and each lot's report carry the lot and the local choices."""
from __future__ import annotations

import io

from odfdo import Document as OdfDocument
from sqlalchemy import select

from consult.extensions import db
from consult.strategy.models import Revision, Segment
from tests.conftest import post_form, text_of
from tests.test_lots import world  # noqa: F401  (a fixture)

BASE = "/consultations/wmo/strategy"


def segment_form(world, name: str, lot: str | None, choices: dict[str, tuple[str, str, str]]) -> dict:
    """The segment form as a browser sends it: one row of local choices per municipality of the
    consultation (Leiden, Leiderdorp, Oegstgeest), ``choices`` filling some by key."""
    data = {"name": name, "services": "", "organisation_form": "european_tender", "providers_kind": "unlimited",
            "funding_form": "task", "duration": "4 jaar",
            "lot": str(world["lots"][lot].id) if lot else ""}
    for index, key in enumerate(("leiden", "leiderdorp", "oegstgeest")):
        organisation_form, funding_form, note = choices.get(key, ("", "", ""))
        data |= {f"local_choices-{index}-municipality": str(world["municipalities"][key].id),
                 f"local_choices-{index}-organisation_form": organisation_form,
                 f"local_choices-{index}-funding_form": funding_form, f"local_choices-{index}-note": note}
    return data


def started(world):
    editor = world["clients"]["editor"]
    assert post_form(editor, BASE, {"action": "create"}).status_code == 302
    return editor


def test_a_segment_per_lot_with_local_choices_and_the_grid(world):
    editor = started(world)
    page = editor.get(f"{BASE}/segments/new")
    html = page.get_data(as_text=True)
    assert '<option selected value="">Niet aan één perceel gebonden</option>' in html
    assert html.count('<option value="">Zoals de regio</option>') == 6  # two per municipality
    added = post_form(editor, f"{BASE}/segments/new", segment_form(
        world, "Dagbesteding", "day", {"oegstgeest": ("subsidy", "", "Via de wijkvereniging")}))
    assert added.status_code == 302
    segment = db.session.scalar(select(Segment))
    assert segment.lot_id == world["lots"]["day"].id
    assert segment.local_choices == [{"municipality": world["municipalities"]["oegstgeest"].id,
                                      "name": "Gemeente Oegstgeest", "organisation_form": "subsidy",
                                      "funding_form": None, "note": "Via de wijkvereniging"}]
    post_form(editor, f"{BASE}/segments/new", segment_form(world, "Thuisondersteuning", "home",
                                                           {"leiderdorp": ("", "output", "")}))
    overview = text_of(editor.get(BASE))
    assert ("Segment Perceel Organisatievorm Aantal aanbieders Bekostigingsvorm Contractduur "
            "Dagbesteding Dagbesteding Europese aanbesteding Onbeperkt") in overview
    assert ("Per gemeente: waar een gemeente zelf kiest Segment Gemeente Leiden Gemeente Leiderdorp Gemeente Oegstgeest "
            "Dagbesteding zoals de regio niet in dit perceel Subsidie — Via de wijkvereniging "
            "Thuisondersteuning zoals de regio Outputgericht zoals de regio") in overview
    # The segment page (and the form) show what was chosen.
    form = editor.get(f"{BASE}/segments/{segment.id}").get_data(as_text=True)
    assert f'<option selected value="{world["lots"]["day"].id}">Dagbesteding</option>' in form
    assert 'value="Via de wijkvereniging"' in form


def test_a_local_choice_outside_the_lot_is_refused_with_the_text_kept(world):
    editor = started(world)
    refused = post_form(editor, f"{BASE}/segments/new", segment_form(
        world, "Dagbesteding", "day", {"leiderdorp": ("", "effort", "Eigen tarief")}))
    assert refused.status_code == 200
    text = text_of(refused)
    message = ("Gemeente Leiderdorp koopt het perceel van dit segment niet in en maakt hier dus geen lokale keuze: "
               "maak de keuzes leeg, of kies een ander perceel.")
    assert f"Er is een probleem {message}" in text  # in the summary, and at Leiderdorp's fields
    html = refused.get_data(as_text=True)
    assert 'href="#local_choices-1-organisation_form"' in html
    assert 'aria-invalid="true" class="utrecht-select utrecht-select--html-select utrecht-select--invalid " ' \
           'id="local_choices-1-organisation_form"' in html
    assert 'value="Eigen tarief"' in html
    assert db.session.scalar(select(Segment)) is None
    # A tampered option, and a lot of another consultation, are named too; nothing is saved.
    tampered = post_form(editor, f"{BASE}/segments/new", segment_form(
        world, "Dagbesteding", "day", {"leiden": ("bogus", "", "")}))
    assert tampered.status_code == 200
    assert "Kies een van de mogelijkheden bij “Organisatievorm”." in text_of(tampered)
    assert 'href="#local_choices-0-organisation_form"' in tampered.get_data(as_text=True)
    data = segment_form(world, "Dagbesteding", None, {})
    data["lot"] = "999999"
    other_lot = post_form(editor, f"{BASE}/segments/new", data)
    assert other_lot.status_code == 200
    assert "Kies een van de percelen van de consultatie." in text_of(other_lot)
    assert db.session.scalar(select(Segment)) is None


def test_revisions_compare_and_restore_the_lot_and_the_local_choices(world):
    editor = started(world)
    post_form(editor, f"{BASE}/segments/new", segment_form(world, "Dagbesteding", "day", {}))
    segment = db.session.scalar(select(Segment))
    saved = post_form(editor, f"{BASE}/segments/{segment.id}", {
        **segment_form(world, "Dagbesteding", "day", {"leiden": ("open_house", "output", "")}),
        "version": str(segment.version)})
    assert saved.status_code == 302
    diff = text_of(editor.get(f"{BASE}/revisions?a=1&b=2"))
    assert "Lokale keuzes per gemeente toegevoegd: - Gemeente Leiden: Open house; Outputgericht" in diff
    first = db.session.scalar(select(Revision).where(Revision.number == 1))
    assert post_form(editor, f"{BASE}/revisions", {"revision": str(first.id)}).status_code == 302
    db.session.refresh(segment)
    assert (segment.lot_id, segment.local_choices) == (world["lots"]["day"].id, [])


def test_the_strategy_document_and_each_lots_report_carry_the_segments_of_the_lot(world, app):
    editor = started(world)
    post_form(editor, f"{BASE}/segments/new", segment_form(
        world, "Dagbesteding", "day", {"oegstgeest": ("", "output", "")}))
    post_form(editor, f"{BASE}/segments/new", segment_form(world, "Thuisondersteuning", "home", {}))
    post_form(editor, f"{BASE}/segments/new", segment_form(world, "Toegang", None, {}))
    document = " ".join(OdfDocument(io.BytesIO(editor.get(f"{BASE}/export.odt").data)).get_formatted_text().split())
    assert "Perceel: Dagbesteding Lokale keuzes per gemeente: - Gemeente Oegstgeest: Outputgericht" in document
    day = text_of(editor.get(f"/consultations/wmo/report?lot={world['lots']['day'].id}"))
    strategy = day.split("De inkoopstrategie")[-1]
    assert "Dagbesteding" in strategy and "Toegang" in strategy and "Thuisondersteuning" not in strategy
    whole = text_of(editor.get("/consultations/wmo/report")).split("De inkoopstrategie")[-1]
    assert "Thuisondersteuning" in whole


def test_a_municipality_taken_out_of_the_lot_drops_its_local_choice(world):
    editor = started(world)
    post_form(editor, f"{BASE}/segments/new", segment_form(
        world, "Thuishulp", "home", {"oegstgeest": ("subsidy", "", "Eigen regeling")}))
    segment = db.session.scalar(select(Segment))
    # The team takes Oegstgeest out of the home-help lot (the consultation is open: with a reason).
    lot, m = world["lots"]["home"], world["municipalities"]
    changed = post_form(editor, f"/consultations/wmo/manage/lots/{lot.id}",
                        {"name": "Huishoudelijke ondersteuning", "description": "",
                         "municipalities": [str(m["leiden"].id), str(m["leiderdorp"].id)],
                         "reason": "Oegstgeest koopt zelf in"})
    assert changed.status_code == 302
    page = text_of(editor.get(f"{BASE}/segments/{segment.id}"))
    assert "Eigen regeling" not in page
    assert "Thuishulp zoals de regio zoals de regio niet in dit perceel" in text_of(editor.get(BASE))
    # Saving the segment again (its name only) is not refused for the choice that no longer applies.
    db.session.refresh(segment)
    saved = post_form(editor, f"{BASE}/segments/{segment.id}", {
        **segment_form(world, "Thuisondersteuning", "home", {}), "version": str(segment.version)})
    assert saved.status_code == 302
    db.session.refresh(segment)
    assert (segment.name, segment.local_choices) == ("Thuisondersteuning", [])
    document = " ".join(OdfDocument(io.BytesIO(editor.get(f"{BASE}/export.odt").data)).get_formatted_text().split())
    assert "Eigen regeling" not in document


def test_odd_row_numbers_in_the_local_choices_are_no_rows_not_a_500(world):
    editor = started(world)
    data = segment_form(world, "Dagbesteding", "day", {})
    data |= {"local_choices-²-note": "x", f"local_choices-{'9' * 5000}-note": "y", "local_choices-abc-note": "z"}
    added = post_form(editor, f"{BASE}/segments/new", data)
    assert added.status_code == 302
    assert db.session.scalar(select(Segment)).local_choices == []


def test_two_hundred_posted_rows_of_local_choices_are_no_500(world):
    editor = started(world)
    data = {key: value for key, value in segment_form(world, "Dagbesteding", "day", {}).items()
            if not key.startswith("local_choices-")}  # no row of a real municipality, and 230 others
    data |= {f"local_choices-{n}-note": "" for n in range(10, 240)}
    assert post_form(editor, f"{BASE}/segments/new", data).status_code == 302
    assert db.session.scalar(select(Segment)).local_choices == []
