"""Demo strategy draft for the closed consultation: five segments modelled on the Leiden region's
procurement, evidence links with all three dispositions, revisions, and council comments."""
from __future__ import annotations

from consult.advice.models import Disposition
from consult.consultations.models import Consultation
from consult.strategy.services import (
    GENERAL,
    add_comment,
    add_segment,
    create_draft,
    handle_comment,
    link_evidence,
    part_key,
    save_general,
    save_segment,
    share,
    sources,
)

SEGMENTS = [
    dict(name="Hulp bij het huishouden", services="Schoonmaken, wasverzorging en regie op het huishouden.",
         organisation_form="open_house", process="Toelating van iedere aanbieder die aan de eisen voldoet; "
         "jaarlijks instapmoment.", providers_kind="unlimited", funding_form="output",
         funding_explanation="Vast tarief per resultaat schoon en leefbaar huis.", duration="4 jaar",
         extension="2 keer 1 jaar", tariff="Vastgesteld door de gemeenten na kostprijsonderzoek.",
         suitability="Kwaliteitskeurmerk\nVerklaring omtrent gedrag medewerkers", award_criteria="",
         kpis="Wachttijd tot start\nCliënttevredenheid", rationale="Keuzevrijheid voor inwoners staat voorop."),
    dict(name="Individuele begeleiding", services="Begeleiding thuis bij zelfredzaamheid en participatie.",
         organisation_form="administrative", process="Bestuurlijk aanbesteden met een dialoogtafel per jaar.",
         providers_kind="range", providers_min="8", providers_max="15", funding_form="task",
         funding_explanation="Lumpsum per wijk met afspraken over wachttijden.", duration="5 jaar",
         extension="1 keer 2 jaar", tariff="Budget per wijk, jaarlijks geïndexeerd.",
         suitability="Ervaring met de doelgroep\nSamenwerkingsafspraken met wijkteams",
         award_criteria="Visie op samenwerking in de wijk\nInzet van ervaringsdeskundigen",
         kpis="Doelrealisatie\nUitstroom naar sociale basis", rationale="Minder aanbieders, meer samenwerking."),
    dict(name="Dagbesteding", services="Dagbesteding voor ouderen en mensen met een beperking.",
         organisation_form="open_house", process="Toelating met aanvullende eisen voor vervoer.",
         providers_kind="unlimited", funding_form="effort", funding_explanation="Tarief per dagdeel (PxQ).",
         duration="4 jaar", extension="2 keer 1 jaar", tariff="Vastgesteld door de gemeenten.",
         suitability="Toegankelijke locatie", award_criteria="", kpis="Bezettingsgraad\nCliënttevredenheid",
         rationale="Aansluiten bij de sociale basis in de wijk."),
    dict(name="Kortdurend verblijf", services="Logeeropvang ter ontlasting van mantelzorgers.",
         organisation_form="european_tender", process="Openbare Europese aanbesteding met gunning op kwaliteit.",
         providers_kind="number", providers_min="3", funding_form="effort", funding_explanation="Tarief per etmaal.",
         duration="3 jaar", extension="1 keer 1 jaar", tariff="Geoffreerd door inschrijvers binnen een plafond.",
         suitability="Beschikbaarheid 24/7", award_criteria="Kwaliteit van de logeeropvang\nPrijs",
         kpis="Beschikbaarheid van plekken", rationale="Beperkt aanbod, kwaliteit doorslaggevend."),
    dict(name="Beschermd wonen", services="Wonen met toezicht en begeleiding.",
         organisation_form="subsidy", organisation_form_explanation="Subsidie voor de regionale voorziening.",
         process="Subsidierelatie met jaarlijkse verantwoording.", providers_kind="number", providers_min="2",
         funding_form="task", funding_explanation="Budgetsubsidie.", duration="4 jaar", extension="",
         tariff="Budget op basis van capaciteit.", suitability="Regionale spreiding", award_criteria="",
         kpis="Doorstroom naar zelfstandig wonen", rationale="Regionale taak met weinig aanbieders."),
]


def load_strategy(users: dict, organisations: dict, consultations: dict[str, Consultation]) -> None:
    consultation = consultations["closed"]
    team = users["team"]
    draft = create_draft(consultation, by=team)
    save_general(draft, principles="- De inwoner staat centraal\n- Zo dicht mogelijk bij huis\n- Minder "
                 "administratieve lasten", change_tasks="Meer inzet op de sociale basis en samenwerking in de wijk.",
                 by=team)
    # Oegstgeest keeps its day care with its neighbourhood association: its own choice in that segment.
    oegstgeest = next(m for m in consultation.municipalities if m.name == "Gemeente Oegstgeest")
    local = {"Dagbesteding": [{"municipality": oegstgeest.id, "organisation_form": "subsidy", "funding_form": "task",
                               "note": "Samen met de wijkvereniging"}]}
    segments = [add_segment(draft, by=team, **fields, local_choices=local.get(fields["name"], [])) for fields in SEGMENTS]
    # A second revision of a segment: the team reconsidered the duration.
    save_segment(segments[1], by=team, **{**SEGMENTS[1], "duration": "6 jaar", "extension": "1 keer 2 jaar"})
    found = sources(consultation, limit=1000)
    answers = [s for s in found if s.type == "answer" and not s.confidential]
    syntheses = [s for s in found if s.type == "synthesis"]
    # Two links point at the one choice of their segment they support; the others at a part as a whole.
    plan = [(segments[0], "organisation_form", answers[0], Disposition.ADOPTED, "Keuzevrijheid blijft via open house."),
            (segments[1], "providers", answers[1], Disposition.PARTLY,
             "Minder aanbieders, maar geen vast aantal per wijk."),
            (segments[2], "", answers[2], Disposition.NOT_ADOPTED, "Vervoer valt buiten dit segment."),
            (None, "", syntheses[0], Disposition.ADOPTED, "Verwerkt in de uitgangspunten.")]
    for segment, choice, source, disposition, reason in plan:
        link_evidence(draft, part_key(segment) if segment else GENERAL, source.type, source.ref, disposition,
                      reason, by=team, choice=choice)
    share(draft, by=team)
    council = organisations["councils"][0]
    first = add_comment(draft, part_key(segments[1]), "Let op de continuïteit voor cliënten bij minder aanbieders.",
                        by=users["council"], organisation=council)
    handle_comment(first, "We nemen een overgangsregeling op voor lopende trajecten.", by=team)
    add_comment(draft, GENERAL, "Wij missen de rol van mantelzorgers in de uitgangspunten.", by=users["council2"],
                organisation=organisations["councils"][1])
