"""Analysis services: the submitted answers per question, filters, tags, excerpts, quotes,
syntheses and statistics with a disclosure threshold.

Answers are read from each response's latest submission (the content its receipt vouches for),
never from a draft. Withdrawn responses are left out.
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from math import ceil
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, null, or_, select
from sqlalchemy.orm import contains_eager, joinedload, with_expression

from consult.analysis.models import TAG_COLOURS, BulkTagging, Coding, Quote, Synthesis, SynthesisStatus, Tag
from consult.audit.services import record_event
from consult.auth.models import User
from consult.consultations.models import Consultation, Question, QuestionKind, Theme
from consult.core.access import like_contains
from consult.core.db import insert_unless_exists, update_if_version
from consult.core.forms import db_int
from consult.core.numbers import with_unit
from consult.core.refused import Refused
from consult.core.time import utcnow
from consult.dialogue.signals import posts_purged
from consult.disclosure import Audience
from consult.disclosure.answers import attribution, effective_publication, may_count, quote_refusal, stricter
from consult.disclosure.statistics import (
    PublicDistribution,
    PublicNumbers,
    min_group,
    public_distribution,
    public_numbers,
    publishable_subsets,
)
from consult.extensions import db
from consult.orgs.models import Organisation, OrgKind
from consult.responses import costprice
from consult.responses.answers import current_value
from consult.responses.display import shown_value
from consult.responses.models import Publication, Response, ResponseStatus, SubmittedAnswer, SubmittedOffer

STAKEHOLDERS = ("provider", "council", "other")
STAKEHOLDER_LABELS = {"provider": _l("Care providers"), "council": _l("Advisory councils"),
                      "other": _l("Other organisations")}


class AnalysisRefused(Refused):
    pass


def stakeholder_of(kind: OrgKind) -> str:
    return {OrgKind.PROVIDER: "provider", OrgKind.COUNCIL: "council"}.get(kind, "other")


@dataclass
class AnswerItem:
    """One submitted answer, as the team analyses it."""

    response: Response
    question_id: int
    kind: str
    value: Any
    text: str
    confidential: bool
    publication: Publication
    tags: list[TagOnAnswer] = field(default_factory=list)
    excerpts: list[TagOnAnswer] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    unit: str | None = None

    @property
    def shown(self) -> str:
        """The answer as the reader sees it: a number or a composite answer in the reader's notation (the
        stored ``text`` is the same in every language, for searching)."""
        if self.kind in ("open", "single"):
            return self.text
        return shown_value({"kind": self.kind, "value": self.value, "unit": self.unit})

    @property
    def key(self) -> str:
        return f"{self.response.id}-{self.question_id}"

    @property
    def stakeholder(self) -> str:
        return stakeholder_of(self.response.organisation.kind)

    @property
    def attribution(self) -> str:
        """How a quote is attributed in the report: by name only when the response allows it."""
        return attribution(self.response.organisation, self.publication, Audience.PUBLIC)


def submitted_responses(consultation: Consultation) -> list[Response]:
    """The submitted responses with their organisations and the publication choice of their latest
    submission (read from its rows, for the disclosure gate): no submission's content is loaded."""
    return list(db.session.scalars(
        select(Response).where(Response.consultation_id == consultation.id,
                               Response.status == ResponseStatus.SUBMITTED)
        .options(joinedload(Response.organisation),
                 with_expression(Response.submitted_publication, submitted_publication()))
        .order_by(Response.id).execution_options(populate_existing=True)))


def submitted_publication():
    """The publication choice frozen in a response's latest submission, as a correlated subquery."""
    return (select(SubmittedAnswer.publication)
            .where(SubmittedAnswer.response_id == Response.id, SubmittedAnswer.current.is_(True))
            .limit(1).correlate(Response).scalar_subquery())


def current_answers(consultation: Consultation):
    """A query of the submitted answers that count: the rows of each submitted response's latest
    revision, with the response and its organisation (withdrawn responses are left out)."""
    return (select(SubmittedAnswer).join(SubmittedAnswer.response).join(Response.organisation)
            .where(SubmittedAnswer.consultation_id == consultation.id, SubmittedAnswer.current.is_(True),
                   Response.status == ResponseStatus.SUBMITTED))


def _ordered(query):
    return (query.options(contains_eager(SubmittedAnswer.response).contains_eager(Response.organisation))
            .order_by(SubmittedAnswer.response_id, SubmittedAnswer.position))


def _item(row: SubmittedAnswer) -> AnswerItem:
    return AnswerItem(response=row.response, question_id=row.question_id, kind=row.kind, value=row.value,
                      text=row.text, confidential=row.confidential, unit=row.unit,
                      publication=effective_publication(row.response, row.publication))


def _items(query) -> list[AnswerItem]:
    return [_item(row) for row in db.session.scalars(_ordered(query))]


def answer_items_of(query) -> list[AnswerItem]:
    """The answers a query built on ``current_answers`` selects, in response order (for callers
    that narrow it down to the rows they need)."""
    return _items(query)


def answer_items_page(query, page: int, per_page: int):
    """One page of the answers a query built on ``current_answers`` selects, in response order,
    counted by the database (``db.paginate``); past the last page (an old link), the last. Returns
    the items and the pagination."""
    ordered = _ordered(query)
    result = db.paginate(ordered, page=max(page, 1), per_page=per_page, error_out=False)
    if not result.items and result.page > 1 and result.pages:
        result = db.paginate(ordered, page=result.pages, per_page=per_page, error_out=False)
    return [_item(row) for row in result.items], result


def answer_items(consultation: Consultation, question_ids: set[int] | None = None,
                 responses: list[Response] | None = None) -> list[AnswerItem]:
    """Every submitted answer (of ``question_ids``; of ``responses`` when given), in response order."""
    query = current_answers(consultation)
    if question_ids is not None:
        query = query.where(SubmittedAnswer.question_id.in_(question_ids))
    items = _items(query)
    if responses is not None:
        wanted = {r.id for r in responses}
        items = [i for i in items if i.response.id in wanted]
    return items


def quoted_items(consultation: Consultation) -> list[AnswerItem]:
    """The submitted answers that have a key quote (for the report), in one statement: only these
    answers are loaded, not every answer of the consultation."""
    quoted = select(Quote.id).where(Quote.consultation_id == consultation.id,
                                    Quote.response_id == SubmittedAnswer.response_id,
                                    Quote.question_id == SubmittedAnswer.question_id).exists()
    return _items(current_answers(consultation).where(quoted))


def answer_item(consultation: Consultation, question_id: int, key: str) -> AnswerItem | None:
    """One submitted answer to this question by its key ("response id-question id"), or None."""
    response_id, _sep, rest = key.partition("-")
    if db_int(response_id) is None or rest != str(question_id):  # not a key, or one no answer has
        return None
    items = _items(current_answers(consultation).where(SubmittedAnswer.question_id == question_id,
                                                       SubmittedAnswer.response_id == db_int(response_id)))
    return items[0] if items else None


