"""Response services: drafts, saving answers without ever overwriting a colleague silently,
attachments, submission with a verifiable receipt, withdrawal.

Services add and flush; the request commits (a submission is therefore one transaction).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from consult.audit.services import record_event
from consult.auth.models import User
from consult.consultations.conditions import SIZE_BANDS, Respondent, consultation_uses_size, holds
from consult.consultations.models import Audience, Consultation, Lot, OfferedLot, Question, QuestionKind, Theme
from consult.core.db import insert_unless_exists, update_if_version, write_columns
from consult.core.receipts import RECEIPT_CODE_LENGTH, format_receipt_code, normalise_receipt_code
from consult.core.refused import Refused
from consult.core.time import utcnow
from consult.core.uploads import StoredFile
from consult.extensions import db
from consult.notify.models import Kind
from consult.notify.services import absolute_url, notify, organisation_users, url_path
from consult.orgs.models import Organisation, OrgKind
from consult.responses.answers import current_value
from consult.responses.display import snapshot_value
from consult.responses.models import (
    JSON_KINDS,
    Answer,
    Attachment,
    Publication,
    Response,
    ResponseStatus,
    Submission,
    SubmittedAnswer,
    SubmittedOffer,
)

# How far an autosave lets the response's time of change lag: see _changed_at.
CHANGE_TIME_STEP = timedelta(minutes=1)


class DeadlinePassed(Exception):
    """The consultation no longer accepts changes (server clock, to the second)."""


class StaleAnswer(Exception):
    """Someone saved this answer after the version the person started from."""

    def __init__(self, answer: Answer, mine: Any, confidential: bool):
        super().__init__("stale answer")
        self.answer = answer
        self.mine = mine
        self.confidential = confidential


class SubmitBlocked(Exception):
    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(m for _f, m in problems))
        self.problems = problems


def audience_of(org: Organisation) -> Audience | None:
    """Providers answer provider questions, councils council questions."""
    return {OrgKind.PROVIDER: Audience.PROVIDERS, OrgKind.COUNCIL: Audience.COUNCILS}.get(org.kind)


def is_eligible(response: Response, question: Question) -> bool:
    """Whether the question is for the response's organisation at all, conditions aside: its audience
    includes the organisation's kind and, for a question scoped to a lot or a municipality, a care
    provider offers that lot in that municipality (``Response.offer``). Advisory councils offer no
    lots: they are asked their questions whatever the scope."""
    audience = audience_of(response.organisation)
    if audience is None or not question.audience.includes(audience):
        return False
    if not question.scoped or audience != Audience.PROVIDERS:
        return True
    return any(question.lot_id in (None, offered.lot_id) and question.municipality_id in (None, offered.municipality_id)
               for offered in response.offer)


class Asking:
    """Which questions and themes one response is asked: eligible (:func:`is_eligible`), and the
    conditions of the question and its theme hold on the organisation's profile and its answers to
    earlier questions that are asked themselves (consult.consultations.conditions). Remembered per
    question, so a page asks each condition once."""

    def __init__(self, response: Response):
        self.response = response
        profiled = audience_of(response.organisation) == Audience.PROVIDERS
        self.respondent = Respondent(value_of=self._value, size=response.size, profiled=profiled,
                                     lot_ids=frozenset(offered.lot_id for offered in response.offer))
        self._questions: dict[int, bool] = {}
        self._themes: dict[int, bool] = {}

    def _value(self, question_id: int) -> Any:
        question = db.session.get(Question, question_id)
        if question is None or not self.asked(question):
            return None
        answer = self.response.answer_for(question_id)
        if answer is None or answer.is_empty:
            return None
        return True if answer.value in (None, "", []) else answer.value  # a file question's files: answered

    def theme_asked(self, theme: Theme) -> bool:
        if theme.id not in self._themes:
            self._themes[theme.id] = False  # a circle (refused by the editor) holds nowhere
            self._themes[theme.id] = holds(theme.condition, self.respondent)
        return self._themes[theme.id]

    def asked(self, question: Question) -> bool:
        if question.id not in self._questions:
            self._questions[question.id] = False
            self._questions[question.id] = (is_eligible(self.response, question) and self.theme_asked(question.theme)
                                            and holds(question.condition, self.respondent))
        return self._questions[question.id]


def is_asked(response: Response, question: Question) -> bool:
    """Whether the response's organisation is asked this question now (:class:`Asking`)."""
    return Asking(response).asked(question)


