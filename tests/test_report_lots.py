"""The report per lot: the same report, with the same content model and formats, for one lot: its
questions and those asked of everyone, its Q&A items, and figures that count only the care providers
that offered the lot when they submitted, under the same disclosure rules. A published version keeps
each lot's report as published and its files; nobody outside the team reads a lot's report before."""
from __future__ import annotations

from sqlalchemy import select

from consult.audit.models import AuditEvent
from consult.consultations.models import Audience, Consultation, Lot, Question, QuestionKind, Status
from consult.extensions import db
from consult.qa.services import ask
from consult.qa.services import publish as publish_qa
from consult.qa.services import save as save_qa
from consult.reports.models import Report, ReportFile
from consult.responses.models import Publication
from consult.responses.services import save_answer, set_offer, set_publication, start_response, submit
from tests.conftest import make_org, make_user, post_form, text_of
from tests.test_lots import world  # noqa: F401  (a fixture)
from tests.test_reports import texts

CHOICES = ["Per uur", "Per resultaat", "Per traject"]


def providers(world, count_home: int, count_day: int) -> None:
    """``count_home`` care providers offering home help in Leiden, then ``count_day`` offering day care
    in Oegstgeest; each answers the question for everyone and the funding choice, and submits named."""
    consultation, lots, m = world["consultation"], world["lots"], world["municipalities"]
    choice = world["q"]["Welke bekostiging?"]
    offers = [(lots["home"].id, m["leiden"].id)] * count_home + [(lots["day"].id, m["oegstgeest"].id)] * count_day
    for index, pair in enumerate(offers):
        org = make_org(f"Aanbieder {index}", kvk=f"3{index:07d}")
        user = make_user(f"aanbieder{index}@example.org", name=f"Lid {index}", org=org)
        response = start_response(consultation, org, by=user)
        set_offer(response, {pair}, by=user)
        save_answer(response, world["q"]["Wat werkt?"], f"Antwoord {index}", False, None, by=user)
        save_answer(response, choice, CHOICES[index % 3], False, None, by=user)
        set_publication(response, Publication.NAMED, by=user)
        submit(response, by=user, notify=False)
        db.session.commit()


def with_choice(world) -> None:
    choice = Question(text="Welke bekostiging?", kind=QuestionKind.SINGLE, options=CHOICES, position=5)
    world["theme"].questions.append(choice)
    db.session.commit()
    world["q"][choice.text] = choice


def close_and_publish(world):
    world["consultation"].status = Status.CLOSED
    db.session.commit()
    editor = world["clients"]["editor"]
    return post_form(editor, "/consultations/wmo/report/edit",
                     {"summary": "Wat we hoorden.", "introduction": "", "next_steps": "", "action": "publish"})


def test_a_lots_report_has_its_questions_and_counts_only_its_care_providers(world):
    with_choice(world)
    providers(world, count_home=5, count_day=2)
    editor = world["clients"]["editor"]
    lots = world["lots"]
    whole = text_of(editor.get("/consultations/wmo/report"))
    day = text_of(editor.get(f"/consultations/wmo/report?lot={lots['day'].id}"))
    # The page offers the report of the whole consultation and of each lot.
    assert "Verslag van de hele consultatie Perceel Huishoudelijke ondersteuning Perceel Dagbesteding" in whole
    assert "Consultatieverslag: Wmo, perceel Dagbesteding Gemeente Leiden, Gemeente Oegstgeest · Concept" in day
    assert "Consultatieverslag: Wmo Gemeente Leiden, Gemeente Leiderdorp, Gemeente Oegstgeest · Concept" in whole
    # The lot's questions (numbered as in the whole questionnaire) and those for everyone; not the
    # other lot's, nor one for a municipality outside the lot.
    annex = day.split("Bijlage: de vragenlijst")[-1].split("Bijlage: deelnemende organisaties")[0]
    assert annex.strip() == ("1. Dienstverlening 1.1 Wat werkt? 1.3 Vervoer naar de dagbesteding? "
                             "1.5 Dagbesteding in Oegstgeest? 1.6 Welke bekostiging?")
    assert "1.2 Uurtarief thuishulp?" in whole and "1.4 Wachtlijst in Leiderdorp?" in whole
    # The figures: seven providers in all, two offered day care; two are too few to show.
    assert ("Ingediende reacties per soort organisatie Zorgaanbieders Adviesraden Andere organisaties Totaal "
            "7 0 0 7") in whole
    assert ("Ingediende reacties per soort organisatie Zorgaanbieders Adviesraden Andere organisaties Totaal "
            "2 0 0 2") in day
    assert "Reacties per thema Thema Reacties Dienstverlening 2" in day
    assert "Welke bekostiging?: te weinig reacties om te tonen." in day
    # Five offered home help: enough on their own, but beside the whole report's seven the other two
    # (day care) would follow by subtraction, so the home-help report withholds the figure too.
    home = text_of(editor.get(f"/consultations/wmo/report?lot={lots['home'].id}"))
    assert "Welke bekostiging?: te weinig reacties om te tonen." in home
    # The analysis, filtered by that lot, says so where it previews the published figures.
    question = world["q"]["Welke bekostiging?"]
    analysis = text_of(editor.get(f"/consultations/wmo/analysis/questions/{question.id}?lot={lots['home'].id}"))
    assert ("In het gepubliceerde verslag Niet gepubliceerd in het verslag van het perceel: naast de cijfers van de "
            "hele consultatie (en van de andere percelen) zou het een groep van minder dan 5 organisaties") in analysis
    # Filtered by day care (two providers): the plain reason, fewer than five.
    small = text_of(editor.get(f"/consultations/wmo/analysis/questions/{question.id}?lot={lots['day'].id}"))
    assert ("In het gepubliceerde verslag Niet gepubliceerd: minder dan 5 organisaties waarvan de antwoorden mogen "
            "meetellen, hebben geantwoord.") in small
    unfiltered = text_of(editor.get(f"/consultations/wmo/analysis/questions/{question.id}"))
    assert "In het gepubliceerde verslag Aantallen over 7 organisaties" in unfiltered
    assert "Welke bekostiging? Antwoord Organisaties in totaal Per uur 3 Per resultaat 2 Per traject 2" in whole
    assert "Dit verslag gaat over het perceel Dagbesteding: de vragen daarvan en die aan iedereen." in day
    assert "Organisaties die genoemd willen worden; 0 andere deden mee zonder hun naam. " \
           "Aanbieder 5 Aanbieder 6" in day