@dataclass(frozen=True)
class TagOnAnswer:
    """A tag on a whole answer or on an excerpt of it, as the analysis page shows it: read as a row
    (an answer may carry many), with its tag from the consultation's tags."""

    id: int
    tag: Tag | TagChoice
    start: int | None = None
    end: int | None = None
    excerpt: str | None = None


def attach_codings(items: list[AnswerItem], consultation: Consultation,
                   tags: dict[int, TagChoice] | None = None) -> None:
    """Load the tags, excerpts and quotes of these answers in two queries (only these answers').
    ``tags``: the consultation's tags by id when the caller has them (else they are loaded with the rows)."""
    by_key = {(i.response.id, i.question_id): i for i in items}
    if not by_key:
        return
    question_ids = {q for _, q in by_key}
    response_ids = {r for r, _ in by_key}
    where = (Tag.consultation_id == consultation.id, Coding.question_id.in_(question_ids),
             Coding.response_id.in_(response_ids))
    if tags is None:
        rows = [(coding.id, coding.response_id, coding.question_id, coding.start, coding.end, coding.excerpt,
                 coding.tag) for coding in db.session.scalars(
                     select(Coding).join(Tag).where(*where).options(contains_eager(Coding.tag)).order_by(Coding.id))]
    else:
        rows = [(*row[:-1], tags[row[-1]]) for row in db.session.execute(
            select(Coding.id, Coding.response_id, Coding.question_id, Coding.start, Coding.end, Coding.excerpt,
                   Coding.tag_id).join(Tag).where(*where).order_by(Coding.id))]
    for coding_id, response_id, question_id, start, end, excerpt, tag in rows:
        item = by_key.get((response_id, question_id))
        if item is not None:
            (item.excerpts if start is not None else item.tags).append(
                TagOnAnswer(id=coding_id, tag=tag, start=start, end=end, excerpt=excerpt))
    for quote in db.session.scalars(select(Quote).where(
            Quote.consultation_id == consultation.id, Quote.question_id.in_(question_ids),
            Quote.response_id.in_(response_ids)).order_by(Quote.id)):
        item = by_key.get((quote.response_id, quote.question_id))
        if item is not None:
            item.quotes.append(quote)


def _stakeholder_is(stakeholder: str):
    if stakeholder == "provider":
        return Organisation.kind == OrgKind.PROVIDER
    if stakeholder == "council":
        return Organisation.kind == OrgKind.COUNCIL
    return Organisation.kind.not_in([OrgKind.PROVIDER, OrgKind.COUNCIL])


@dataclass
class Filters:
    stakeholder: str = ""
    tag_id: int | None = None
    text: str = ""
    lot_id: int | None = None
    municipality_id: int | None = None

    @property
    def by_offer(self) -> bool:
        return bool(self.lot_id or self.municipality_id)

    def offered_responses(self):
        """The responses whose latest submission offered the lot (and municipality), as a subquery."""
        offered = select(SubmittedOffer.response_id).where(SubmittedOffer.current.is_(True))
        if self.lot_id:
            offered = offered.where(SubmittedOffer.lot_id == self.lot_id)
        if self.municipality_id:
            offered = offered.where(SubmittedOffer.municipality_id == self.municipality_id)
        return offered

    def where_offered(self, query):
        """Narrow a query of :func:`current_answers` to the care providers that offered the lot (and
        the municipality) when they submitted; the statistics use this part of the filters too."""
        if not (self.lot_id or self.municipality_id):
            return query
        offered = select(SubmittedOffer.id).where(SubmittedOffer.response_id == SubmittedAnswer.response_id,
                                                  SubmittedOffer.current.is_(True))
        if self.lot_id:
            offered = offered.where(SubmittedOffer.lot_id == self.lot_id)
        if self.municipality_id:
            offered = offered.where(SubmittedOffer.municipality_id == self.municipality_id)
        return query.where(offered.exists())

    def where(self, query):
        """Narrow a query of :func:`current_answers` in SQL: kind of organisation, tag (on the
        whole answer or an excerpt), text (case-insensitive, as typed), lot and municipality."""
        query = self.where_offered(query)
        if self.stakeholder in STAKEHOLDERS:
            query = query.where(_stakeholder_is(self.stakeholder))
        if self.tag_id:
            query = query.where(select(Coding.id).where(
                Coding.tag_id == self.tag_id, Coding.response_id == SubmittedAnswer.response_id,
                Coding.question_id == SubmittedAnswer.question_id).exists())
        if self.text.strip():
            query = query.where(SubmittedAnswer.folded.like(like_contains(self.text.strip().casefold()),
                                                             escape="\\"))
        return query


@dataclass
class AnswerPage:
    items: list[AnswerItem]
    total: int     # answers to the question
    matched: int   # of those, the ones the filters match
    page: int
    pages: int


def answer_page(consultation: Consultation, question_id: int, filters: Filters, page: int,
                per_page: int, tags: dict[int, TagChoice] | None = None) -> AnswerPage:
    """One page of the submitted answers to a question that match the filters, with their tags,
    excerpts and quotes: filtered, counted and paged in SQL, so a page costs the same with 10 or
    10,000 answers."""
    query = current_answers(consultation).where(SubmittedAnswer.question_id == question_id)
    matching = filters.where(query)
    page = max(page, 1)
    # The page's answers carry the number that match (a window count): one statement for both.
    rows = db.session.execute(_ordered(matching.add_columns(func.count().over()))
                              .limit(per_page).offset((page - 1) * per_page)).all()
    if not rows and page > 1:  # past the last page (an old link): count, then show the last page
        matched = db.session.scalar(select(func.count()).select_from(matching.subquery()))
        page = max(ceil(matched / per_page), 1)
        rows = db.session.execute(_ordered(matching.add_columns(func.count().over()))
                                  .limit(per_page).offset((page - 1) * per_page)).all()
    matched = rows[0][1] if rows else 0
    total = matched if matching is query else db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = [_item(row) for row, _count in rows]
    attach_codings(items, consultation, tags)
    return AnswerPage(items=items, total=total, matched=matched, page=page, pages=max(ceil(matched / per_page), 1))


def matching_response_ids(consultation: Consultation, question_id: int, filters: Filters) -> list[int]:
    """The responses whose answer to this question the filters match (for "tag all matching")."""
    query = filters.where(current_answers(consultation).where(SubmittedAnswer.question_id == question_id))
    return list(db.session.scalars(query.with_only_columns(SubmittedAnswer.response_id)
                                   .order_by(SubmittedAnswer.response_id)))