def questions_for(response: Response) -> list[tuple[Theme, list[Question]]]:
    """The themes with questions this organisation answers (themes without any are left out)."""
    asking = Asking(response)
    result = []
    for theme in response.consultation.themes:
        questions = [q for q in theme.questions if asking.asked(q)]
        if questions:
            result.append((theme, questions))
    return result


def page_questions(response: Response, theme: Theme) -> list[tuple[Question, bool]]:
    """The questions of a theme's page with whether each is asked now: every eligible question is on
    the page, those whose condition does not hold are hidden there, so that an answer on the page can
    show or hide them at once (and a hidden one keeps what was typed)."""
    asking = Asking(response)
    return [(q, asking.asked(q)) for q in theme.questions if is_eligible(response, q)]


def question_for(response: Response, question_id: int) -> Question | None:
    """One question of the response's consultation that its organisation answers, in one query
    (an autosave needs just this one, not every theme's questions)."""
    question = db.session.scalar(select(Question).join(Question.theme).where(
        Question.id == question_id, Theme.consultation_id == response.consultation_id))
    return question if question is not None and is_eligible(response, question) else None


# --- the lots a care provider offers ------------------------------------------------------------

class OfferRefused(Refused):
    """The offer is not one of the consultation's lots and municipalities; nothing was written."""


def needs_offer(response: Response) -> bool:
    """A care provider answering a consultation with lots says first which it offers, and where; and
    where questions depend on its size, how many people work for it (the same page)."""
    return response.organisation.kind == OrgKind.PROVIDER and (
        bool(response.consultation.lots) or consultation_uses_size(response.consultation))


def needs_size(response: Response) -> bool:
    return response.organisation.kind == OrgKind.PROVIDER and consultation_uses_size(response.consultation)


def profile_missing(response: Response) -> bool:
    """The care provider has not said yet what the consultation asks first: its lots, or its size."""
    return needs_offer(response) and ((bool(response.consultation.lots) and not response.offer)
                                      or (needs_size(response) and response.size is None))


def lot_pairs(consultation: Consultation) -> set[tuple[int, int]]:
    """Every (lot id, municipality id) a care provider may offer: each lot where it is procured."""
    return {(lot.id, municipality.id) for lot in consultation.lots for municipality in lot.municipalities}


def offered_pairs(response: Response) -> set[tuple[int, int]]:
    return {(offered.lot_id, offered.municipality_id) for offered in response.offer}


def set_offer(response: Response, pairs: set[tuple[int, int]], *, size: int | None = None, by: User,
              now: datetime | None = None) -> list[Question]:
    """Replace what the organisation offers by ``pairs`` of (lot id, municipality id), each a lot of
    the consultation in one of that lot's municipalities, and (given) its size band; return the
    questions it is asked now and was not before. Answers are never removed: those to questions no
    longer asked are kept, not submitted while they are hidden (:func:`hidden_answers`)."""
    ensure_open(response.consultation, now)
    if response.consultation.lots:
        if not pairs:
            raise OfferRefused(_l("Choose at least one lot and the municipalities where you offer it."))
        if not pairs <= lot_pairs(response.consultation):
            raise OfferRefused(_l("Choose only the lots and municipalities listed."))
    elif pairs:
        raise OfferRefused(_l("Choose only the lots and municipalities listed."))
    if size is not None and size not in SIZE_BANDS:
        raise OfferRefused(_l("Choose one of the sizes listed."))
    before = {q.id for _theme, questions in questions_for(response) for q in questions}
    current = offered_pairs(response)
    if pairs != current:
        # Row by row, so that a colleague saving the same offer at the same moment meets no conflict:
        # a pair gone twice is deleted once, a pair added twice is inserted once.
        for lot_id, municipality_id in current - pairs:
            db.session.execute(delete(OfferedLot).where(OfferedLot.response_id == response.id, OfferedLot.lot_id == lot_id,
                                                        OfferedLot.municipality_id == municipality_id))
        for lot_id, municipality_id in sorted(pairs - current):
            insert_unless_exists(OfferedLot, response_id=response.id, lot_id=lot_id, municipality_id=municipality_id)
        db.session.expire(response, ["offer"])
        record_event("response_offer_set", actor=by, obj=response,
                     offer=[f"{lot_id}:{municipality_id}" for lot_id, municipality_id in sorted(pairs)])
    if size is not None and size != response.size:
        response.size = size
        record_event("response_size_set", actor=by, obj=response, size=size)
    return [q for theme in response.consultation.themes for q in theme.questions
            if q.id not in before and is_asked(response, q)]