def test_a_lots_report_has_its_qa_items_and_those_for_everyone(world, app):
    consultation, lots = world["consultation"], world["lots"]
    asker = make_user("vrager@example.org", name="Vera Vrager", org=world["orgs"]["a"])
    editor = world["users"]["editor"]
    for text, lot in (("Vervoer inbegrepen?", lots["day"]), ("Hoe lang duurt het contract?", None),
                      ("Welke schoonmaakmiddelen?", lots["home"])):
        item = ask(consultation, None, f"Wij willen graag weten: {text.lower()}", by=asker,
                   organisation=world["orgs"]["a"])
        save_qa(item, question=text, answer="Zie de stukken.", theme=None, lot=lot, by=editor)
        publish_qa(item, by=editor)
        db.session.commit()
    day = text_of(world["clients"]["editor"].get(f"/consultations/wmo/report?lot={lots['day'].id}"))
    qa = day.split("Vragen en antwoorden")[-1].split("De inkoopstrategie")[0]
    assert qa.strip() == ("Vraag 1: Vervoer inbegrepen? Antwoord: Zie de stukken. "
                          "Vraag 2: Hoe lang duurt het contract? Antwoord: Zie de stukken.")


def test_publishing_keeps_each_lots_report_in_every_format(world, app):
    with_choice(world)
    providers(world, count_home=1, count_day=1)
    lots = world["lots"]
    anonymous = world["clients"]["anonymous"]
    # Before publication nobody outside the team reads a lot's report.
    assert anonymous.get(f"/consultations/wmo/report?lot={lots['day'].id}").status_code == 302
    assert close_and_publish(world).status_code == 302
    report = db.session.scalar(select(Report))
    assert sorted(report.published_lots) == sorted([str(lots["home"].id), str(lots["day"].id)])
    files = db.session.execute(select(ReportFile.lot_key, ReportFile.language, ReportFile.fmt, ReportFile.status)
                               .order_by(ReportFile.lot_key, ReportFile.language, ReportFile.fmt)).all()
    keys = sorted({0, lots["home"].id, lots["day"].id})
    assert files == [(key, language, fmt, "done") for key in keys for language in ("en", "nl")
                     for fmt in ("docx", "odt", "pdf")]
    for fmt, text in texts(app, anonymous, f"?lot={lots['day'].id}").items():
        assert "Consultatieverslag: Wmo, perceel Dagbesteding" in text, fmt
        assert "Vervoer naar de dagbesteding?" in text and "Uurtarief thuishulp?" not in text, fmt
        assert "Definitief, versie 1" in text, fmt
    download = anonymous.get(f"/consultations/wmo/report.pdf?lot={lots['day'].id}&v=1&lang=nl")
    assert download.headers["Content-Disposition"] == (
        f"attachment; filename=consultatieverslag-wmo-perceel-{lots['day'].id}.pdf")
    assert download.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # The published lot's report stays as published while the data changes; the team previews anew.
    lots["day"].name = "Dagactiviteiten"
    db.session.commit()
    assert "perceel Dagbesteding" in text_of(anonymous.get(f"/consultations/wmo/report?lot={lots['day'].id}"))
    preview = text_of(world["clients"]["editor"].get(f"/consultations/wmo/report?lot={lots['day'].id}&preview=1"))
    assert "Consultatieverslag: Wmo, perceel Dagactiviteiten" in preview
    assert "Dit is een concept uit de huidige gegevens, alleen zichtbaar voor het projectteam." in preview
    # A team member's download of a published lot's file is recorded with the lot.
    assert world["clients"]["editor"].get(f"/consultations/wmo/report.odt?lot={lots['day'].id}").status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report_exported")
                              .order_by(AuditEvent.id.desc()))
    assert event.detail == {"format": "odt", "version": 1, "lot": lots["day"].id}


