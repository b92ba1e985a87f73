"""Advice services: request, draft together, submit with a receipt, reply per point, publish.

Services add and flush; the request commits. Everything of consequence is audited and
notified through the one notification service.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from consult.advice.models import (
    Advice,
    AdviceFile,
    AdvicePoint,
    AdviceRequest,
    AdviceStatus,
    AdviceSubject,
    CouncilComment,
    Disposition,
)
from consult.audit.services import record_event
from consult.auth.models import User
from consult.consultations.models import Consultation, Question, Theme
from consult.consultations.notifications import team_users
from consult.core.db import update_if_version
from consult.core.evidence import strategy_shared
from consult.core.receipts import RECEIPT_CODE_LENGTH, format_receipt_code
from consult.core.refused import Refused
from consult.core.time import utcnow
from consult.core.uploads import StoredFile
from consult.disclosure.advice import may_show_reply, published_advice_filter
from consult.extensions import db
from consult.notify.models import Kind
from consult.notify.services import audience, notify, organisation_users, url_path
from consult.orgs.models import Organisation, OrgKind

MAX_TEXT = 20_000


class AdviceRefused(Refused):
    pass


class AdviceConflict(Exception):
    """Someone else saved a newer version of the same text (a council member the draft, a team
    member the reply); nothing was written."""


def _clean(value: str | None, limit: int = MAX_TEXT) -> str:
    value = (value or "").replace("\x00", "").strip()
    if len(value) > limit:
        raise AdviceRefused(_l("Use at most %(n)d characters.", n=limit))
    return value


def _advice_data(advice: Advice, event: str) -> dict:
    request = advice.request
    return {"event": event, "consultation": request.consultation.title, "council": advice.council.name,
            "due": request.due_on.isoformat()}


def request_advice(consultation: Consultation, *, question: str, due_on: date, councils: list[Organisation],
                   by: User, subject: AdviceSubject = AdviceSubject.CONSULTATION) -> AdviceRequest:
    question = _clean(question)
    if not question:
        raise AdviceRefused(_l("Write the question the councils are asked to advise on."))
    if due_on < utcnow().date():
        raise AdviceRefused(_l("The due date cannot be in the past."))
    if subject == AdviceSubject.STRATEGY and not strategy_shared(consultation):
        raise AdviceRefused(_l("Share the procurement-strategy draft with the councils before asking advice on it."))
    councils = [c for c in councils if c.kind == OrgKind.COUNCIL]
    if not councils:
        raise AdviceRefused(_l("Choose at least one advisory council."))
    request = AdviceRequest(consultation=consultation, subject=subject, question=question, due_on=due_on,
                            created_by_id=by.id)
    db.session.add(request)
    for council in councils:
        request.advices.append(Advice(council=council, status=AdviceStatus.DRAFT, introduction=""))
    db.session.flush()
    record_event("advice_requested", actor=by, obj=request, councils=[c.id for c in councils])
    for advice in request.advices:
        notify(organisation_users([advice.council_id]), Kind.ADVICE, consultation=consultation,
               data=_advice_data(advice, "requested"), link=url_path("advice.show", advice_id=advice.id))
    return request


def _touch(advice: Advice, by: User) -> None:
    advice.updated_at = utcnow()
    advice.updated_by_id = by.id


def _require_draft(advice: Advice) -> None:
    if advice.status != AdviceStatus.DRAFT:
        raise AdviceRefused(_l("This advice has been submitted and can no longer be changed."))


def save_introduction(advice: Advice, text: str, *, version: int, by: User) -> None:
    """Save the introduction of a draft, written only while ``version`` (the one the person's form
    started from) is still the stored one: checked and raised in one conditional UPDATE, else
    AdviceConflict and nothing is written."""
    _require_draft(advice)
    text = _clean(text)
    if text == advice.introduction:
        return
    if not update_if_version(advice, version, where=(Advice.status == AdviceStatus.DRAFT,), introduction=text,
                             updated_at=utcnow(), updated_by_id=by.id):
        db.session.refresh(advice)
        _require_draft(advice)
        raise AdviceConflict()


def _point_fields(title: str, body: str) -> tuple[str, str]:
    title, body = _clean(title, 200), _clean(body)
    if not title:
        raise AdviceRefused(_l("Give the advice point a title."))
    if not body:
        raise AdviceRefused(_l("Write the advice point."))
    return title, body


def add_point(advice: Advice, *, title: str, body: str, by: User) -> AdvicePoint:
    _require_draft(advice)
    title, body = _point_fields(title, body)
    point = AdvicePoint(title=title, body=body, position=len(advice.points) + 1)
    advice.points.append(point)
    _touch(advice, by)
    db.session.flush()
    return point


def save_point(point: AdvicePoint, *, title: str, body: str, version: int, by: User) -> None:
    """Save an advice point, as save_introduction: one conditional UPDATE from ``version``, else
    AdviceConflict (or AdviceRefused when the point was removed in the meantime)."""
    _require_draft(point.advice)
    title, body = _point_fields(title, body)
    if (title, body) == (point.title, point.body):
        return
    if not update_if_version(point, version, title=title, body=body):
        if db.session.scalar(select(AdvicePoint.id).where(AdvicePoint.id == point.id)) is None:
            raise AdviceRefused(_l("This advice point was removed in the meantime, so it was not saved. "
                                   "Add it again as a new point if it is still needed."))
        db.session.refresh(point)
        raise AdviceConflict()
    _touch(point.advice, by)


def delete_point(point: AdvicePoint, *, by: User) -> None:
    advice = point.advice
    _require_draft(advice)
    advice.points.remove(point)
    for position, other in enumerate(advice.points, start=1):
        other.position = position
    _touch(advice, by)


def move_point(point: AdvicePoint, direction: int, *, by: User) -> None:
    advice = point.advice
    _require_draft(advice)
    points = list(advice.points)
    index = points.index(point)
    target = index + direction
    if 0 <= target < len(points):
        points[index], points[target] = points[target], points[index]
        for position, other in enumerate(points, start=1):
            other.position = position
        _touch(advice, by)


def attach_file(advice: Advice, stored: StoredFile, *, by: User) -> None:
    """Attach the stored upload to a draft advice, replacing the document attached before."""
    _require_draft(advice)
    if advice.file is not None:
        advice.file = None
        db.session.flush()  # the old row goes first: an advice has one file (advice_id is unique)
    advice.file = AdviceFile(original_name=stored.original_name, stored_name=stored.stored_name,
                             file_type=stored.file_type, size=stored.size, sha256=stored.sha256)
    _touch(advice, by)


def remove_file(advice: Advice, *, by: User) -> None:
    _require_draft(advice)
    advice.file = None
    _touch(advice, by)


POINTS_PAGE_SIZE = 10


def point_count(advice: Advice) -> int:
    return db.session.scalar(select(func.count()).select_from(AdvicePoint).where(AdvicePoint.advice_id == advice.id))


def point_page(advice: Advice, page: int = 1, per_page: int = POINTS_PAGE_SIZE):
    """One page of the advice's points, in their order (Flask-SQLAlchemy's Pagination; a page past
    the end shows the last one). ``numbered`` on it lists (number, point): a point's number is its
    place in the whole advice, counted by the database, not by loading every point."""
    query = select(AdvicePoint).where(AdvicePoint.advice_id == advice.id) \
        .order_by(AdvicePoint.position, AdvicePoint.id)
    result = db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)
    if result.pages and result.page > result.pages:  # an old link past the end: the last page
        result = db.paginate(query, page=result.pages, per_page=per_page, error_out=False)
    first = (result.page - 1) * per_page + 1
    result.numbered = list(enumerate(result.items, start=first))
    return result


def point_number(point: AdvicePoint) -> int:
    """The point's number in its advice (as :attr:`AdvicePoint.number`), counted by the database."""
    return db.session.scalar(select(func.count()).select_from(AdvicePoint).where(
        AdvicePoint.advice_id == point.advice_id,
        (AdvicePoint.position < point.position)
        | ((AdvicePoint.position == point.position) & (AdvicePoint.id < point.id)))) + 1