def answered_response_ids(consultation: Consultation, question_id: int, response_ids: set[int]) -> list[int]:
    """Of these responses, the ones with a submitted answer to this question (for "tag selected")."""
    if not response_ids:
        return []
    return list(db.session.scalars(
        current_answers(consultation).where(SubmittedAnswer.question_id == question_id,
                                            SubmittedAnswer.response_id.in_(response_ids))
        .with_only_columns(SubmittedAnswer.response_id).order_by(SubmittedAnswer.response_id)))


# --- statistics -------------------------------------------------------------------------------

@dataclass
class Distribution:
    options: list[str]
    counts: dict[str, dict[str, int]]   # stakeholder -> option -> count
    totals: dict[str, int]              # stakeholder -> number of answers


@dataclass
class NumberSummary:
    n: int
    shown: bool
    minimum: float | None = None
    q1: float | None = None
    median: float | None = None
    q3: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class ValueGroup:
    """Answers to one question that are alike for statistics: the same value, kind of organisation,
    applicable publication choice and confidentiality; ``count`` answers (one per organisation)."""

    stakeholder: str
    publication: Publication
    confidential: bool
    value: Any
    count: int = 1
    response_id: int | None = None  # when grouped per response (one answer): whose it is


def value_groups(consultation: Consultation, question: Question, offered: Filters | None = None) -> list[ValueGroup]:
    """The submitted answers to a question grouped in SQL by what statistics need: the rows
    returned grow with the number of different answers, not with the number of organisations.
    ``offered``: only those of care providers that offered its lot and municipality."""
    return value_groups_by_question(consultation, {question.id}, offered).get(question.id, [])


AGGREGATED_KINDS = ("single", "multiple", "scale", "number", "ranking", "matrix", "price_table", "cost_price")


def value_groups_by_question(consultation: Consultation, question_ids: set[int] | None = None,
                             offered: Filters | None = None, *, per_response: bool = False
                             ) -> dict[int, list[ValueGroup]]:
    """question id -> its answers' value groups (see :func:`value_groups`), for the questions whose
    answers are counted (choices, scales, numbers, and the rows of rankings, matrices and price
    tables), in one statement. ``per_response``: one group per answer, naming its response (to tell
    which organisations a figure counts)."""
    columns = (SubmittedAnswer.question_id, Organisation.kind, Response.publication, SubmittedAnswer.publication,
               SubmittedAnswer.confidential, SubmittedAnswer.kind, SubmittedAnswer.value_text,
               SubmittedAnswer.value_number, SubmittedAnswer.value_choices,
               SubmittedAnswer.response_id if per_response else null())
    query = current_answers(consultation).where(SubmittedAnswer.kind.in_(AGGREGATED_KINDS))
    if question_ids is not None:
        query = query.where(SubmittedAnswer.question_id.in_(question_ids))
    if offered is not None:
        query = offered.where_offered(query)
    result: dict[int, list[ValueGroup]] = defaultdict(list)
    grouped_by = columns if per_response else columns[:-1]
    for question_id, kind, current, submitted, confidential, row_kind, text, number, choices, response_id, count in \
            db.session.execute(query.with_only_columns(*columns, func.count()).group_by(*grouped_by)):
        result[question_id].append(ValueGroup(
            stakeholder=stakeholder_of(kind), publication=stricter(current, submitted),
            confidential=bool(confidential), value=SubmittedAnswer.value_of(row_kind, text, number, choices),
            count=count, response_id=response_id))
    return dict(result)


@dataclass(frozen=True)
class QuestionPart:
    """One row of a ranking, matrix or price table counted as a question of its own, under the same
    rules: a matrix row as a scale, a ranking option's place and a price-table product's price per
    unit as numbers. A confidential answer never counts in a part's published figures (these
    questions cannot promise that it would)."""

    label: str
    kind: QuestionKind
    unit: str = ""
    scale_low_label: str = ""
    scale_high_label: str = ""
    options: tuple = ()
    confidential_in_totals: bool = False
    question_id: int | None = field(default=None, compare=False)  # the ranking, matrix or price table
    index: int = field(default=0, compare=False)                   # its place among the question's parts
    # A cost-price sheet's figure other than the cost price (a component): shown to the team and in each
    # provider's benchmark, not in the report's annex.
    detail: bool = field(default=False, compare=False)
    product: str = field(default="", compare=False)                # a cost-price sheet's product
    key: str = field(default="", compare=False)                    # its component, or "price"
    short: str = field(default="", compare=False)                  # the component's name without the product


def question_parts(question: Question, answers: list[AnswerItem] | list[ValueGroup]
                   ) -> list[tuple[QuestionPart, list[ValueGroup]]]:
    """A ranking, matrix or price table's parts, each with its answers' value groups (an answer that
    no longer fits the question, its options or rows changed since, counts in none)."""
    kind, of = question.kind, question.id
    if kind == QuestionKind.MATRIX:
        parts = [(QuestionPart(row, QuestionKind.SCALE, scale_low_label=question.scale_low_label,
                               scale_high_label=question.scale_high_label, question_id=of), row)
                 for row in question.options]
    elif kind == QuestionKind.RANKING:
        parts = [(QuestionPart(str(_l("place of %(option)s", option=option)), QuestionKind.NUMBER, question_id=of),
                  option) for option in question.options]
    elif kind == QuestionKind.PRICE_TABLE:
        parts = [(QuestionPart(product, QuestionKind.NUMBER, unit=str(_l("€ per %(unit)s", unit=unit or "…")),
                               question_id=of), product) for product, unit in question.rows]
    elif kind == QuestionKind.COST_PRICE:
        return _sheet_parts(question, answers)
    else:
        return []
    result = []
    for index, (part, key) in enumerate(parts):
        part = replace(part, index=index)
        groups = []
        for group in _groups(answers):
            value = current_value(question, group.value)
            if value is None:
                continue
            if kind == QuestionKind.MATRIX:
                found = next((point for row, point in value if row == key), None)
            elif kind == QuestionKind.RANKING:
                found = value.index(key) + 1 if key in value else None
            else:
                found = next((row["price"] for row in value if row["product"] == key), None)
            if found is not None:
                groups.append(ValueGroup(stakeholder=group.stakeholder, publication=group.publication,
                                         confidential=group.confidential, value=found, count=group.count,
                                         response_id=group.response_id))
        result.append((part, groups))
    return result


