"""Demo funding scenarios for the closed consultation, whose providers submitted cost-price sheets."""
from __future__ import annotations

from consult.consultations.models import Consultation
from consult.tariffs.models import FundingScenario, ScenarioForm, TariffBasis
from consult.tariffs.services import choose_scenario, cost_questions, save_scenario


def load_tariffs(users: dict, consultations: dict[str, Consultation]) -> None:
    closed = consultations["closed"]
    question = cost_questions(closed)[0]
    product = question.rows[0][0]
    volumes = {str(m.id): {"volume": 4000.0 + 1500 * n} for n, m in enumerate(closed.municipalities)}
    team = users["team"]
    percentile: FundingScenario = save_scenario(closed, None, {
        "question_id": question.id, "product": product, "name": "Prijs × volume op het 60e percentiel",
        "form": ScenarioForm.PRICE_QUANTITY, "basis": TariffBasis.PERCENTILE, "percentile": 60,
        "client_price": None, "indexation": 3.0, "years": 4, "quantities": volumes}, base_version=None, by=team)
    save_scenario(closed, None, {
        "question_id": question.id, "product": product, "name": "Taakgericht budget per gemeente",
        "form": ScenarioForm.LUMP_SUM, "basis": TariffBasis.PERCENTILE, "percentile": 50, "client_price": None,
        "indexation": 3.0, "years": 4,
        "quantities": {key: {"amount": value["volume"] * 42.0} for key, value in volumes.items()}},
        base_version=None, by=team)
    choose_scenario(percentile, by=team)
