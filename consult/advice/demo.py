"""Demo advice: both councils asked; one submitted four points, three of them replied to by the
team (the reply is not yet published); the other council is still drafting. Plus comments."""
from __future__ import annotations

from datetime import timedelta

from consult.advice.models import Disposition
from consult.advice.services import add_comment, add_point, request_advice, save_introduction, save_reply, submit
from consult.consultations.models import Consultation
from consult.core.time import utcnow

POINTS = [
    ("Betrek cliënten bij de kwaliteitseisen",
     "Laat ervaringsdeskundigen meelezen met de **geschiktheidseisen** en de kwaliteitsindicatoren, "
     "zodat die aansluiten bij wat cliënten zelf belangrijk vinden.",
     Disposition.ADOPTED, "We nodigen twee ervaringsdeskundigen uit voor de werkgroep kwaliteit."),
    ("Houd keuzevrijheid bij begeleiding",
     "Contracteer bij individuele begeleiding genoeg aanbieders, zodat cliënten echt iets te kiezen hebben, "
     "ook voor specialistische doelgroepen.",
     Disposition.PARTLY, "We contracteren per segment meerdere aanbieders; voor kleine doelgroepen "
     "onderzoeken we een aparte regeling."),
    ("Geen wachtlijsten door lumpsumfinanciering",
     "Als gekozen wordt voor een taakgerichte bekostiging, leg dan vast hoe wachtlijsten worden voorkomen "
     "en gemeld.",
     Disposition.NOT_ADOPTED, "De bekostigingsvorm ligt nog niet vast; wachttijden worden in alle varianten "
     "een prestatie-indicator."),
    ("Vervoer naar dagbesteding",
     "Neem het vervoer naar de dagbesteding mee in de consultatie; voor veel cliënten is dat de grootste drempel.",
     None, ""),
]


def load_advice(users: dict, organisations: dict, consultations: dict[str, Consultation]) -> None:
    consultation = consultations["open"]
    councils = organisations["councils"]
    request = request_advice(
        consultation, question="Wij vragen u om advies over de uitgangspunten en de thema's van deze "
        "marktconsultatie: sluiten ze aan bij wat inwoners met een ondersteuningsvraag nodig hebben?",
        due_on=(utcnow() + timedelta(days=21)).date(), councils=councils, by=users["team"])
    request.created_at = utcnow() - timedelta(days=12)
    first, second = request.advices
    save_introduction(first, "De adviesraad waardeert dat de gemeenten de consultatie breed openstellen. "
                      "Wij adviseren op vier punten.", version=first.version, by=users["council"])
    for title, body, _disposition, _reply in POINTS:
        add_point(first, title=title, body=body, by=users["council"])
    submit(first, by=users["council"])
    first.submitted_at = utcnow() - timedelta(days=3)
    save_reply(first, introduction="Wij danken de adviesraad voor het zorgvuldige advies.",
               replies={point.id: (disposition, reply)
                        for point, (_t, _b, disposition, reply) in zip(first.points, POINTS, strict=True) if disposition},
               by=users["team"])
    add_point(second, title="Aandacht voor mantelzorgers",
              body="Vraag aanbieders hoe zij mantelzorgers ondersteunen en ontlasten.", by=users["council2"])

    themes = consultation.themes
    add_comment(consultation, body="Goed dat dit thema expliciet aandacht krijgt; wij horen veel over "
                "wisselende begeleiders.", by=users["council"], organisation=councils[0], theme=themes[0])
    add_comment(consultation, body="Kunt u bij deze vraag ook naar de bereikbaarheid in de avond vragen?",
                by=users["council2"], organisation=councils[1], question=themes[0].questions[0])