def sheet_part_specs(question: Question) -> list[QuestionPart]:
    """A cost-price sheet's parts: per product its cost price per unit, then each component and the
    client-bound hours per FTE (details), as numbers that confidential sheets count in (the question
    says so: only in rounded figures of enough organisations)."""
    units = {"€": "€", "%": "%", "hours": str(_l("hours")), "units": ""}
    parts = []
    for product, unit in question.rows:
        specs = [("price", str(_l("Cost price per %(unit)s", unit=unit or "…")), str(_l("€ per %(unit)s", unit=unit or "…")),
                  False)]
        specs += [(c.key, str(c.label), units[c.unit], True) for c in costprice.COMPONENTS
                  if c.key not in costprice.NOT_COMPARED]
        specs.insert(5, ("client_hours", str(_l("Client-bound hours per FTE per year")), units["hours"], True))
        parts += [QuestionPart(f"{product}: {label}", QuestionKind.NUMBER, unit=part_unit, confidential_in_totals=True,
                               question_id=question.id, detail=detail, product=product, key=key, short=label)
                  for key, label, part_unit, detail in specs]
    return [replace(part, index=index) for index, part in enumerate(parts)]


def sheet_figure(row: dict[str, Any], key: str) -> float | None:
    """One figure of a sheet's product row: typed (or its default), the client-bound hours or the price."""
    if key == "price":
        return row.get("price")
    if key == "client_hours":
        return costprice.derived_figures(row).get("client_hours")
    try:
        return float(costprice.completed(row)[key])
    except costprice.SheetProblem:
        return None


def _sheet_parts(question: Question, answers) -> list[tuple[QuestionPart, list[ValueGroup]]]:
    result = []
    for part in sheet_part_specs(question):
        groups = []
        for group in _groups(answers):
            row = next((row for row in current_value(question, group.value) or [] if row["product"] == part.product),
                       None)
            found = sheet_figure(row, part.key) if row is not None else None
            if found is not None:
                groups.append(ValueGroup(stakeholder=group.stakeholder, publication=group.publication,
                                         confidential=group.confidential, value=found, count=group.count,
                                         response_id=group.response_id))
        result.append((part, groups))
    return result


@dataclass
class Figures:
    """The team's figures of a question (or a part of one) and what the report may publish of them."""

    question: Question | QuestionPart
    stats: Any
    public: Any
    withheld: bool = False  # in a lot's report, not published: it would single out a group (LotFigures)


def question_figures(question: Question, groups: list[ValueGroup], lot_check=None) -> list[Figures]:
    """The figures the analysis shows of a question: one set for a choice, scale or number question, one
    per part of a ranking, matrix or price table, none for an open question. ``lot_check`` (filtered
    by a lot): a function of the question or part that says whether the lot's report may publish it."""
    # Withheld for the lot's report only where its own figure could be shown: else the plain reason stands.
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.SCALE):
        public = public_distribution_figures(question, groups)
        return [Figures(question, distribution(question, groups), public,
                        withheld=public.shown and lot_check is not None and not lot_check(question))]
    if question.kind == QuestionKind.NUMBER:
        numbers = public_number_figures(question, groups)
        return [Figures(question, number_summary(groups), public_numbers_text(numbers, question.unit),
                        withheld=numbers.shown and lot_check is not None and not lot_check(question))]
    figures = [figures for part, part_groups in question_parts(question, groups)
               for figures in question_figures(part, part_groups, lot_check)]
    if question.kind == QuestionKind.RANKING and not ranking_shown(question, groups):
        # Every ranking's places add up to the same sum: one place not shown would follow from the others.
        for item in figures:
            item.public = _l("Not published: one place of this ranking may not be shown, and it would follow "
                             "from the others, so no place is shown.")
    return figures


def ranking_shown(question: Question, groups: list[ValueGroup]) -> bool:
    """Whether every place of a ranking may be published (then all are; else none, see question_figures)."""
    return all(public_number_figures(part, part_groups).shown for part, part_groups in question_parts(question, groups))


class LotFigures:
    """Which lots' reports may publish a figure beside the whole consultation's: not a lot whose
    figure would single out a group below the threshold (or one organisation's number) by adding and
    subtracting the published figures (consult.disclosure.statistics.publishable_subsets). Only the
    lots whose reports hold the question count; a ranking's places are published all or none."""

    def __init__(self, consultation: Consultation, question_ids: set[int] | None = None):
        self.lots = list(consultation.lots)
        self.questions = {q.id: q for theme in consultation.themes for q in theme.questions}
        self.per_response = value_groups_by_question(consultation, question_ids, per_response=True)
        self.lots_of = offered_lots_by_response(consultation)
        self._parts: dict[int, list[tuple[QuestionPart, list[ValueGroup]]]] = {}
        self._allowed: dict[tuple[int, int | None], set[int]] = {}

    def _parts_of(self, parent: Question) -> list[tuple[QuestionPart, list[ValueGroup]]]:
        if parent.id not in self._parts:
            self._parts[parent.id] = question_parts(parent, self.per_response.get(parent.id, []))
        return self._parts[parent.id]

    def may_publish(self, lot_id: int, question: Question | QuestionPart) -> bool:
        """May ``lot_id``'s report publish the figure of ``question`` (or of a part of one)?"""
        if isinstance(question, QuestionPart):
            parent = self.questions[question.question_id]
            if parent.kind == QuestionKind.RANKING:  # all places or none
                return all(lot_id in self._allowed_for(parent, part, groups) for part, groups in self._parts_of(parent))
            part, groups = self._parts_of(parent)[question.index]
            return lot_id in self._allowed_for(parent, part, groups)
        return lot_id in self._allowed_for(question, question, self.per_response.get(question.id, []))

    def _allowed_for(self, parent: Question, question: Question | QuestionPart, everyone: list[ValueGroup]) -> set[int]:
        key = (parent.id, question.index if isinstance(question, QuestionPart) else None)
        if key not in self._allowed:
            self._allowed[key] = self._allowed_now(parent, question, everyone)
        return self._allowed[key]

    def _allowed_now(self, parent: Question, question, everyone: list[ValueGroup]) -> set[int]:
        counted = counted_responses(question, everyone)
        numbers = question.kind == QuestionKind.NUMBER
        if numbers:
            shown = public_number_figures(question, everyone).shown
            if parent.kind == QuestionKind.RANKING:
                shown = ranking_shown(parent, self.per_response.get(parent.id, []))
            columns = []
        else:
            figures = public_distribution_figures(question, everyone)
            shown = figures.shown
            columns = [frozenset(g.response_id for g in everyone if g.response_id in counted and g.stakeholder == kind)
                       for kind in figures.groups] if shown else []
        values = {g.response_id: float(g.value) for g in everyone if g.response_id in counted} if numbers else None
        per_lot = {lot.id: frozenset(r for r in counted if lot.id in self.lots_of.get(r, ()))
                   for lot in self.lots if lot.covers(parent)}
        return publishable_subsets(counted if shown else None, columns, per_lot, values)


def offered_lots_by_response(consultation: Consultation) -> dict[int, set[int]]:
    """response id -> the lots its latest submission offered (what the lot filter goes by)."""
    result: dict[int, set[int]] = defaultdict(set)
    for response_id, lot_id in db.session.execute(
            select(SubmittedOffer.response_id, SubmittedOffer.lot_id).distinct()
            .join(Response, Response.id == SubmittedOffer.response_id)
            .where(Response.consultation_id == consultation.id, SubmittedOffer.current.is_(True))):
        result[response_id].add(lot_id)
    return dict(result)


