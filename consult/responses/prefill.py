"""Pre-filling a response from an earlier round of the trajectory: where the team marked a question
as the same as one of an earlier round, the organisation may copy its own answer from its latest
submission of that round. Copies are draft answers saved through ``save_answer`` (versioned); an
answer already typed is never overwritten; each copy remembers the submission it came from."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from consult.audit.services import record_event
from consult.auth.models import User
from consult.consultations.models import Question, QuestionKind
from consult.consultations.trajectory_services import round_of
from consult.extensions import db
from consult.responses.answers import fits
from consult.responses.models import Response, ResponseStatus, Submission, SubmittedAnswer
from consult.responses.permissions import is_member_of_response
from consult.responses.services import questions_for, save_answer


@dataclass
class Copyable:
    question: Question
    earlier: SubmittedAnswer  # the organisation's answer in its latest submission of the earlier round


def copyable_answers(user, response: Response) -> list[Copyable]:
    """What ``user`` may copy into ``response`` now: for each question asked of the organisation and
    marked as the same as an earlier round's question, the organisation's own answer in its latest
    submission of that round, where this response has no answer yet. Only for a member of the
    response's organisation: the rows are selected by that organisation, never by an id from a form."""
    if not is_member_of_response(user, response):
        return []
    marked = {q.same_as_id: q for _theme, questions in questions_for(response)
              for q in questions if q.same_as_id is not None and q.kind != QuestionKind.FILE}
    if not marked:
        return []
    rows = db.session.scalars(
        select(SubmittedAnswer).join(Response, Response.id == SubmittedAnswer.response_id).where(
            SubmittedAnswer.organisation_id == response.organisation_id,
            SubmittedAnswer.question_id.in_(list(marked)), SubmittedAnswer.current.is_(True),
            Response.status == ResponseStatus.SUBMITTED, Response.id != response.id))
    found = []
    for row in rows:
        question = marked[row.question_id]
        answer = response.answer_for(question.id)
        if answer is not None and (not answer.is_empty or answer.skipped):
            continue  # typed (or skipped) already: never overwritten
        if row.kind == question.kind.value and fits(question, row.value):
            found.append(Copyable(question, row))
    return sorted(found, key=lambda c: (c.question.theme.position, c.question.position, c.question.id))


def copy_earlier_answers(user: User, response: Response) -> int:
    """Copy every :func:`copyable_answers` into the response as draft answers with the confidential
    mark they had; returns how many were copied. Audited."""
    copied = []
    for item in copyable_answers(user, response):
        answer, changed = save_answer(response, item.question, item.earlier.value, item.earlier.confidential, None,
                                      by=user)
        if changed:
            answer.copied_from_id = item.earlier.submission_id
            copied.append(item.question.id)
    if copied:
        db.session.flush()
        record_event("answers_copied", actor=user, obj=response, question_ids=copied)
    return len(copied)


@dataclass
class CopiedFrom:
    submission: Submission
    round_number: int | None  # the earlier round's number in the trajectory (None: no longer a round)


def copied_from(response: Response) -> dict[int, CopiedFrom]:
    """Per question id, the earlier submission an answer of this response was copied from."""
    ids = {a.copied_from_id for a in response.answers if a.copied_from_id is not None}
    if not ids:
        return {}
    found = {}
    for submission in db.session.scalars(select(Submission).where(Submission.id.in_(ids))):
        item = round_of(submission.response.consultation)
        found[submission.id] = CopiedFrom(submission, item.number if item else None)
    return {a.question_id: found[a.copied_from_id] for a in response.answers if a.copied_from_id in found}
