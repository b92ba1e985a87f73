"""The analysis of a later round of a trajectory: the answers given in the earlier rounds to the
question a question of this round is marked the same as (paged, as the team sees this round's
answers), and key quotes taken from them for this round's report.

A key quote of an earlier round's answer is stored with this round's consultation and the earlier
question; the report places it under this round's question, labelled with its round, and the
disclosure gate decides on it by the earlier response's own choices."""
from __future__ import annotations

from dataclasses import dataclass

from flask import has_request_context, request
from sqlalchemy import select

from consult.analysis.models import Quote
from consult.analysis.services import AnswerItem, AnswerPage, add_quote, answer_item, answer_items_page
from consult.auth.models import User
from consult.consultations.models import Consultation, Question, Theme
from consult.consultations.trajectory_services import earlier_rounds, round_of
from consult.extensions import db
from consult.responses.models import Response, ResponseStatus, SubmittedAnswer


@dataclass(frozen=True)
class EarlierQuestion:
    """A question of an earlier round that a question of a later round is (through its marks) the same as."""

    round_number: int
    consultation: Consultation
    question: Question


def round_of_request(consultation: Consultation):
    """The consultation's round of a trajectory (``round_of``), read once per request."""
    cache = request.environ.setdefault("consult.round_of", {}) if has_request_context() else {}
    if consultation.id not in cache:
        cache[consultation.id] = round_of(consultation)
    return cache[consultation.id]


def earlier_questions(consultation: Consultation) -> dict[int, EarlierQuestion]:
    """Every question of the rounds before ``consultation``'s, by id, read in a few statements and
    kept for the rest of the request (a report asks for each of its questions)."""
    cache = request.environ.setdefault("consult.earlier_questions", {}) if has_request_context() else {}
    if consultation.id in cache:
        return cache[consultation.id]
    item = round_of_request(consultation)
    rounds = earlier_rounds(consultation, item) if item is not None else []
    found: dict[int, EarlierQuestion] = {}
    if rounds:
        numbers = {item.consultation_id: (number, item.consultation) for number, item in rounds}
        for question, consultation_id in db.session.execute(
                select(Question, Theme.consultation_id).join(Theme).where(Theme.consultation_id.in_(list(numbers)))):
            found[question.id] = EarlierQuestion(*numbers[consultation_id], question)
    cache[consultation.id] = found
    return found


def earlier_versions(consultation: Consultation, question: Question) -> list[EarlierQuestion]:
    """The questions of the earlier rounds ``question`` is the same as, following the marks back
    (round 3's question to round 2's to round 1's), latest round first."""
    if question.same_as_id is None:
        return []
    known = earlier_questions(consultation)
    found: list[EarlierQuestion] = []
    current = question
    while current.same_as_id in known and all(v.question.id != current.same_as_id for v in found):
        version = known[current.same_as_id]
        found.append(version)
        current = version.question
    return found


@dataclass
class EarlierAnswer:
    earlier: EarlierQuestion
    item: AnswerItem


def earlier_answer_page(consultation: Consultation, question: Question, page: int, per_page: int
                        ) -> tuple[list[EarlierAnswer], AnswerPage]:
    """One page of the submitted answers of the earlier rounds to the questions ``question`` is the
    same as (by response), each with the key quotes this round took from it."""
    versions = earlier_versions(consultation, question)
    if not versions:
        return [], AnswerPage(items=[], total=0, matched=0, page=1, pages=1)
    by_question = {v.question.id: v for v in versions}
    # The rows that count, as current_answers reads them for one round: of the earlier rounds here.
    query = (select(SubmittedAnswer).join(SubmittedAnswer.response).join(Response.organisation)
             .where(SubmittedAnswer.question_id.in_(list(by_question)),
                    SubmittedAnswer.consultation_id.in_([v.consultation.id for v in versions]),
                    SubmittedAnswer.current.is_(True), Response.status == ResponseStatus.SUBMITTED))
    items, found = answer_items_page(query, page, per_page)
    total = found.total or 0
    quotes: dict[tuple[int, int], list[Quote]] = {}
    if items:
        for quote in db.session.scalars(select(Quote).where(
                Quote.consultation_id == consultation.id, Quote.question_id.in_(list(by_question)),
                Quote.response_id.in_({i.response.id for i in items})).order_by(Quote.id)):
            quotes.setdefault((quote.response_id, quote.question_id), []).append(quote)
    for item in items:
        item.quotes = quotes.get((item.response.id, item.question_id), [])
    return ([EarlierAnswer(by_question[i.question_id], i) for i in items],
            AnswerPage(items=items, total=total, matched=total, page=found.page, pages=max(found.pages, 1)))


def quote_earlier_answer(consultation: Consultation, question: Question, key: str, excerpt: str, *, by: User,
                         at: int | None = None) -> Quote | None:
    """A key quote for this round's report from an earlier round's answer to a question ``question``
    is the same as (``key``: "response id-question id"); None when ``key`` names no such answer.
    Refused, as any quote, for a confidential answer or a response that may not be published."""
    _response, _sep, question_id = key.partition("-")
    for version in earlier_versions(consultation, question):
        if str(version.question.id) == question_id:
            item = answer_item(version.consultation, version.question.id, key)
            return None if item is None else add_quote(consultation, item, excerpt, by=by, at=at)
    return None