def counted_responses(question: Question | QuestionPart, groups: list[ValueGroup]) -> frozenset[int]:
    """The responses whose answers a published figure of the question counts (``groups`` per response):
    the same answers :func:`public_number_figures` and :func:`public_distribution_figures` count."""
    numbers = question.kind == QuestionKind.NUMBER
    return frozenset(g.response_id for g in groups if may_count(question, g.publication, g.confidential)
                     and (_is_number(g.value) if numbers else g.value not in (None, "", [])))


def _groups(answers: list[AnswerItem] | list[ValueGroup]) -> list[ValueGroup]:
    """Value groups as they are, or answer items as groups of one."""
    return [a if isinstance(a, ValueGroup) else
            ValueGroup(stakeholder=a.stakeholder, publication=a.publication, confidential=a.confidential,
                       value=a.value) for a in answers]


def distribution(question: Question, answers: list[AnswerItem] | list[ValueGroup]) -> Distribution:
    """For the project team only: per kind of organisation, how often each option was chosen
    (confidential answers included). ``answers``: answer items, or value groups."""
    groups = _groups(answers)
    if question.kind == QuestionKind.SCALE:
        options = [str(n) for n in range(1, 6)]
    else:
        options = list(question.options)
    counts = {s: {o: 0 for o in options} for s in STAKEHOLDERS}
    totals = {s: 0 for s in STAKEHOLDERS}
    for group in groups:
        values = group.value if isinstance(group.value, list) else [group.value]
        totals[group.stakeholder] += group.count
        for value in values:
            key = str(value)
            if key in counts[group.stakeholder]:
                counts[group.stakeholder][key] += group.count
    return Distribution(options=options, counts=counts, totals=totals)


def number_summary(answers: list[AnswerItem] | list[ValueGroup]) -> NumberSummary:
    """For the project team only: n, quartiles, minimum and maximum of every answer, confidential ones
    included. What may be published is :func:`public_number_figures`."""
    groups = _groups(answers)
    values = sorted(float(g.value) for g in groups if _is_number(g.value) for _ in range(g.count))
    if not values:
        return NumberSummary(n=0, shown=False)
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else values * 3
    return NumberSummary(n=len(values), shown=True, minimum=values[0], q1=q1, median=median, q3=q3,
                         maximum=values[-1])


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def public_number_figures(question: Question, answers: list[AnswerItem] | list[ValueGroup]) -> PublicNumbers:
    """What the report may say about a number question: only answers that may count, one per organisation
    (an organisation has one response), under statistical disclosure control (see
    :mod:`consult.disclosure.statistics`). ``answers``: answer items, or value groups."""
    groups = _groups(answers)
    counted = [float(g.value) for g in groups if _is_number(g.value)
               and may_count(question, g.publication, g.confidential) for _ in range(g.count)]
    # A cost-price sheet's figures cannot be negative (its bands stop at zero) and are typed in whole
    # percentages, euros or hours: its bands are never finer than five of those.
    sheet = bool(getattr(question, "key", ""))
    return public_numbers(dict(enumerate(counted)), floor=0.0 if sheet else None, typed=sheet)


def public_numbers_text(figures: PublicNumbers, unit: str = "") -> str:
    """The published figures of a number question in one sentence (report and the team's preview)."""
    from flask_babel import format_decimal
    from flask_babel import gettext as _

    if figures.suppressed == "dominance":
        return _("Not published: one organisation's figure would make up most of the total.")
    if figures.suppressed == "spread":
        return _("Not published: the organisations gave nearly the same figure, so any range would show it.")
    if figures.suppressed:
        return _("Not published: fewer than %(n)s organisations whose answers may be counted answered.",
                 n=min_group())

    def fmt(value):
        return with_unit(format_decimal(value, format="#,##0.##"), unit)

    return _("Average about %(mean)s; the middle half of the organisations between %(low)s and %(high)s "
             "(%(n)s organisations; rounded to %(step)s).", mean=fmt(figures.mean), low=fmt(figures.low),
             high=fmt(figures.high), n=figures.organisations, step=format_decimal(figures.step, format="#,##0.##"))


def public_distribution_figures(question: Question,
                                answers: list[AnswerItem] | list[ValueGroup]) -> PublicDistribution:
    """What the report may say about a choice or scale question (see :mod:`consult.disclosure.statistics`).
    ``answers``: answer items, or value groups."""
    groups = _groups(answers)
    options = [str(n) for n in range(1, 6)] if question.kind == QuestionKind.SCALE else list(question.options)
    choices = []
    for group in groups:
        if group.value in (None, "", []) or not may_count(question, group.publication, group.confidential):
            continue
        values = group.value if isinstance(group.value, list) else [group.value]
        choices += [(group.stakeholder, [str(v) for v in values])] * group.count
    return public_distribution(options, choices)


def response_rates(consultation: Consultation, offered: Filters | None = None) -> dict[str, Any]:
    """Submitted responses per stakeholder type and, per theme, how many of them answered in it
    (read from the answer rows): counted by the database, so the figures cost the same with 6 or
    600 responses. ``offered``: only the care providers that offered its lot and municipality."""
    per_type: Counter = Counter()
    responses = (select(Organisation.kind, func.count(Response.id)).join(Response.organisation)
                 .where(Response.consultation_id == consultation.id, Response.status == ResponseStatus.SUBMITTED))
    if offered is not None and offered.by_offer:
        responses = responses.where(Response.id.in_(offered.offered_responses()))
    for kind, count in db.session.execute(responses.group_by(Organisation.kind)):
        per_type[stakeholder_of(kind)] += count
    per_theme_type: dict[int, Counter] = defaultdict(Counter)
    answers = (offered or Filters()).where_offered(current_answers(consultation))
    for theme_id, kind, count in db.session.execute(
            answers.join(Question, Question.id == SubmittedAnswer.question_id)
            .with_only_columns(Question.theme_id, Organisation.kind, func.count(SubmittedAnswer.response_id.distinct()))
            .group_by(Question.theme_id, Organisation.kind)):
        per_theme_type[theme_id][stakeholder_of(kind)] += count
    return {"total": sum(per_type.values()), "per_type": {s: per_type.get(s, 0) for s in STAKEHOLDERS},
            "per_theme": {theme.id: sum(per_theme_type[theme.id].values()) for theme in consultation.themes},
            "per_theme_type": {theme.id: {s: per_theme_type[theme.id].get(s, 0) for s in STAKEHOLDERS}
                               for theme in consultation.themes}}