def hidden_answers(response: Response) -> list[Question]:
    """Questions this organisation answered that it is no longer asked (its offer, its size or an earlier
    answer changed): the answers are kept, and not submitted while the question is hidden."""
    audience = audience_of(response.organisation)
    asking = Asking(response)
    return [q for theme in response.consultation.themes for q in theme.questions
            if audience is not None and q.audience.includes(audience) and not asking.asked(q)
            and (answer := response.answer_for(q.id)) is not None and not answer.is_empty]


def answers_per_lot(response: Response) -> dict[int, int]:
    """lot id -> how many of the organisation's answers are to questions asked only for that lot
    (what unticking the lot would hide)."""
    counts: dict[int, int] = {}
    for theme in response.consultation.themes:
        for question in theme.questions:
            if question.lot_id is not None and (answer := response.answer_for(question.id)) is not None \
                    and not answer.is_empty:
                counts[question.lot_id] = counts.get(question.lot_id, 0) + 1
    return counts


def offer_summary(response: Response) -> list[tuple[Lot, list[Organisation]]]:
    """Per lot the organisation offers, the municipalities where it offers it (in the lots' order)."""
    where: dict[int, list[Organisation]] = {}
    for offered in response.offer:
        where.setdefault(offered.lot_id, []).append(offered.municipality)
    return [(lot, sorted(where[lot.id], key=lambda m: m.name)) for lot in response.consultation.lots if lot.id in where]


def question_scope(question: Question) -> dict[str, str] | None:
    """The scope a submitted answer records: the names of the question's lot and municipality."""
    scope = {key: value for key, value in (("lot", question.lot.name if question.lot else None),
                                           ("municipality", question.municipality.name if question.municipality else None))
             if value}
    return scope or None


def ensure_open(consultation: Consultation, now: datetime | None = None) -> None:
    if not consultation.accepts_responses(now or utcnow()):
        raise DeadlinePassed()


