"""Who sees which part of the tariff dialogue."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from consult.analysis.permissions import can_analyse
from consult.analysis.services import current_answers
from consult.consultations.models import Consultation, QuestionKind
from consult.consultations.permissions import can_edit_consultation
from consult.core.predicates import predicate
from consult.core.time import utcnow
from consult.extensions import db
from consult.responses.models import Response, SubmittedAnswer
from consult.responses.permissions import is_member_of_response
from consult.tariffs.models import SheetQuestion


@predicate
def can_see_cost_sheets(user, consultation: Consultation) -> bool:
    """Every organisation's cost-price figures: the project team only (editors and analysts)."""
    return can_analyse(user, consultation)


@predicate
def can_model_funding(user, consultation: Consultation) -> bool:
    """Funding scenarios are made and chosen by the consultation's editors."""
    return can_analyse(user, consultation) and can_edit_consultation(user, consultation)


@predicate
def can_see_benchmark(user, response: Response) -> bool:
    """A provider's benchmark: its own organisation's members, after the deadline, when its latest
    submission holds a cost-price sheet."""
    return is_member_of_response(user, response) and _has_benchmark(response.consultation, response)


def _has_benchmark(consultation: Consultation, response: Response, now: datetime | None = None) -> bool:
    """After the deadline, for an organisation whose submitted response holds a cost-price sheet."""
    if consultation.closes_at is None or consultation.accepts_responses(now or utcnow()):
        return False
    questions = _cost_question_ids(consultation)
    return bool(questions) and db.session.scalar(current_answers(consultation).where(
        SubmittedAnswer.question_id.in_(questions), SubmittedAnswer.response_id == response.id)
        .with_only_columns(SubmittedAnswer.id).limit(1)) is not None


@predicate
def can_read_sheet_questions(user, response: Response) -> bool:
    """The team's questions about an organisation's sheet: its own members see and answer them (asked
    only where the consultation has a cost-price sheet: its questions are loaded with the page)."""
    return is_member_of_response(user, response) and _asks_cost_prices(response.consultation) and db.session.scalar(
        select(SheetQuestion.id).where(SheetQuestion.consultation_id == response.consultation_id,
                                       SheetQuestion.organisation_id == response.organisation_id).limit(1)) is not None


def _cost_question_ids(consultation: Consultation) -> list[int]:
    return [q.id for theme in consultation.themes for q in theme.questions if q.kind == QuestionKind.COST_PRICE]


def _asks_cost_prices(consultation: Consultation) -> bool:
    return bool(_cost_question_ids(consultation))