def answer_counts(consultation: Consultation, offered: Filters | None = None) -> dict[int, int]:
    """question id -> number of submitted answers, counted in SQL (``offered``: of those care providers)."""
    answers = (offered or Filters()).where_offered(current_answers(consultation))
    return dict(db.session.execute(answers
                                   .with_only_columns(SubmittedAnswer.question_id, func.count())
                                   .group_by(SubmittedAnswer.question_id)).all())


def tag_counts(consultation: Consultation, offered: Filters | None = None) -> dict[int, dict[int, int]]:
    """question id -> tag id -> number of codings (answers and excerpts; ``offered``: of those care providers)."""
    result: dict[int, dict[int, int]] = defaultdict(dict)
    codings = (select(Coding.question_id, Coding.tag_id, func.count(Coding.id)).join(Tag)
               .where(Tag.consultation_id == consultation.id, Coding.question_id.is_not(None)))
    if offered is not None and offered.by_offer:
        codings = codings.where(Coding.response_id.in_(offered.offered_responses()))
    for question_id, tag_id, count in db.session.execute(codings.group_by(Coding.question_id, Coding.tag_id)):
        result[question_id][tag_id] = count
    return result


@dataclass(frozen=True)
class TagTally:
    """The most used tags of a question or theme (tag id, count), most used first, and how many other
    tags it has: an overview shows a few, the tags page and the question page show them all."""

    shown: list[tuple[int, int]]
    others: int


def tag_tallies(consultation: Consultation, *, shown: int = 5,
                offered: Filters | None = None) -> tuple[dict[int, TagTally], dict[int, TagTally]]:
    """Per question and per theme: its ``shown`` most used tags (ties by name) and the number of the
    rest, so an overview stays a few tags per row however many a consultation has."""
    counts = tag_counts(consultation, offered)
    names = dict(db.session.execute(select(Tag.id, Tag.name).where(Tag.consultation_id == consultation.id)).all())

    def tally(per_tag: dict[int, int]) -> TagTally:
        ranked = sorted(per_tag.items(), key=lambda item: (-item[1], names.get(item[0], "").lower(), item[0]))
        return TagTally(ranked[:shown], max(0, len(ranked) - shown))

    per_question, per_theme = {}, {}
    for theme in consultation.themes:
        theme_counts: dict[int, int] = defaultdict(int)
        for question in theme.questions:
            for tag_id, count in counts.get(question.id, {}).items():
                theme_counts[tag_id] += count
            per_question[question.id] = tally(counts.get(question.id, {}))
        per_theme[theme.id] = tally(theme_counts)
    return per_question, per_theme


# --- tags --------------------------------------------------------------------------------------

def save_tag(consultation: Consultation, tag: Tag | None, *, name: str, colour: str, description: str,
             by: User) -> Tag:
    name = (name or "").replace("\x00", "").strip()[:80]
    if not name:
        raise AnalysisRefused(_l("Give the tag a name."))
    if colour not in TAG_COLOURS:
        raise AnalysisRefused(_l("Choose one of the colours."))
    clash = db.session.scalar(select(Tag.id).where(Tag.consultation_id == consultation.id,
                                                   func.lower(Tag.name) == name.lower()))
    if clash is not None and (tag is None or clash != tag.id):
        raise AnalysisRefused(_l("There is already a tag with this name."))
    if tag is None:
        tag = Tag(consultation_id=consultation.id)
        db.session.add(tag)
    tag.name, tag.colour, tag.description = name, colour, (description or "").strip()[:2000]
    db.session.flush()
    record_event("tag_saved", actor=by, obj=tag, name=name)
    return tag


def delete_tag(tag: Tag, *, by: User) -> None:
    record_event("tag_deleted", actor=by, obj=tag, name=tag.name)
    db.session.execute(delete(Coding).where(Coding.tag_id == tag.id))
    db.session.delete(tag)


def tag_answers(tag: Tag, keys: list[tuple[int, int]], *, by: User) -> int:
    """Tag whole answers (response id, question id); answers that have the tag already are skipped."""
    existing = set(db.session.execute(select(Coding.response_id, Coding.question_id).where(
        Coding.tag_id == tag.id, Coding.start.is_(None), Coding.response_id.is_not(None))).all())
    added = 0
    for key in dict.fromkeys(keys):
        if key in existing:
            continue
        db.session.add(Coding(tag_id=tag.id, response_id=key[0], question_id=key[1], created_by_id=by.id))
        added += 1
    if added:
        record_event("answers_tagged", actor=by, obj=tag, count=added)
    return added


# --- bulk tagging and its undo ----------------------------------------------------------------

def _remember_bulk(user: User, question_id: int, tag: Tag, *, removed: bool, codings: list) -> BulkTagging:
    """Keep what this bulk action did, replacing the person's previous one on this question."""
    db.session.execute(delete(BulkTagging).where(BulkTagging.user_id == user.id,
                                                 BulkTagging.question_id == question_id))
    record = BulkTagging(user_id=user.id, question_id=question_id, tag_id=tag.id, removed=removed,
                         codings=codings, created_at=utcnow())
    db.session.add(record)
    db.session.flush()
    return record


def bulk_tag(tag: Tag, question_id: int, response_ids: list[int], *, by: User) -> int:
    """Add ``tag`` to the whole answers of these responses to one question (answers that have it
    already are left alone) and remember exactly which codings were added, for an undo."""
    existing = set(db.session.scalars(select(Coding.response_id).where(
        Coding.tag_id == tag.id, Coding.question_id == question_id, Coding.start.is_(None))))
    added = [Coding(tag_id=tag.id, response_id=response_id, question_id=question_id, created_by_id=by.id)
             for response_id in dict.fromkeys(response_ids) if response_id not in existing]
    db.session.add_all(added)
    db.session.flush()
    if added:
        record_event("answers_tagged", actor=by, obj=tag, count=len(added), question_id=question_id)
        _remember_bulk(by, question_id, tag, removed=False, codings=[c.id for c in added])
    return len(added)


def bulk_untag(tag: Tag, question_id: int, response_ids: list[int], *, by: User) -> int:
    """Remove ``tag`` from the whole answers of these responses to one question (excerpts keep
    their tags) and remember who had tagged each and when, so an undo puts them back as they were."""
    codings = list(db.session.scalars(select(Coding).where(
        Coding.tag_id == tag.id, Coding.question_id == question_id, Coding.start.is_(None),
        Coding.response_id.in_(set(response_ids))).order_by(Coding.id)))
    if not codings:
        return 0
    kept = [{"response_id": c.response_id, "created_by_id": c.created_by_id, "created_at": c.created_at.isoformat()}
            for c in codings]
    db.session.execute(delete(Coding).where(Coding.id.in_([c.id for c in codings])))
    record_event("answers_untagged", actor=by, obj=tag, count=len(codings), question_id=question_id)
    _remember_bulk(by, question_id, tag, removed=True, codings=kept)
    return len(codings)


