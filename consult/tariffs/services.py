"""The tariff dialogue's figures: each provider's benchmark, the team's table of the sheets with the
outliers and what causes them, and the funding scenarios' tariffs and budgets.

Everything that leaves the team (a provider's benchmark, the report's tariff) is made by the
disclosure gate (consult.disclosure.statistics): the benchmark shows the same rounded figures of the
group as the report would, and a derived tariff is rounded up and never one organisation's price.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from consult.analysis.services import (
    QuestionPart,
    ValueGroup,
    current_answers,
    number_summary,
    public_number_figures,
    question_parts,
    sheet_figure,
    value_groups_by_question,
)
from consult.audit.services import record_event
from consult.consultations.models import Consultation, Question, QuestionKind
from consult.consultations.notifications import team_users
from consult.core.db import update_if_version
from consult.core.refused import Refused
from consult.core.templating import format_amount
from consult.core.time import utcnow
from consult.disclosure.answers import effective_publication, may_count
from consult.disclosure.statistics import PublicNumbers, PublicTariff, public_tariff
from consult.extensions import db
from consult.notify.models import Kind
from consult.notify.services import notify, organisation_users, url_path
from consult.orgs.models import Organisation
from consult.responses import costprice
from consult.responses.models import Response, SubmittedAnswer
from consult.tariffs.models import FundingScenario, ScenarioForm, SheetQuestion, TariffBasis

# How far from the middle half a cost price lies before the team's table flags it (Tukey's fences).
OUTLIER_FENCE = 1.5
OUTLIER_SHARE = 0.1
# Which way a component moves the price: more contract hours make each hour cheaper.
LOWERS_THE_PRICE = ("contract_hours", "client_hours")


def cost_questions(consultation: Consultation) -> list[Question]:
    return [q for theme in consultation.themes for q in theme.questions if q.kind == QuestionKind.COST_PRICE]


# --- a provider's benchmark ---------------------------------------------------------------------

@dataclass
class BenchmarkLine:
    part: QuestionPart
    own: float | None
    group: PublicNumbers


@dataclass
class BenchmarkProduct:
    product: str
    unit: str
    lines: list[BenchmarkLine] = field(default_factory=list)


def benchmark(consultation: Consultation, question: Question, response: Response) -> list[BenchmarkProduct]:
    """Per product the organisation filled in: its own figures from its latest submitted sheet beside the
    group's, as the disclosure gate publishes them (a band rounded outwards, or the reason it is not)."""
    own_row = db.session.scalar(current_answers(consultation).where(
        SubmittedAnswer.question_id == question.id, SubmittedAnswer.response_id == response.id))
    own = {row["product"]: row for row in (own_row.value or [])} if own_row is not None else {}
    groups = value_groups_by_question(consultation, {question.id}).get(question.id, [])
    products: dict[str, BenchmarkProduct] = {}
    for part, part_groups in question_parts(question, groups):
        if part.product not in own:
            continue
        unit = dict(question.rows).get(part.product, "")
        line = BenchmarkLine(part=part, own=sheet_figure(own[part.product], part.key),
                             group=public_number_figures(part, part_groups))
        products.setdefault(part.product, BenchmarkProduct(part.product, unit)).lines.append(line)
    return list(products.values())


# --- the team's table of the sheets ---------------------------------------------------------------

@dataclass
class SheetRow:
    organisation: Organisation
    response_id: int
    figures: dict[str, float | None]
    confidential_only: bool           # counts in no published figure (the organisation chose so)
    outlier: str | None = None        # "high" or "low": outside the fences
    cause: Any = None                 # the component that moves it most that way (its label)


@dataclass
class SheetProduct:
    product: str
    unit: str
    rows: list[SheetRow]
    spread: list[tuple[QuestionPart, Any]]   # per component: the team's summary (n, quartiles, range)


