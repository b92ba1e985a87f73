"""The integral cost price of one unit of care, built up the way a fair price is (the reële-prijs rule).

A provider gives, per product, the salary of the professional under its collective agreement and
what comes on top of it; the cost price per unit follows by fixed rules, written out here once and
used everywhere: the sheet while it is typed (the server computes and shows the arithmetic), the
receipt, the team's analysis, each provider's benchmark and the funding scenarios. The worked
examples in the README ("How a cost price is computed") are the tests of these rules.

Per product, in this order:

1. annual salary = monthly salary × 12 × (1 + allowances %)       holiday pay, year-end bonus
2. employer's costs = annual salary × employer's costs %           social charges, pension
3. personnel costs per FTE = annual salary + employer's costs + training costs per FTE
4. client-bound hours per FTE = contract hours × (1 − absence % − other indirect time %
   − training time % − travel time %)
5. personnel costs per client-bound hour = personnel costs per FTE / client-bound hours
6. direct costs per unit = personnel costs per client-bound hour × hours per unit
   + travel costs per unit + other direct costs per unit
7. overhead = direct costs × overhead %
8. risk and margin = (direct costs + overhead) × risk and margin %
9. cost price per unit = direct costs + overhead + risk and margin, rounded to the cent

Indexation (the yearly increase the provider expects) is no part of today's price; the funding
scenarios apply it over the contract period. Amounts are computed exactly (decimals, not binary
fractions) and rounded half up only at the end; the arithmetic shows each step to the cent.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from consult.core.numbers import format_number

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Component:
    """One field of the sheet: its key in the stored answer, its label and what it accepts."""

    key: str
    label: Any                  # lazy text
    unit: str                   # "€", "%", "hours" or "units" (of the product)
    low: Decimal
    high: Decimal
    default: Decimal | None = None   # used when left empty; None: required for a product offered
    hint: Any = ""


COMPONENTS: tuple[Component, ...] = (
    Component("salary", _l("Gross monthly salary (scale and step under the collective agreement)"), "€",
              Decimal(1), Decimal(20_000), hint=_l("For a full-time position, without allowances.")),
    Component("allowances", _l("Holiday pay and year-end bonus"), "%", Decimal(0), Decimal(50),
              hint=_l("As a percentage of the annual salary, for example 16.33 (8 holiday pay and 8.33 year-end "
                      "bonus).")),
    Component("employer", _l("Employer's costs (social charges and pension)"), "%", Decimal(0), Decimal(100)),
    Component("contract_hours", _l("Contract hours per FTE per year"), "hours", Decimal(1_000), Decimal(2_500),
              hint=_l("Per year, not per week: for example 1,872 for 36 hours a week.")),
    Component("absence", _l("Absence through illness"), "%", Decimal(0), Decimal(50),
              hint=_l("As a percentage of the contract hours.")),
    Component("indirect", _l("Other time not spent with clients (leave, team meetings, records)"), "%",
              Decimal(0), Decimal(90), hint=_l("As a percentage of the contract hours.")),
    Component("training_time", _l("Training time"), "%", Decimal(0), Decimal(50),
              hint=_l("As a percentage of the contract hours.")),
    Component("travel_time", _l("Travel time"), "%", Decimal(0), Decimal(50),
              hint=_l("As a percentage of the contract hours.")),
    Component("training_costs", _l("Training costs per FTE per year"), "€", Decimal(0), Decimal(50_000),
              default=Decimal(0)),
    Component("hours_per_unit", _l("Hours of a professional per unit"), "hours", Decimal("0.01"), Decimal(24),
              default=Decimal(1), hint=_l("1 for a product per hour; for a half-day of day care, for example "
                                          "4 hours for a group of 8 clients: 0,5.")),
    Component("travel_costs", _l("Travel costs per unit"), "€", Decimal(0), Decimal(1_000), default=Decimal(0)),
    Component("other_costs", _l("Other direct costs per unit (premises, materials)"), "€", Decimal(0),
              Decimal(10_000), default=Decimal(0)),
    Component("overhead", _l("Overhead (on top of the direct costs)"), "%", Decimal(0), Decimal(100)),
    Component("margin", _l("Risk and margin"), "%", Decimal(0), Decimal(50)),
    Component("indexation", _l("Indexation you expect per year"), "%", Decimal(0), Decimal(25),
              default=Decimal(0), hint=_l("Not part of today's price; used for the years of the contract.")),
    Component("volume", _l("Volume you expect to deliver per year"), "units", Decimal(0), Decimal(10_000_000),
              default=Decimal(0), hint=_l("In units of this product. Not part of the price; a tariff weighted by "
                                          "volume weighs your cost price by it.")),
)
# What a sheet holds besides the price's build-up: not compared in a benchmark; and what does not make
# today's price (no cause of a price far from the group's).
NOT_COMPARED = ("volume",)
NOT_IN_PRICE = ("indexation", "volume")
REQUIRED = tuple(component.key for component in COMPONENTS if component.default is None)
BY_KEY = {component.key: component for component in COMPONENTS}
KEYS = tuple(BY_KEY)
TIME_KEYS = ("absence", "indirect", "training_time", "travel_time")


class SheetProblem(ValueError):
    """Figures that give no cost price; ``message`` is for the person, ``key`` the field it is about."""

    def __init__(self, message, key: str | None = None):
        super().__init__(str(message))
        self.message, self.key = message, key


@dataclass(frozen=True)
class Computation:
    """Each step of the arithmetic (see the module), exact; ``price`` rounded to the cent."""

    annual_salary: Decimal
    employer_costs: Decimal
    personnel_costs: Decimal
    client_hours: Decimal
    hourly_costs: Decimal
    direct_costs: Decimal
    overhead: Decimal
    margin: Decimal
    price: Decimal


def decimal(value: Any) -> Decimal:
    """A stored figure (a float from JSON, an int, a Decimal) as the decimal people typed."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def completed(figures: dict[str, Any]) -> dict[str, Decimal]:
    """The figures of one product with the defaults of the fields left empty; raises SheetProblem
    naming the first required field that is missing or a figure outside what the field accepts."""
    result: dict[str, Decimal] = {}
    for component in COMPONENTS:
        value = figures.get(component.key)
        if value is None:
            if component.default is None:
                raise SheetProblem(_l("Fill in “%(field)s”.", field=component.label), component.key)
            value = component.default
        value = decimal(value)
        if not component.low <= value <= component.high:
            raise SheetProblem(_l("“%(field)s” must lie between %(low)s and %(high)s.", field=component.label,
                                  low=format_number(float(component.low)), high=format_number(float(component.high))),
                               component.key)
        result[component.key] = value
    if sum(result[key] for key in TIME_KEYS) >= 95:
        raise SheetProblem(_l("Absence, other indirect time, training time and travel time together must stay "
                              "below 95 per cent of the contract hours: otherwise no time is left for clients."),
                           "indirect")
    return result