def start_response(consultation: Consultation, org: Organisation, *, by: User,
                   now: datetime | None = None) -> Response:
    """The organisation's one response to this consultation, created on first use."""
    existing = db.session.scalar(select(Response).where(Response.consultation_id == consultation.id,
                                                        Response.organisation_id == org.id))
    if existing is not None:
        return existing
    ensure_open(consultation, now)
    response = Response(consultation=consultation, organisation=org, created_at=now or utcnow(),
                        updated_at=now or utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(response)
            db.session.flush()
    except IntegrityError:  # a colleague started it at the same moment
        return db.session.scalar(select(Response).where(Response.consultation_id == consultation.id,
                                                        Response.organisation_id == org.id))
    record_event("response_started", actor=by, obj=response, organisation_id=org.id)
    return response


def save_answer(response: Response, question: Question, value: Any, confidential: bool,
                base_version: int | None, *, by: User, now: datetime | None = None,
                skipped: bool | None = None, only_answer: bool = False) -> tuple[Answer, bool]:
    """Save one answer. Returns (answer, changed).

    ``base_version`` is the version the person's page was showing (0: no answer yet). The text is
    written only while the stored version is still that one, checked and raised in one UPDATE
    whose row count proves it; so of two saves from the same version exactly one is written and
    the other raises StaleAnswer with the stored (winning) answer, having written nothing. The
    first save inserts the row in one statement that skips an existing row: of two first saves at
    once, one inserts and the other gets the conflict. Keeping one's own text after a conflict is
    a save from the colleague's version shown on the conflict screen. ``None`` (server-side callers
    without a page) means the version loaded here. Saving what is stored already writes nothing.
    ``skipped`` marks that the organisation leaves this question unanswered on purpose (only an
    optional question can be skipped; None leaves the mark as it is). ``only_answer``: the request
    writes no other answer after this one (an autosave), see :func:`_changed_at`.
    """
    now = now or utcnow()
    ensure_open(response.consultation, now)
    skipped = (bool(skipped) and not question.required) if skipped is not None else None
    if question.kind == QuestionKind.COST_PRICE:
        confidential = True  # a cost-price sheet is confidential by construction, whatever was posted
    # One lock order for every request: the answers' rows first, the response's row (updated_at,
    # written at the flush) last. Flushing it between two answers of a full page save while a
    # colleague's autosave holds the second answer would deadlock on PostgreSQL.
    with db.session.no_autoflush:
        answer = response.answer_for(question.id)
        if answer is None:
            if value is None and confidential == question.confidential_default and not skipped:
                return _unsaved_answer(response, question), False
            answer = insert_unless_exists(Answer, response_id=response.id, question_id=question.id, value=value,
                                          confidential=confidential, skipped=bool(skipped), version=1,
                                          updated_at=now, updated_by_id=by.id)
            if answer is not None:
                _loaded_with(response, answer)
                _changed_at(response, now, at_once=only_answer)
                return answer, True
            answer = _stored_answer(response, question)  # a colleague's first save came first
        if skipped is None:
            skipped = answer.skipped
        if answer.value == value and answer.confidential == confidential and answer.skipped == skipped:
            return answer, False
        base = answer.version if base_version is None else base_version
        if not update_if_version(answer, base, value=value, confidential=confidential, skipped=skipped,
                                 updated_at=now, updated_by_id=by.id):
            db.session.refresh(answer)
            raise StaleAnswer(answer, value, confidential)
    _changed_at(response, now, at_once=only_answer)
    return answer, True


def _changed_at(response: Response, now: datetime, *, at_once: bool) -> None:
    """The response's time of change, after an answer was saved. Written at the flush, after every
    answer the request writes (one lock order for every request: the answers' rows first, the
    response's row last). ``at_once`` when the answer just written is the request's only one (an
    autosave): one UPDATE now, in the same order, without the unit of work at the commit (which cost
    an autosave more than the statement), and only when the stored time is :data:`CHANGE_TIME_STEP`
    or more behind. A person typing saves every few seconds: writing the response's row each time
    doubled the rows an autosave writes, and colleagues saving other answers waited on that row's
    lock until the other committed."""
    if not at_once:
        response.updated_at = now
    elif now - response.updated_at >= CHANGE_TIME_STEP:
        write_columns(response, updated_at=now)


def _unsaved_answer(response: Response, question: Question) -> Answer:
    """An empty answer that is not stored (and not added to the session): nothing to save yet."""
    return Answer(response_id=response.id, question_id=question.id, value=None,
                  confidential=question.confidential_default, version=0)


def _stored_answer(response: Response, question: Question) -> Answer:
    answer = db.session.scalar(select(Answer).where(Answer.response_id == response.id,
                                                    Answer.question_id == question.id))
    _loaded_with(response, answer)
    return answer


def _loaded_with(response: Response, answer: Answer) -> None:
    """Put a row inserted or loaded outside the ORM's unit of work into the response's loaded
    answers, without marking anything to write."""
    if "answers" in response.__dict__ and answer not in response.answers:
        set_committed_value(response, "answers", [*response.answers, answer])


def _answer_row(response: Response, question: Question, by: User, now: datetime) -> Answer:
    """The answer's stored row, inserted empty (version 0) when there is none yet."""
    answer = response.answer_for(question.id)
    if answer is None:
        answer = insert_unless_exists(Answer, response_id=response.id, question_id=question.id, value=None,
                                      confidential=question.confidential_default, version=0, updated_at=now,
                                      updated_by_id=by.id)
        if answer is None:
            return _stored_answer(response, question)
        _loaded_with(response, answer)
    return answer


def _raise_version(answer: Answer, *, by: User, now: datetime) -> None:
    """A file added or removed raises the answer's version in one statement (``version + 1`` in
    the database, never a number computed here), so a save from a page that did not show the
    change gets the conflict. Files are added and removed one by one and overwrite nothing, so
    two of them at once both count."""
    version = db.session.scalar(
        update(Answer).where(Answer.id == answer.id)
        .values(version=Answer.version + 1, updated_at=now, updated_by_id=by.id)
        .returning(Answer.version).execution_options(synchronize_session=False))
    for name, value in (("version", version), ("updated_at", now), ("updated_by_id", by.id)):
        set_committed_value(answer, name, value)
    db.session.expire(answer, ["updated_by"])


def add_attachment(response: Response, question: Question, stored: StoredFile, *, by: User) -> Attachment:
    """Add an uploaded file to a file question's answer (the row is created on the first file)."""
    now = utcnow()
    ensure_open(response.consultation, now)
    answer = _answer_row(response, question, by, now)
    attachment = Attachment(original_name=stored.original_name,
                            stored_name=stored.stored_name, file_type=stored.file_type, size=stored.size,
                            sha256=stored.sha256, uploaded_by_id=by.id, uploaded_at=now)
    answer.attachments.append(attachment)
    _raise_version(answer, by=by, now=now)
    response.updated_at = now
    db.session.flush()
    record_event("attachment_added", actor=by, obj=attachment, response_id=response.id)
    return attachment


def remove_attachment(attachment: Attachment, *, by: User) -> None:
    """Remove a file from the draft (earlier submissions keep it). Only the request that actually
    removes it raises the version: of two removals at once, the second finds it gone already."""
    now = utcnow()
    ensure_open(attachment.answer.response.consultation, now)
    removed = db.session.execute(
        update(Attachment).where(Attachment.id == attachment.id, Attachment.removed_at.is_(None))
        .values(removed_at=now).execution_options(synchronize_session=False)).rowcount
    if removed != 1:
        return
    set_committed_value(attachment, "removed_at", now)
    _raise_version(attachment.answer, by=by, now=now)
    record_event("attachment_removed", actor=by, obj=attachment)


def set_publication(response: Response, publication: Publication, *, by: User,
                    now: datetime | None = None) -> None:
    ensure_open(response.consultation, now)
    response.publication = publication


# --- progress -------------------------------------------------------------------------------

@dataclass
class ThemeProgress:
    theme: Theme
    questions: list[Question]
    answered: int
    required: int
    required_answered: int
    skipped: int = 0  # unanswered questions the organisation chose to skip

    @property
    def status(self) -> str:
        """not_started, in_progress or complete. Complete only when every question this
        organisation is asked has an answer or was explicitly skipped; a theme with some answers
        (or skips) and questions still open is in progress."""
        if self.answered + self.skipped == 0:
            return "not_started"
        if self.answered + self.skipped < len(self.questions):
            return "in_progress"
        return "complete"


def is_skipped(answer: Answer | None, question: Question) -> bool:
    """Left unanswered on purpose: marked as skipped, empty, and not required (a question made
    required after it was skipped needs an answer again)."""
    return bool(answer is not None and answer.skipped and answer.is_empty and not question.required)


def progress(response: Response) -> list[ThemeProgress]:
    """Per theme the organisation is asked: its questions and how many are answered, skipped, required."""
    result = []
    for theme, questions in questions_for(response):
        answered = [q for q in questions if (a := response.answer_for(q.id)) and not a.is_empty]
        skipped = [q for q in questions if is_skipped(response.answer_for(q.id), q)]
        required = [q for q in questions if q.required]
        result.append(ThemeProgress(theme, questions, len(answered), len(required),
                                    len([q for q in required if q in answered]), len(skipped)))
    return result


# --- submitting -----------------------------------------------------------------------------

def canonical_content(response: Response) -> dict[str, Any]:
    """The response's content in a fixed shape (no times): what a receipt vouches for."""
    answers = []
    for theme, questions in questions_for(response):
        for question in questions:
            answer = response.answer_for(question.id)
            if answer is None or answer.is_empty:
                continue
            value = current_value(question, answer.value)
            if value is None and not answer.current_attachments:
                continue  # an answer to the question as it was (its kind or rows changed since): not sent
            answers.append({
                "question_id": question.id,
                "theme": theme.title,
                "question": question.text,
                "kind": question.kind.value,
                "unit": question.unit,
                "value": value,
                # A cost-price sheet is confidential whatever the stored flag (a question changed to one
                # keeps its answers' earlier flags until they are saved again).
                "confidential": answer.confidential or question.kind == QuestionKind.COST_PRICE,
                "attachments": [{"id": a.id, "name": a.original_name, "sha256": a.sha256, "size": a.size}
                                for a in answer.current_attachments],
            })
            if (scope := question_scope(question)) is not None:
                answers[-1]["scope"] = scope
    content = {
        "consultation": {"id": response.consultation.id, "slug": response.consultation.slug},
        "organisation": {"id": response.organisation.id, "name": response.organisation.name,
                         "kvk": response.organisation.kvk_number},
        "question_set_version": response.consultation.question_set_version,
        "publication": response.publication.value if response.publication else None,
        "answers": answers,
    }
    if response.offer:  # only where there are lots: the copy of a response without them is as it was
        content["offer"] = [{"lot": lot.name, "municipalities": [m.name for m in municipalities]}
                            for lot, municipalities in offer_summary(response)]
    if response.size is not None and needs_size(response):  # likewise, only where questions depend on it
        content["size"] = response.size
    return content


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def submit_problems(response: Response) -> list[tuple[str, str]]:
    problems = []
    if needs_offer(response) and response.consultation.lots and not response.offer:
        problems.append(("offer", str(_l("Say which lots you offer and in which municipalities."))))
    if needs_size(response) and response.size is None:
        problems.append(("offer", str(_l("Say how many people work for your organisation."))))
    items = progress(response)
    for item in items:
        for question in item.questions:
            answer = response.answer_for(question.id)
            if question.required and (answer is None or answer.is_empty):
                problems.append((f"theme-{item.theme.id}", str(_l(
                    "Answer the required question “%(question)s” (theme %(theme)s).",
                    question=question.text, theme=item.theme.title))))
    if response.publication is None:
        problems.append(("publication", str(_l("Choose whether and how your answers may be published."))))
    if not any(item.answered for item in items):  # among the questions asked (hidden answers are not sent)
        problems.append(("answers", str(_l("Answer at least one question before you submit."))))
    return problems


def submit(response: Response, *, by: User, now: datetime | None = None,
           notify: bool = True) -> tuple[Submission, bool]:
    """Submit the response as a new revision with a receipt. Returns (submission, created).

    Idempotent: submitting content identical to the latest submission (a double click, a
    retried request, a second tab) returns that submission instead of creating another.
    """
    now = now or utcnow()
    ensure_open(response.consultation, now)
    problems = submit_problems(response)
    if problems:
        raise SubmitBlocked(problems)
    content = canonical_content(response)
    content_hash = _sha256(_dump(content))
    latest = response.latest_submission
    if latest is not None and latest.content_hash == content_hash and response.status == ResponseStatus.SUBMITTED:
        return latest, False
    number = (latest.number if latest else 0) + 1
    canonical = _dump({**content, "revision": number, "submitted_at": now.isoformat()})
    digest = _sha256(canonical)
    submission = Submission(number=number, submitted_at=now, submitted_by_id=by.id,
                            canonical=canonical, digest=digest, receipt_code=digest[:RECEIPT_CODE_LENGTH],
                            content_hash=content_hash,
                            question_set_version=response.consultation.question_set_version)
    try:
        with db.session.begin_nested():
            db.session.add(submission)
            submission.response = response
            db.session.flush()
            _write_answer_rows(response, submission, content)
    except IntegrityError:
        # Another request created this revision at the same moment: use that one.
        db.session.expire(response, ["submissions"])
        return response.latest_submission, False
    response.status = ResponseStatus.SUBMITTED
    response.submitted_at = now
    response.withdrawn_at = None
    record_event("response_submitted", actor=by, obj=response, revision=number,
                 receipt=submission.receipt_code)
    if notify:
        _mail_receipt(response, submission)
    return submission, True


def answer_row_values(answer: dict[str, Any]) -> dict[str, Any]:
    """The columns of a submitted answer's row, from the answer as the canonical copy has it."""
    kind, value = answer["kind"], answer["value"]
    text = snapshot_value(answer)
    return {
        "question_id": answer["question_id"], "theme": answer["theme"], "question": answer["question"],
        "kind": kind, "unit": answer.get("unit"), "confidential": bool(answer["confidential"]),
        "attachments": answer.get("attachments") or [],
        "value_text": value if kind not in (*JSON_KINDS, "scale", "number") else None,
        "value_number": float(value) if kind in ("scale", "number") and value is not None else None,
        "value_choices": json.dumps(value, ensure_ascii=False) if kind in JSON_KINDS and value is not None else None,
        "text": text, "folded": text.casefold(), "scope": answer.get("scope"),
    }


def _write_answer_rows(response: Response, submission: Submission, content: dict[str, Any]) -> None:
    """The submission's answers as rows, in the submission's transaction: the earlier revision's
    rows stop being current, the new ones are."""
    db.session.execute(update(SubmittedAnswer).where(SubmittedAnswer.response_id == response.id,
                                                     SubmittedAnswer.current.is_(True))
                       .values(current=False).execution_options(synchronize_session=False))
    db.session.execute(update(SubmittedOffer).where(SubmittedOffer.response_id == response.id,
                                                    SubmittedOffer.current.is_(True))
                       .values(current=False).execution_options(synchronize_session=False))
    db.session.add_all([SubmittedOffer(submission_id=submission.id, response_id=response.id, lot_id=lot_id,
                                       municipality_id=municipality_id, current=True)
                        for lot_id, municipality_id in sorted(offered_pairs(response))])
    db.session.add_all([
        SubmittedAnswer(submission_id=submission.id, response_id=response.id,
                        consultation_id=response.consultation_id, organisation_id=response.organisation_id,
                        revision=submission.number, current=True, position=position,
                        publication=content["publication"], **answer_row_values(answer))
        for position, answer in enumerate(content["answers"])])
    db.session.flush()


def _mail_receipt(response: Response, submission: Submission) -> None:
    """Every user of the organisation gets the receipt; no answer content is in it."""
    notify(organisation_users([response.organisation_id]), Kind.RECEIPT, consultation=response.consultation,
           data={"org": response.organisation.name, "consultation": response.consultation.title,
                 "when": submission.submitted_at.isoformat(), "n": submission.number,
                 "code": format_receipt_code(submission.receipt_code),
                 "verify": absolute_url("responses.verify")},
           link=url_path("responses.receipt", response_id=response.id, number=submission.number))


def withdraw(response: Response, *, by: User, now: datetime | None = None) -> None:
    now = now or utcnow()
    ensure_open(response.consultation, now)
    if response.status != ResponseStatus.SUBMITTED:
        return  # nothing submitted, nothing to withdraw
    response.status = ResponseStatus.WITHDRAWN
    response.withdrawn_at = now
    record_event("response_withdrawn", actor=by, obj=response)


def has_unsubmitted_changes(response: Response) -> bool:
    latest = response.latest_submission
    return latest is None or latest.content_hash != _sha256(_dump(canonical_content(response)))


@dataclass
class Verification:
    status: str  # "valid", "changed" or "unknown"
    submission: Submission | None = None


def verify_receipt(text: str) -> Verification:
    """Check a receipt code: known and unchanged since it was issued?"""
    code = normalise_receipt_code(text)
    if len(code) != RECEIPT_CODE_LENGTH:
        return Verification("unknown")
    submission = db.session.scalar(select(Submission).where(Submission.receipt_code == code))
    if submission is None:
        return Verification("unknown")
    digest = _sha256(submission.canonical)
    if digest != submission.digest or not digest.startswith(code):
        return Verification("changed", submission)
    return Verification("valid", submission)