def page_of_point(point: AdvicePoint, per_page: int = POINTS_PAGE_SIZE) -> int | None:
    """The page of the advice's points that shows ``point`` (None for the first page)."""
    page = (point_number(point) - 1) // per_page + 1
    return page if page > 1 else None


def submit_problems(advice: Advice) -> list[str]:
    problems = []
    if not point_count(advice):
        problems.append(str(_l("Add at least one advice point.")))
    return problems


def canonical_content(advice: Advice) -> dict:
    return {"council": advice.council_id, "request": advice.request_id, "introduction": advice.introduction,
            "points": [{"title": p.title, "body": p.body} for p in advice.points],
            "file_sha256": advice.file.sha256 if advice.file else None, "submitted_at": advice.submitted_at.isoformat()}


def submit(advice: Advice, *, by: User) -> None:
    """The council's contact submits: the content is fixed, with a receipt code derived from it."""
    _require_draft(advice)
    problems = submit_problems(advice)
    if problems:
        raise AdviceRefused(problems[0])
    advice.submitted_at = utcnow()
    advice.submitted_by_id = by.id
    advice.canonical = json.dumps(canonical_content(advice), sort_keys=True, ensure_ascii=False,
                                  separators=(",", ":"))
    advice.digest = hashlib.sha256(advice.canonical.encode("utf-8")).hexdigest()
    advice.receipt_code = advice.digest[:RECEIPT_CODE_LENGTH]
    advice.status = AdviceStatus.SUBMITTED
    db.session.flush()
    record_event("advice_submitted", actor=by, obj=advice, receipt=advice.receipt_code)
    consultation = advice.request.consultation
    link = url_path("advice.show", advice_id=advice.id)
    notify(organisation_users([advice.council_id]), Kind.ADVICE, consultation=consultation,
           data={**_advice_data(advice, "receipt"), "code": format_receipt_code(advice.receipt_code),
                 "when": advice.submitted_at.isoformat()}, link=link)
    notify(team_users(consultation, editors_only=True), Kind.ADVICE, consultation=consultation,
           data=_advice_data(advice, "submitted"), link=link)


