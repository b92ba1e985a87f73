"""The closed demo consultation has a published report, so a new user sees the end result."""
from __future__ import annotations

from consult.consultations.models import Consultation
from consult.reports.services import publish, save_texts


def load_report(users: dict, consultations: dict[str, Consultation]) -> None:
    consultation = consultations["closed"]
    save_texts(consultation, summary="Aanbieders en adviesraden willen vooral minder administratieve lasten, vaste "
               "gezichten voor cliënten en betere samenwerking met de wijkteams. De gemeenten kiezen daarom voor "
               "minder, beter samenwerkende aanbieders bij individuele begeleiding en houden open house bij hulp "
               "bij het huishouden en dagbesteding.",
               introduction="", next_steps="De colleges stellen de inkoopstrategie in het eerste kwartaal vast. "
               "Daarna volgt de aanbesteding per segment.", by=users["team"])
    publish(consultation, by=users["team"])