def compute(figures: dict[str, Any]) -> Computation:
    """The cost price per unit from one product's figures (see the module); raises SheetProblem."""
    f = completed(figures)
    annual_salary = f["salary"] * 12 * (1 + f["allowances"] / HUNDRED)
    employer_costs = annual_salary * f["employer"] / HUNDRED
    personnel_costs = annual_salary + employer_costs + f["training_costs"]
    client_hours = f["contract_hours"] * (1 - sum(f[key] for key in TIME_KEYS) / HUNDRED)
    hourly_costs = personnel_costs / client_hours
    direct_costs = hourly_costs * f["hours_per_unit"] + f["travel_costs"] + f["other_costs"]
    overhead = direct_costs * f["overhead"] / HUNDRED
    margin = (direct_costs + overhead) * f["margin"] / HUNDRED
    price = (direct_costs + overhead + margin).quantize(CENT, rounding=ROUND_HALF_UP)
    return Computation(annual_salary=annual_salary, employer_costs=employer_costs, personnel_costs=personnel_costs,
                       client_hours=client_hours, hourly_costs=hourly_costs, direct_costs=direct_costs,
                       overhead=overhead, margin=margin, price=price)


def cents(value: Decimal) -> Decimal:
    """A step of the arithmetic as it is shown: to the cent (or hundredth of an hour), half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def price_of(figures: dict[str, Any]) -> float | None:
    """The cost price per unit as a stored number, or None when the figures give none."""
    try:
        return float(compute(figures).price)
    except SheetProblem:
        return None


def derived_figures(figures: dict[str, Any]) -> dict[str, float]:
    """The figures a benchmark compares besides the ones typed: the client-bound hours per FTE and
    the cost price per unit (empty when the figures give no cost price)."""
    try:
        done = compute(figures)
    except SheetProblem:
        return {}
    return {"client_hours": float(cents(done.client_hours)), "price": float(done.price)}
