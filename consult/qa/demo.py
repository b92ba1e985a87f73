"""Demo questions and answers: five published items and one question still waiting."""
from __future__ import annotations

from datetime import timedelta

from consult.consultations.models import Consultation
from consult.core.time import utcnow
from consult.qa.services import ask, publish, save

ITEMS = [
    ("provider1", None, "Is meedoen aan de consultatie verplicht om later te mogen inschrijven?",
     "Moet een aanbieder aan de consultatie hebben meegedaan om later te mogen inschrijven?",
     "Nee. Meedoen is vrijwillig en geeft geen voordeel of nadeel bij de inkoop die volgt."),
    ("provider2", "Dienstverlening", "Worden onze kostprijzen gedeeld met andere aanbieders?",
     "Worden opgegeven kostprijzen gedeeld met andere aanbieders?",
     "Nee. Kostprijzen zijn vertrouwelijk en worden alleen als totaal over minstens vijf aanbieders gerapporteerd."),
    ("council", "Cliënt", "Hoe worden cliënten zelf betrokken?",
     "Hoe worden cliënten betrokken bij de nieuwe inkoop?",
     "Via de adviesraden, die advies uitbrengen over de consultatie en later over de inkoopstrategie."),
    ("provider3", "Samenwerking", "Komt er per wijk één aanspreekpunt bij de gemeente?",
     "Komt er per wijk een vast aanspreekpunt voor aanbieders?",
     "Dat onderzoeken we; de opbrengst van deze consultatie weegt daarin mee."),
    ("provider5", None, "Kunnen wij een positionpaper meesturen?",
     "Kunnen aanbieders een positionpaper meesturen?",
     "Ja, bij de laatste vraag van het thema Samenwerking kunt u een bestand toevoegen."),
]


def load_qa(users: dict, organisations: dict, consultations: dict[str, Consultation]) -> None:
    consultation = consultations["open"]
    themes = {theme.title: theme for theme in consultation.themes}
    providers = organisations["providers"]
    org_of = {f"provider{i}": providers[i - 1] for i in range(1, 7)} | {"council": organisations["councils"][0]}
    for index, (who, theme, asked, question, answer) in enumerate(ITEMS):
        item = ask(consultation, themes.get(theme), asked, by=users[who], organisation=org_of[who])
        item.asked_at = utcnow() - timedelta(days=9 - index)
        save(item, question=question, answer=answer, theme=themes.get(theme), by=users["team"])
        publish(item, by=users["team"])
        item.published_at = utcnow() - timedelta(days=8 - index)
    ask(consultation, themes.get("Dienstverlening"), "Geldt de indexatie van tarieven ook voor lopende trajecten?",
        by=users["provider4"], organisation=providers[3])