def _reply_published() -> AdviceRefused:
    return AdviceRefused(_l("The reply has been published and can no longer be changed."))


def save_reply(advice: Advice, *, introduction: str, replies: dict[int, tuple[Disposition | None, str]],
               by: User, version: int | None = None) -> None:
    """Save the team's reply (general text and, per point, disposition and reason).

    The whole reply has one version (``reply_version``), raised in one conditional UPDATE of the
    advice row before any point is written: a save from an older ``version`` (the one the form
    started from; None: the one loaded here) raises AdviceConflict and writes nothing.
    """
    if advice.status != AdviceStatus.SUBMITTED:
        raise _reply_published()
    introduction = _clean(introduction)
    changed = []
    for point in advice.points:
        if point.id not in replies:
            continue
        disposition, text = replies[point.id]
        text = _clean(text)
        if (disposition, text) != (point.disposition, point.reply):
            changed.append((point, disposition, text))
    if introduction == advice.reply_introduction and not changed:
        return
    base = advice.reply_version if version is None else version
    if not update_if_version(advice, base, version="reply_version", where=(Advice.status == AdviceStatus.SUBMITTED,),
                             reply_introduction=introduction):
        db.session.refresh(advice)
        if advice.status != AdviceStatus.SUBMITTED:
            raise _reply_published()
        raise AdviceConflict()
    now = utcnow()
    for point, disposition, text in changed:
        point.disposition, point.reply = disposition, text
        point.replied_by_id, point.replied_at = by.id, now
    record_event("advice_reply_saved", actor=by, obj=advice)