def sheet_table(consultation: Consultation, question: Question) -> list[SheetProduct]:
    """Every organisation's figures per product (the team sees them all), the spread per component,
    and the cost prices outside Tukey's fences (and a tenth or more from the median) flagged with the
    component that causes them: the one
    furthest from its own middle in the price's direction, in units of its interquartile range."""
    answers = db.session.execute(current_answers(consultation).where(SubmittedAnswer.question_id == question.id)
                                 .with_only_columns(SubmittedAnswer, Organisation).order_by(Organisation.name)
                                 .options(joinedload(SubmittedAnswer.response))).all()  # its publication choice
    parts = [part for part, _groups in question_parts(question, [])]
    result = []
    for product, unit in question.rows:
        rows = []
        for answer, organisation in answers:
            row = next((r for r in answer.value or [] if r.get("product") == product), None)
            if row is None:
                continue
            figures = {part.key: sheet_figure(row, part.key) for part in parts if part.product == product}
            counted = may_count(next(p for p in parts if p.product == product),
                                effective_publication(answer.response, answer.publication), answer.confidential)
            rows.append(SheetRow(organisation, answer.response_id, figures, confidential_only=not counted))
        spread = [(part, number_summary([ValueGroup("", None, True, r.figures[part.key]) for r in rows
                                         if r.figures.get(part.key) is not None]))
                  for part in parts if part.product == product]
        _flag_outliers(rows)
        result.append(SheetProduct(product, unit, rows, spread))
    return result


def _flag_outliers(rows: list[SheetRow]) -> None:
    prices = [r.figures["price"] for r in rows if r.figures.get("price") is not None]
    if len(prices) < 4:
        return
    q1, median, q3 = statistics.quantiles(prices, n=4, method="inclusive")
    # Outside Tukey's fences and at least a tenth from the middle: a close group's fences lie close.
    low = min(q1 - OUTLIER_FENCE * (q3 - q1), median * (1 - OUTLIER_SHARE))
    high = max(q3 + OUTLIER_FENCE * (q3 - q1), median * (1 + OUTLIER_SHARE))
    middles = {}
    for key in rows[0].figures:
        values = [r.figures[key] for r in rows if r.figures.get(key) is not None]
        if len(values) < 2:
            continue
        k1, median, k3 = statistics.quantiles(values, n=4, method="inclusive")
        middles[key] = (median, (k3 - k1) or abs(median) or 1.0)
    for row in rows:
        price = row.figures.get("price")
        if price is None or low <= price <= high:
            continue
        row.outlier = "high" if price > high else "low"
        direction = 1 if row.outlier == "high" else -1

        pulls = {key: _pull(key, row.figures[key], middles[key], direction) for key in row.figures
                 if key not in ("price", *costprice.NOT_IN_PRICE) and key in middles and row.figures[key] is not None}
        cause = max(pulls, key=pulls.__getitem__, default=None)
        if cause is not None and pulls[cause] > 0:
            row.cause = _component_label(cause)


def _pull(key: str, value: float, middle: tuple[float, float], direction: int) -> float:
    """How far ``value`` lies from its component's median, in interquartile ranges, in the direction
    that moves the price the way it is off (``direction``: 1 too high, -1 too low)."""
    median, width = middle
    sign = -1 if key in LOWERS_THE_PRICE else 1
    return direction * sign * (value - median) / width


def _component_label(key: str):
    if key == "client_hours":
        return _l("Client-bound hours per FTE per year")
    return costprice.BY_KEY[key].label


# --- funding scenarios ------------------------------------------------------------------------------

class ScenarioRefused(Refused):
    pass


class ScenarioConflict(Refused):
    pass


def counted_prices(consultation: Consultation, question: Question, product: str
                   ) -> tuple[dict[int, float], dict[int, float]]:
    """The cost prices of ``product`` that may count in what is published (per response), and the
    volume each of those organisations expects."""
    groups = value_groups_by_question(consultation, {question.id}, per_response=True).get(question.id, [])
    prices: dict[int, float] = {}
    volumes: dict[int, float] = {}
    for part, part_groups in question_parts(question, groups):
        if part.product != product or part.key != "price":
            continue
        for group in part_groups:
            if may_count(part, group.publication, group.confidential):
                prices[group.response_id] = float(group.value)
    for group in groups:
        for row in group.value or []:
            if isinstance(row, dict) and row.get("product") == product and group.response_id in prices:
                volumes[group.response_id] = float(row.get("volume") or 0)
    return prices, volumes


def scenario_tariff(scenario: FundingScenario) -> PublicTariff:
    """The tariff per unit a price × quantity scenario pays, derived from the cost prices by the gate."""
    prices, volumes = counted_prices(scenario.consultation, scenario.question, scenario.product)
    if scenario.basis == TariffBasis.WEIGHTED_MEAN:
        return public_tariff(prices, weights=volumes)
    return public_tariff(prices, percentile=scenario.percentile)