def test_a_lot_added_after_publication_and_a_lot_of_another_consultation(world, app):
    with_choice(world)
    providers(world, count_home=1, count_day=0)
    assert close_and_publish(world).status_code == 302
    later = Lot(name="Hulpmiddelen", position=2, municipalities=[world["municipalities"]["leiden"]])
    world["consultation"].lots.append(later)
    db.session.commit()
    anonymous, editor = world["clients"]["anonymous"], world["clients"]["editor"]
    # Not in the published version: not for readers; the team sees its concept.
    assert anonymous.get(f"/consultations/wmo/report?lot={later.id}").status_code == 404
    assert anonymous.get(f"/consultations/wmo/report.pdf?lot={later.id}").status_code == 404
    page = text_of(editor.get(f"/consultations/wmo/report?lot={later.id}"))
    assert "Consultatieverslag: Wmo, perceel Hulpmiddelen Gemeente Leiden · " in page
    assert "Dit is een concept uit de huidige gegevens, alleen zichtbaar voor het projectteam." in page
    # The published page lists only the lots it has a report of.
    published = text_of(anonymous.get("/consultations/wmo/report"))
    assert "Verslag van de hele consultatie Perceel Huishoudelijke ondersteuning Perceel Dagbesteding " in published
    assert "Perceel Hulpmiddelen" not in published
    # A lot of another consultation, or no lot at all: not found.
    other = Lot(name="Elders", position=0)
    elsewhere = Consultation(slug="elders", title="Elders", status=Status.OPEN, principles=[], lots=[other])
    db.session.add(elsewhere)
    db.session.commit()
    assert anonymous.get(f"/consultations/wmo/report?lot={other.id}").status_code == 404
    assert editor.get("/consultations/wmo/report?lot=999999").status_code == 404
    assert editor.get("/consultations/wmo/report?lot=abc").status_code == 200  # read as no lot


def test_lots_of_five_each_show_their_figures(world):
    with_choice(world)
    providers(world, count_home=5, count_day=5)
    editor, lots = world["clients"]["editor"], world["lots"]
    whole = text_of(editor.get("/consultations/wmo/report"))
    home = text_of(editor.get(f"/consultations/wmo/report?lot={lots['home'].id}"))
    day = text_of(editor.get(f"/consultations/wmo/report?lot={lots['day'].id}"))
    assert "Welke bekostiging? Antwoord Organisaties in totaal Per uur 4 Per resultaat 3 Per traject 3" in whole
    assert "Welke bekostiging? Antwoord Organisaties in totaal Per uur 2 Per resultaat 2 Per traject 1" in home
    assert "Welke bekostiging? Antwoord Organisaties in totaal Per uur 2 Per resultaat 1 Per traject 2" in day


def test_a_council_outside_every_lot_is_not_singled_out_by_the_lots_figures(world):
    """Five providers per lot and a council that answered too: the whole report counts eleven; were both
    lots' figures shown, the whole minus the two lots would be the council's own answer. One lot's
    report withholds its figure (the other shows it: nothing follows from that one alone)."""
    with_choice(world)
    world["q"]["Welke bekostiging?"].audience = Audience.BOTH
    db.session.commit()
    providers(world, count_home=5, count_day=5)
    council, member = world["orgs"]["council"], world["users"]["council"]
    response = start_response(world["consultation"], council, by=member)
    save_answer(response, world["q"]["Welke bekostiging?"], "Per traject", False, None, by=member)
    set_publication(response, Publication.NAMED, by=member)
    submit(response, by=member, notify=False)
    db.session.commit()
    editor, lots = world["clients"]["editor"], world["lots"]
    reports = {key: text_of(editor.get(f"/consultations/wmo/report?lot={lots[key].id}")) for key in ("home", "day")}
    withheld = [key for key, text in reports.items() if "Welke bekostiging?: te weinig reacties om te tonen." in text]
    shown = [key for key, text in reports.items() if "Welke bekostiging? Antwoord Organisaties in totaal" in text]
    assert (withheld, shown) == (["home"], ["day"])  # the first lot (by id) gives way
    whole = text_of(editor.get("/consultations/wmo/report"))
    # The council's answer counts too.
    assert "Welke bekostiging? Antwoord Organisaties in totaal Per uur 4 Per resultaat 3 Per traject 4" in whole