def reply_problems(advice: Advice) -> list[tuple[AdvicePoint, str]]:
    problems = []
    for point in advice.points:
        if point.disposition is None:
            problems.append((point, str(_l("Choose what the municipality does with advice point %(n)s.", n=point.number))))
        elif not point.reply.strip():
            problems.append((point, str(_l("Give the reason for advice point %(n)s.", n=point.number))))
    return problems


def publish_reply(advice: Advice, *, by: User) -> None:
    """Advice and reply become visible to all participants at the same moment."""
    if advice.status != AdviceStatus.SUBMITTED:
        raise _reply_published()
    problems = reply_problems(advice)
    if problems:
        raise AdviceRefused(problems[0][1])
    # Publishes the reply as loaded here: if someone saved it in between, nothing is published.
    if not update_if_version(advice, advice.reply_version, version="reply_version",
                             where=(Advice.status == AdviceStatus.SUBMITTED,), status=AdviceStatus.PUBLISHED,
                             published_at=utcnow(), published_by_id=by.id):
        db.session.refresh(advice)
        if advice.status != AdviceStatus.SUBMITTED:
            raise _reply_published()
        raise AdviceConflict()
    record_event("advice_reply_published", actor=by, obj=advice)
    consultation = advice.request.consultation
    # Everyone registered for the consultation hears of it at once; the gate decides who may read it.
    people = {u.id: u for u in organisation_users([advice.council_id]) + audience(consultation)
              if may_show_reply(advice, u)}
    notify(people.values(), Kind.ADVICE, consultation=consultation, data=_advice_data(advice, "replied"),
           link=url_path("advice.show", advice_id=advice.id))


def published_advices(consultation: Consultation) -> list[Advice]:
    """The councils' advice that may appear outside the team and the councils (the report): published
    advice with its reply, in the order it was requested."""
    return list(db.session.scalars(select(Advice).join(AdviceRequest).where(
        AdviceRequest.consultation_id == consultation.id, published_advice_filter(Advice))
        .options(selectinload(Advice.points), selectinload(Advice.council)).order_by(Advice.id)))


def add_comment(consultation: Consultation, *, body: str, by: User, organisation: Organisation,
                theme: Theme | None = None, question: Question | None = None) -> CouncilComment:
    body = _clean(body, 10_000)
    if not body:
        raise AdviceRefused(_l("Write your comment."))
    if question is not None:
        theme = question.theme
    comment = CouncilComment(consultation_id=consultation.id, theme=theme, question=question, author=by,
                             organisation=organisation, body=body)
    db.session.add(comment)
    db.session.flush()
    record_event("council_comment_added", actor=by, obj=comment)
    return comment


COMMENTS_PAGE_SIZE = 20


def _comments(consultation_id: int):
    return select(CouncilComment).where(CouncilComment.consultation_id == consultation_id)


def comment_page(consultation: Consultation, page: int = 1, per_page: int = COMMENTS_PAGE_SIZE):
    """One page of the consultation's council comments, oldest first (a page past the end: the last)."""
    query = _comments(consultation.id).options(
        selectinload(CouncilComment.author), selectinload(CouncilComment.organisation),
        selectinload(CouncilComment.theme), selectinload(CouncilComment.question)) \
        .order_by(CouncilComment.created_at, CouncilComment.id)
    result = db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)
    if result.pages and result.page > result.pages:
        result = db.paginate(query, page=result.pages, per_page=per_page, error_out=False)
    return result


def comment_page_of(comment: CouncilComment, per_page: int = COMMENTS_PAGE_SIZE) -> int | None:
    """The page of ``comment_page`` that shows ``comment`` (None for the first page)."""
    before = db.session.scalar(select(func.count()).select_from(_comments(comment.consultation_id).where(
        (CouncilComment.created_at < comment.created_at)
        | ((CouncilComment.created_at == comment.created_at) & (CouncilComment.id < comment.id))).subquery()))
    page = before // per_page + 1
    return page if page > 1 else None