@dataclass
class Budget:
    """What a scenario costs: per municipality the amount in each contract year (indexed), and totals."""

    price: float | None                             # the unit price it pays (a tariff or per client)
    per_municipality: list[tuple[Organisation, list[float]]]
    years: int
    known: bool = True                              # False: no price yet (no tariff may be derived), no amounts

    @property
    def per_year(self) -> list[float | None]:
        if not self.known:
            return [None] * self.years
        return [round(sum(amounts[year] for _m, amounts in self.per_municipality), 2) for year in range(self.years)]

    @property
    def total(self) -> float | None:
        return round(sum(self.per_year), 2) if self.known else None

    def total_of(self, municipality_id: int) -> float | None:
        if not self.known:
            return None
        return round(sum(next((a for m, a in self.per_municipality if m.id == municipality_id), [])), 2)


def budget(scenario: FundingScenario, tariff: PublicTariff | None = None) -> Budget:
    """The scenario's budget per municipality and contract year: the first year's amount (tariff ×
    volume, the lump sum, or price per client × clients) raised by the indexation each later year."""
    if scenario.form == ScenarioForm.PRICE_QUANTITY:
        tariff = tariff or scenario_tariff(scenario)
        price = tariff.value if tariff.shown else None
    else:
        price = scenario.client_price if scenario.form == ScenarioForm.OUTPUT else None
    known = scenario.form == ScenarioForm.LUMP_SUM or price is not None
    rows = []
    for municipality in scenario.consultation.municipalities:
        given = scenario.quantities.get(str(municipality.id), {})
        if scenario.form == ScenarioForm.LUMP_SUM:
            first = given.get("amount") or 0.0
        elif scenario.form == ScenarioForm.OUTPUT:
            first = (price or 0.0) * (given.get("clients") or 0.0)
        else:
            first = (price or 0.0) * (given.get("volume") or 0.0)
        growth = 1 + scenario.indexation / 100
        rows.append((municipality, [round(first * growth ** year, 2) if known else None
                                    for year in range(scenario.years)]))
    return Budget(price=price, per_municipality=rows, years=scenario.years, known=known)


def scenarios_of(consultation: Consultation) -> list[FundingScenario]:
    return list(db.session.scalars(select(FundingScenario).where(FundingScenario.consultation_id == consultation.id)
                                   .order_by(FundingScenario.product, FundingScenario.id)))


def save_scenario(consultation: Consultation, scenario: FundingScenario | None, values: dict[str, Any], *,
                  base_version: int | None, by) -> FundingScenario:
    """Create a scenario (``scenario`` None) or change one, from the version the form showed."""
    question = db.session.get(Question, values["question_id"])
    if question is None or question not in cost_questions(consultation) or \
            values["product"] not in dict(question.rows):
        raise ScenarioRefused(_l("Choose a product of a cost-price sheet of this consultation."))
    if scenario is None:
        scenario = FundingScenario(consultation_id=consultation.id, created_by_id=by.id, **values)
        db.session.add(scenario)
        db.session.flush()
        record_event("scenario_created", actor=by, obj=scenario, consultation_id=consultation.id, name=scenario.name)
        return scenario
    if (values["question_id"], values["product"]) != (scenario.question_id, scenario.product):
        values = {**values, "chosen": False}  # chosen for the product it was about
    if not update_if_version(scenario, base_version if base_version is not None else scenario.version,
                             updated_at=utcnow(), **values):
        raise ScenarioConflict(_l("A colleague changed this scenario in the meantime; nothing was saved. Above is "
                                  "their version; your changes are still in the form: save again to replace it."))
    record_event("scenario_saved", actor=by, obj=scenario, consultation_id=consultation.id, name=scenario.name)
    return scenario


def choose_scenario(scenario: FundingScenario, *, by) -> None:
    """Mark the scenario as the one chosen for its product (the report shows its tariff); the others of
    the product are no longer chosen."""
    for other in db.session.scalars(select(FundingScenario).where(
            FundingScenario.consultation_id == scenario.consultation_id, FundingScenario.product == scenario.product,
            FundingScenario.question_id == scenario.question_id)):
        other.chosen = other.id == scenario.id
    record_event("scenario_chosen", actor=by, obj=scenario, consultation_id=scenario.consultation_id,
                 name=scenario.name)


def delete_scenario(scenario: FundingScenario, *, by) -> None:
    record_event("scenario_deleted", actor=by, obj=scenario, consultation_id=scenario.consultation_id,
                 name=scenario.name)
    db.session.delete(scenario)


