"""Demo responses, made through the real services so every receipt verifies.

Open consultation: providers 1–3 submitted (provider 1 with confidential cost prices,
provider 2 withdrew and submitted again), provider 4 has a draft. Closed consultation: all
six providers and both councils submitted before the deadline.
"""
from __future__ import annotations

from datetime import timedelta

from consult.consultations.models import Consultation, QuestionKind, Status
from consult.core.time import utcnow
from consult.responses import costprice
from consult.responses.models import Publication
from consult.responses.services import (
    questions_for,
    save_answer,
    set_offer,
    set_publication,
    start_response,
    submit,
    withdraw,
)

OPEN_TEXTS = [
    "We zien meer inwoners met meervoudige problemen en meer ouderen die langer thuis wonen. "
    "Dat vraagt om ondersteuning die flexibel op- en afschaalt.",
    "Betrek het netwerk vanaf het eerste gesprek en maak afspraken over wat mantelzorgers zelf doen. "
    "Een vaste contactpersoon helpt daarbij.",
    "Resultaten als 'de inwoner houdt het huishouden zelf op orde' zijn meetbaar met een korte "
    "evaluatie na drie en na twaalf maanden.",
    "Vaste aanspreekpunten per wijkteam en een gezamenlijk casusoverleg per kwartaal.",
]
COST_PRICES = [58.5, 64.0, 61.25, 72.0, 66.4, 59.9]


def _sheet(question, seed: int) -> list[dict] | None:
    """A cost-price sheet that differs per provider (the sixth asks a high overhead: an outlier)."""
    rows = []
    for n, (product, unit) in enumerate(question.rows):
        if (seed + n) % 4 == 3:
            continue  # not every provider offers every product
        figures = {"salary": 2900 + 110 * (seed % 5) + 150 * n, "allowances": 16.33, "employer": 24 + seed % 3,
                   "contract_hours": 1872, "absence": 5 + seed % 3, "indirect": 14 + (seed * 3) % 5,
                   "training_time": 2, "travel_time": 0 if unit != "uur" else 6 + seed % 3,
                   "training_costs": 450 + 50 * seed, "hours_per_unit": {"dagdeel": 0.5, "etmaal": 3.0}.get(unit, 1),
                   "other_costs": {"dagdeel": 11.5, "etmaal": 38.0}.get(unit, 0) + seed % 2,
                   "travel_costs": 1.1 if unit == "uur" else 0, "overhead": 38 if seed == 5 else 11 + seed % 4,
                   "margin": 2 + seed % 2, "indexation": 2.8 + 0.1 * seed, "volume": 1500 + 400 * seed}
        rows.append({"product": product, "unit": unit, "grade": f"Cao Sociaal Werk, schaal {6 + n}, trede {3 + seed}",
                     **{key: float(value) for key, value in figures.items()},
                     "price": float(costprice.compute(figures).price)})
    return rows or None


def _fill(response, user, now, *, seed: int, confidential_costs: bool) -> None:
    for _theme, questions in questions_for(response):
        for index, question in enumerate(questions):
            if question.kind == QuestionKind.OPEN:
                value = OPEN_TEXTS[(seed + index) % len(OPEN_TEXTS)]
            elif question.kind == QuestionKind.SINGLE:
                value = question.options[(seed + index) % len(question.options)]
            elif question.kind == QuestionKind.MULTIPLE:
                value = question.options[: 1 + (seed % len(question.options))]
            elif question.kind == QuestionKind.SCALE:
                value = 2 + (seed + index) % 4
            elif question.kind == QuestionKind.NUMBER:
                value = round(COST_PRICES[seed % len(COST_PRICES)] + index, 2)
            elif question.kind == QuestionKind.COST_PRICE:
                value = _sheet(question, seed)
            else:
                continue
            confidential = question.confidential_default if confidential_costs else False
            save_answer(response, question, value, confidential, None, by=user, now=now)


def load_responses(users: dict, organisations: dict, consultations: dict[str, Consultation]) -> None:
    now = utcnow()
    providers = organisations["providers"]
    open_one = consultations["open"]
    for number in (1, 2, 3, 4):
        user, org = users[f"provider{number}"], providers[number - 1]
        when = now - timedelta(days=6 - number)
        response = start_response(open_one, org, by=user, now=when)
        # Three offer every lot wherever it is procured; the fourth two lots in two municipalities.
        set_offer(response, {(lot.id, m.id) for lot in open_one.lots for m in lot.municipalities
                             if number != 4 or (lot.position in (1, 2) and m in lot.municipalities[:2])},
                  size=(50, 10, 250, 1)[number - 1], by=user, now=when)
        _fill(response, user, when, seed=number, confidential_costs=number != 3)
        if number == 4:
            continue  # a draft
        set_publication(response, [Publication.NAMED, Publication.ANONYMOUS, Publication.NONE][number - 1],
                        by=user, now=when)
        submit(response, by=user, now=when, notify=False)
        if number == 2:
            withdraw(response, by=user, now=when + timedelta(hours=2))
            submit(response, by=user, now=when + timedelta(hours=5), notify=False)

    closed = consultations["closed"]
    closed.status = Status.OPEN  # responses were given while it was open
    participants = [(users[f"provider{n}"], providers[n - 1]) for n in range(1, 7)]
    participants += [(users["council"], organisations["councils"][0]),
                     (users["council2"], organisations["councils"][1])]
    for seed, (user, org) in enumerate(participants):
        when = closed.closes_at - timedelta(days=10 - seed)
        response = start_response(closed, org, by=user, now=when)
        _fill(response, user, when, seed=seed, confidential_costs=True)
        set_publication(response, Publication.NAMED if seed % 3 else Publication.ANONYMOUS, by=user, now=when)
        submit(response, by=user, now=when, notify=False)
    closed.status = Status.CLOSED