@dataclass(frozen=True)
class TagChoice:
    """A tag as the analysis page offers and shows it (read as a row: a consultation may have hundreds)."""

    id: int
    name: str
    colour: str


def tags_with_last_bulk(consultation: Consultation, user: User,
                        question_id: int) -> tuple[list[TagChoice], BulkTagging | None, TagChoice | None]:
    """The consultation's tags by name, the person's last bulk action on this question which can
    still be undone, and its tag, in one statement (the analysis page shows them)."""
    rows = db.session.execute(select(Tag.id, Tag.name, Tag.colour, BulkTagging).outerjoin(BulkTagging, and_(
        BulkTagging.tag_id == Tag.id, BulkTagging.user_id == user.id, BulkTagging.question_id == question_id))
        .where(Tag.consultation_id == consultation.id).order_by(Tag.name)).all()
    tags = [TagChoice(tag_id, name, colour) for tag_id, name, colour, _bulk in rows]
    bulk = next(((TagChoice(tag_id, name, colour), bulk) for tag_id, name, colour, bulk in rows if bulk is not None),
                (None, None))
    return tags, bulk[1], bulk[0]


def last_bulk(user: User, question_id: int) -> BulkTagging | None:
    """The person's last bulk action on this question that can still be undone."""
    return db.session.scalar(select(BulkTagging).where(BulkTagging.user_id == user.id,
                                                       BulkTagging.question_id == question_id)
                             .options(joinedload(BulkTagging.tag)))


def undo_bulk(user: User, question_id: int) -> BulkTagging | None:
    """Reverse the person's last bulk action on this question: remove the codings it added (those
    still there), or put back the ones it removed (unless the answer has the tag again by now).

    The record is deleted first, in one statement whose row count says whether this request is
    the one undoing it: an undo sent twice reverses once. None when there is nothing to undo."""
    record = last_bulk(user, question_id)
    if record is None or db.session.execute(
            delete(BulkTagging).where(BulkTagging.id == record.id)
            .execution_options(synchronize_session=False)).rowcount != 1:
        return None
    if record.removed:
        present = set(db.session.scalars(select(Coding.response_id).where(
            Coding.tag_id == record.tag_id, Coding.question_id == question_id, Coding.start.is_(None))))
        for kept in record.codings:
            if kept["response_id"] not in present:
                db.session.add(Coding(tag_id=record.tag_id, response_id=kept["response_id"], question_id=question_id,
                                      created_by_id=kept["created_by_id"],
                                      created_at=datetime.fromisoformat(kept["created_at"])))
    else:
        db.session.execute(delete(Coding).where(Coding.id.in_(record.codings), Coding.tag_id == record.tag_id))
    record_event("bulk_tagging_undone", actor=user, obj=record.tag, count=record.count, question_id=question_id,
                 removed=record.removed)
    db.session.expunge(record)
    return record


def locate(text: str, excerpt: str, at: int | None = None) -> tuple[int, int]:
    """Offsets of ``excerpt`` in ``text``; the excerpt must be copied from the answer.

    ``at`` is where the person selected it (the browser sends the offset of a selection made in
    the answer), so of a passage that occurs twice the selected one is marked; without it, or
    when the text there differs, the first occurrence counts. A form sends line breaks as CR LF,
    the stored text has LF."""
    raw = (excerpt or "").replace("\r\n", "\n")
    excerpt = raw.strip()
    if not excerpt:
        raise AnalysisRefused(_l("Copy the part of the answer you want to mark."))
    if at is not None:
        at += len(raw) - len(raw.lstrip())
        if at >= 0 and text[at:at + len(excerpt)] == excerpt:
            return at, at + len(excerpt)
    start = text.find(excerpt)
    if start < 0:
        raise AnalysisRefused(_l("This text does not occur in the answer. Copy it exactly from the answer."))
    return start, start + len(excerpt)


def tag_excerpt(tag: Tag, item: AnswerItem, excerpt: str, *, by: User, at: int | None = None) -> Coding:
    start, end = locate(item.text, excerpt, at)
    coding = Coding(tag_id=tag.id, response_id=item.response.id, question_id=item.question_id, start=start, end=end,
                    excerpt=item.text[start:end], created_by_id=by.id)
    db.session.add(coding)
    record_event("excerpt_tagged", actor=by, obj=tag, response_id=item.response.id, question_id=item.question_id)
    return coding


def tag_post(tag: Tag, post, *, by: User) -> Coding | None:
    if db.session.scalar(select(Coding.id).where(Coding.tag_id == tag.id, Coding.post_id == post.id)) is not None:
        return None
    coding = Coding(tag_id=tag.id, post_id=post.id, created_by_id=by.id)
    db.session.add(coding)
    record_event("post_tagged", actor=by, obj=tag, post_id=post.id)
    return coding


def remove_coding(coding: Coding, *, by: User) -> None:
    record_event("coding_removed", actor=by, obj=coding.tag, coding_id=coding.id)
    db.session.delete(coding)


def add_quote(consultation: Consultation, item: AnswerItem, excerpt: str, *, by: User,
              at: int | None = None) -> Quote:
    """A key quote for the report: never from a confidential answer or a response that may not be published."""
    refusal = quote_refusal(item.publication, item.confidential)
    if refusal:
        raise AnalysisRefused(refusal)
    start, end = locate(item.text, excerpt, at)
    quote = Quote(consultation_id=consultation.id, response_id=item.response.id, question_id=item.question_id,
                  start=start, end=end, text=item.text[start:end], created_by_id=by.id)
    db.session.add(quote)
    record_event("quote_marked", actor=by, obj=consultation, response_id=item.response.id,
                 question_id=item.question_id)
    return quote


# --- syntheses ----------------------------------------------------------------------------------

def synthesis_for(theme: Theme, question: Question | None) -> Synthesis | None:
    """The synthesis of a question (or the theme), with who saved it last (the form names them)."""
    query = select(Synthesis).where(Synthesis.theme_id == theme.id).options(joinedload(Synthesis.updated_by))
    query = query.where(Synthesis.question_id == question.id) if question else query.where(
        Synthesis.question_id.is_(None))
    return db.session.scalar(query)


class StaleSynthesis(Exception):
    """Someone saved this synthesis after the version the person started from; nothing was written."""

    def __init__(self, synthesis: Synthesis):
        super().__init__("stale synthesis")
        self.synthesis = synthesis