def chosen_tariffs(consultation: Consultation) -> list[tuple[FundingScenario, PublicTariff, int]]:
    """The chosen price × quantity scenarios with their tariff as the gate allows it, and how many
    organisations' cost prices it is made of (for the report)."""
    result = []
    for scenario in scenarios_of(consultation):
        if scenario.chosen and scenario.form == ScenarioForm.PRICE_QUANTITY:
            tariff = scenario_tariff(scenario)
            result.append((scenario, tariff, tariff.organisations))
    return result


def scenario_summary(scenario: FundingScenario) -> str:
    """A scenario in one line, as evidence for the strategy: its product, funding form, tariff (as the
    gate makes it) and the budget over the contract period."""
    spent = budget(scenario)
    parts = [scenario.product, scenario.form.label]
    if scenario.form == ScenarioForm.PRICE_QUANTITY:
        parts.append(str(_l("tariff %(amount)s", amount=format_amount(spent.price))) if spent.price is not None
                     else str(_l("no tariff yet")))
    elif scenario.form == ScenarioForm.OUTPUT and scenario.client_price is not None:
        parts.append(str(_l("%(amount)s per client per year", amount=format_amount(scenario.client_price))))
    if spent.known:
        parts.append(str(_l("%(amount)s over %(years)s years", amount=format_amount(spent.total),
                            years=scenario.years)))
    return " · ".join(parts)


# --- the team's questions about a sheet -------------------------------------------------------------

MAX_SHEET_QUESTION = 4000


class SheetQuestionRefused(Refused):
    pass


def _sheet_text(text: str) -> str:
    text = (text or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if not text:
        raise SheetQuestionRefused(_l("Write your question or reply."))
    if len(text) > MAX_SHEET_QUESTION:
        raise SheetQuestionRefused(_l("Keep it to at most %(max)s characters; it has %(n)s.",
                                      max=MAX_SHEET_QUESTION, n=len(text)))
    return text


def sheet_of(consultation: Consultation, question: Question, organisation_id: int) -> SubmittedAnswer | None:
    """The organisation's latest submitted cost-price sheet for ``question``."""
    return db.session.scalar(current_answers(consultation).where(
        SubmittedAnswer.question_id == question.id, SubmittedAnswer.organisation_id == organisation_id))


def ask_about_sheet(consultation: Consultation, question: Question, organisation: Organisation, body: str, *,
                    by) -> SheetQuestion:
    """A private question of the team to one organisation about its submitted sheet; the organisation's
    members are told (in the bell and by e-mail as each chose)."""
    body = _sheet_text(body)
    answer = sheet_of(consultation, question, organisation.id)
    if answer is None:
        raise SheetQuestionRefused(_l("This organisation has no submitted cost-price sheet to ask about."))
    item = SheetQuestion(consultation_id=consultation.id, question_id=question.id, organisation_id=organisation.id,
                         body=body, asked_by_id=by.id)
    db.session.add(item)
    db.session.flush()
    record_event("sheet_question_asked", actor=by, obj=item, consultation_id=consultation.id,
                 organisation_id=organisation.id)
    notify(organisation_users([organisation.id]), Kind.CHANGED, consultation=consultation,
           data={"event": "sheet_question", "consultation": consultation.title},
           link=url_path("tariffs.sheet_questions", response_id=answer.response_id))
    return item


def reply_to_sheet_question(item: SheetQuestion, body: str, *, by) -> None:
    """The organisation's reply; a later reply replaces the earlier one (the audit trail keeps that there
    was one); the team is told each time."""
    item.reply, item.replied_by_id, item.replied_at = _sheet_text(body), by.id, utcnow()
    record_event("sheet_question_replied", actor=by, obj=item, consultation_id=item.consultation_id,
                 organisation_id=item.organisation_id)
    notify(team_users(item.consultation), Kind.WAITING, consultation=item.consultation,
           data={"event": "sheet_reply", "consultation": item.consultation.title,
                 "organisation": item.organisation.name},
           link=url_path("tariffs.sheets", slug=item.consultation.slug) + f"#asked-{item.id}")


def sheet_questions_of(consultation: Consultation, organisation_id: int | None = None) -> list[SheetQuestion]:
    """The team's questions about the sheets (of one organisation), oldest first."""
    query = select(SheetQuestion).where(SheetQuestion.consultation_id == consultation.id)
    if organisation_id is not None:
        query = query.where(SheetQuestion.organisation_id == organisation_id)
    return list(db.session.scalars(query.order_by(SheetQuestion.id)))