def save_synthesis(theme: Theme, question: Question | None, *, text: str, status: SynthesisStatus,
                   by: User, version: int | None = None) -> Synthesis:
    """Save the synthesis of a question, or of the theme (``question`` None).

    ``version`` is the version the person's form started from (0: there was none; None: the one
    loaded here). It is written only while that is still the stored version, in one conditional
    UPDATE (the first save in one INSERT that skips an existing row); otherwise StaleSynthesis is
    raised with the stored synthesis and nothing is written.
    """
    text = (text or "").replace("\x00", "").strip()
    if len(text) > 20_000:
        raise AnalysisRefused(_l("Use at most %(n)d characters.", n=20_000))
    if status == SynthesisStatus.FINAL and not text:
        raise AnalysisRefused(_l("Write the synthesis before you mark it final."))
    now = utcnow()
    synthesis = synthesis_for(theme, question)
    if synthesis is None:
        synthesis = insert_unless_exists(
            Synthesis, consultation_id=theme.consultation_id, theme_id=theme.id,
            question_id=question.id if question else None, text=text, status=status, updated_at=now,
            updated_by_id=by.id, version=1)
        if synthesis is not None:
            record_event("synthesis_saved", actor=by, obj=synthesis, status=status.value)
            return synthesis
        synthesis = synthesis_for(theme, question)  # a colleague's first save came first
    if (synthesis.text, synthesis.status) == (text, status):
        return synthesis
    base = synthesis.version if version is None else version
    if not update_if_version(synthesis, base, text=text, status=status, updated_at=now, updated_by_id=by.id):
        db.session.refresh(synthesis)
        raise StaleSynthesis(synthesis)
    record_event("synthesis_saved", actor=by, obj=synthesis, status=status.value)
    return synthesis


def syntheses_by_scope(consultation: Consultation) -> dict[tuple[int, int | None], Synthesis]:
    return {(s.theme_id, s.question_id): s for s in db.session.scalars(
        select(Synthesis).where(Synthesis.consultation_id == consultation.id))}


# --- discussion posts ----------------------------------------------------------------------------

@dataclass
class PostItem:
    post: object
    tags: list[Coding] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)

    @property
    def attribution(self) -> str:
        role = self.post.author_role.value
        return str(_l("a provider")) if role == "provider" else str(_l("an advisory council")) \
            if role == "council" else str(_l("an organisation"))


def _participant_posts(consultation: Consultation):
    """A query of the messages of participants (not the team's own) that every reader may read.

    Tags and key quotes go into the report, so the disclosure gate narrows the query as for an
    ordinary reader: nothing hidden, deleted or unapproved, nothing from a hidden thread.
    """
    from consult.dialogue.models import AuthorRole, Post, Thread
    from consult.disclosure.posts import shown_posts

    return shown_posts(select(Post).where(Post.author_role != AuthorRole.TEAM), None, consultation,
                       post=Post, thread=Thread)


def _post_items(consultation: Consultation, query) -> list[PostItem]:
    """The messages ``query`` selects, newest first, with their tags and key quotes."""
    from consult.dialogue.models import Post

    posts = db.session.scalars(
        query.options(joinedload(Post.thread), joinedload(Post.organisation), joinedload(Post.author))
        .order_by(Post.created_at.desc(), Post.id.desc())).unique().all()
    items = {post.id: PostItem(post=post) for post in posts}
    if items:
        for coding in db.session.scalars(select(Coding).join(Tag).where(
                Tag.consultation_id == consultation.id, Coding.post_id.in_(list(items)))
                .options(contains_eager(Coding.tag)).order_by(Coding.id)):
            items[coding.post_id].tags.append(coding)
        for quote in db.session.scalars(select(Quote).where(Quote.consultation_id == consultation.id,
                                                            Quote.post_id.in_(list(items))).order_by(Quote.id)):
            items[quote.post_id].quotes.append(quote)
    return list(items.values())


def participant_post(consultation: Consultation, post_id: int):
    """One message of ``post_items`` by its number (a participant's, which every reader may read), or None."""
    from consult.dialogue.models import Post

    return db.session.scalar(_participant_posts(consultation).where(Post.id == post_id))


def post_items(consultation: Consultation, text: str = "", tag_id: int | None = None) -> list[PostItem]:
    """Messages of participants (not the team's own) that every reader may read, newest first."""
    result = _post_items(consultation, _participant_posts(consultation))
    if text.strip():
        needle = text.strip().casefold()
        result = [i for i in result if needle in i.post.body.casefold() or needle in i.post.thread.title.casefold()]
    if tag_id:
        result = [i for i in result if any(c.tag_id == tag_id for c in i.tags)]
    return result


@dataclass
class PostPage:
    items: list[PostItem]
    matched: int   # messages the filters match
    page: int
    pages: int


def post_page(consultation: Consultation, text: str = "", tag_id: int | None = None, page: int = 1,
              per_page: int = 25) -> PostPage:
    """One page of the messages of ``post_items``, filtered by text (message or thread title) and
    tag, counted and paged by the database: a page costs the same with 30 or 3,000 messages."""
    from consult.dialogue.models import Post, Thread

    query = _participant_posts(consultation)
    if text.strip():
        pattern = like_contains(text.strip().casefold())
        query = query.where(or_(func.lower(Post.body).like(pattern, escape="\\"),
                                Post.thread.has(func.lower(Thread.title).like(pattern, escape="\\"))))
    if tag_id:
        query = query.where(select(Coding.id).where(Coding.post_id == Post.id, Coding.tag_id == tag_id).exists())
    matched = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(ceil(matched / per_page), 1)
    page = min(max(page, 1), pages)
    # The page's messages are found by id first (the database sorts narrow rows), then read with
    # their threads and authors: joining those before the sort made it sort every message in full.
    ids = (query.with_only_columns(Post.id).order_by(Post.created_at.desc(), Post.id.desc())
           .limit(per_page).offset((page - 1) * per_page))
    items = _post_items(consultation, select(Post).where(Post.id.in_(ids.scalar_subquery())))
    return PostPage(items=items, matched=matched, page=page, pages=pages)


def quote_post(consultation: Consultation, post, excerpt: str, *, by: User, at: int | None = None) -> Quote:
    """Mark an excerpt of a message as a key quote; only a message every reader may read."""
    from consult.disclosure.posts import may_show_post

    if post.thread.consultation_id != consultation.id or not may_show_post(post, None):
        raise AnalysisRefused(_l("This message has been hidden or deleted, or it is waiting for approval, "
                                 "so it cannot be quoted."))
    start, end = locate(post.body, excerpt, at)
    quote = Quote(consultation_id=consultation.id, post_id=post.id, start=start, end=end, text=post.body[start:end],
                  created_by_id=by.id)
    db.session.add(quote)
    record_event("quote_marked", actor=by, obj=consultation, post_id=post.id)
    return quote


@posts_purged.connect
def _drop_quotes_of_purged_posts(_sender, post_ids, **_extra) -> None:
    """A deleted post whose text is emptied takes its key quotes with it."""
    db.session.execute(delete(Quote).where(Quote.post_id.in_(post_ids)).execution_options(synchronize_session=False))
