"""What waits for each person: the overview on the home page after logging in.

Providers and councils see every open consultation with their organisation's response (begin it or
carry on with it), the deadline and the time left, and how many published answers they have not
read yet; a council also sees the advice it has been asked for. The project team sees per
consultation what waits for it: messages to approve and reported messages, questions to answer,
advice to reply to, responses submitted since the last visit, and the days to the deadline.

Every number comes from a handful of aggregate queries, however many consultations, responses,
posts or questions there are; nothing here is loaded one row at a time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, literal, or_, select
from sqlalchemy.orm import joinedload

from consult.advice.models import Advice, AdviceRequest, AdviceStatus
from consult.auth.models import User
from consult.consultations.models import Consultation, Status, TeamMember, TeamRole, consultation_invited_organisations
from consult.core.db import insert_unless_exists
from consult.core.time import to_local, utcnow
from consult.dialogue.models import Post, PostReport, PostStatus, Thread
from consult.extensions import db
from consult.notify.models import Kind, Notification, Visit
from consult.orgs.models import Organisation, OrgKind
from consult.qa.models import QaItem, QaStatus
from consult.responses.models import Response, ResponseStatus
from consult.responses.permissions import responding_organisations

# A look at the overview this long after the previous one starts a new visit.
VISIT_GAP = timedelta(minutes=30)


@dataclass
class OpenConsultation:
    """An open consultation as a provider or council member sees it on the home page."""

    consultation: Consultation
    # One entry per organisation the person responds for: the organisation and its response (None
    # while nobody has started it).
    responses: list[tuple[Organisation, Response | None]] = field(default_factory=list)
    published_answers: int = 0
    unread_answers: int = 0


@dataclass
class TeamConsultation:
    """What waits for the project team in one of its consultations."""

    consultation: Consultation
    role: TeamRole
    pending_posts: int
    open_reports: int
    open_questions: int
    advice_to_answer: int
    submitted: int
    new_responses: int | None  # None on the first visit: there is no "since" yet

    @property
    def waiting(self) -> int:
        return self.pending_posts + self.open_reports + self.open_questions + self.advice_to_answer


def record_visit(user: User, now: datetime | None = None) -> datetime | None:
    """Note that ``user`` looks at the overview now and return where "new" starts for this visit:
    the last look of the previous visit, or None on the very first one. Looks less than
    ``VISIT_GAP`` apart are one visit, so reloading the page keeps what it called new."""
    now = now or utcnow()
    visit = insert_unless_exists(Visit, user_id=user.id, seen_at=now, since=None)
    if visit is not None:
        return None
    visit = db.session.scalar(select(Visit).where(Visit.user_id == user.id))
    if now - visit.seen_at >= VISIT_GAP:
        visit.since = visit.seen_at
    visit.seen_at = now
    return visit.since


def _count(model, *where):
    """A correlated COUNT for one consultation of the outer query."""
    return select(func.count(model.id)).where(*where).correlate(Consultation).scalar_subquery()


def participant_overview(user: User, now: datetime | None = None) -> list[OpenConsultation]:
    """Every consultation that accepts responses now, soonest deadline first, with the response of
    each of the person's organisations and the published answers (all, and not yet read: the
    person's Q&A notifications still unread). Two queries."""
    now = now or utcnow()
    orgs = responding_organisations(user)
    if not orgs:
        return []
    published = _count(QaItem, QaItem.consultation_id == Consultation.id, QaItem.status == QaStatus.PUBLISHED)
    unread = _count(Notification, Notification.consultation_id == Consultation.id,
                    Notification.user_id == user.id, Notification.kind == Kind.QA,
                    Notification.read_at.is_(None))
    rows = db.session.execute(
        select(Consultation, published, unread)
        .where(Consultation.status == Status.OPEN, Consultation.closes_at > now,
               or_(Consultation.opens_at.is_(None), Consultation.opens_at <= now),
               or_(Consultation.invited_only.is_(False), Consultation.id.in_(  # closed: invited organisations only
                   select(consultation_invited_organisations.c.consultation_id).where(
                       consultation_invited_organisations.c.organisation_id.in_([org.id for org in orgs])))))
        .order_by(Consultation.closes_at, Consultation.id)).all()
    if not rows:
        return []
    ids = [consultation.id for consultation, _published, _unread in rows]
    started = {(r.consultation_id, r.organisation_id): r for r in db.session.scalars(
        select(Response).where(Response.consultation_id.in_(ids),
                               Response.organisation_id.in_([org.id for org in orgs])))}
    return [OpenConsultation(consultation=consultation,
                             responses=[(org, started.get((consultation.id, org.id))) for org in orgs],
                             published_answers=published_count, unread_answers=unread_count)
            for consultation, published_count, unread_count in rows]


def advice_to_write(user: User) -> list[Advice]:
    """Advice the person's councils have been asked for and not yet submitted, soonest due first."""
    council_ids = [org.id for org in responding_organisations(user) if org.kind == OrgKind.COUNCIL]
    if not council_ids:
        return []
    return list(db.session.scalars(
        select(Advice).join(AdviceRequest).join(Consultation, Consultation.id == AdviceRequest.consultation_id)
        .where(Advice.council_id.in_(council_ids), Advice.status == AdviceStatus.DRAFT,
               Consultation.status != Status.DRAFT)
        .options(joinedload(Advice.request).joinedload(AdviceRequest.consultation), joinedload(Advice.council))
        .order_by(AdviceRequest.due_on, Advice.id)))


def team_overview(user: User, since: datetime | None) -> list[TeamConsultation]:
    """The person's team consultations (not those whose report is published), each with what waits:
    one query, whatever the numbers. The definitions are those of the pages the counts link to:
    messages waiting for approval and unresolved reports (moderation page), questions asked and not
    yet published (questions page), submitted advice without a published reply (advice page)."""
    pending_posts = select(func.count(Post.id)).join(Thread, Thread.id == Post.thread_id).where(
        Thread.consultation_id == Consultation.id, Post.status == PostStatus.PENDING,
        Post.deleted_at.is_(None)).correlate(Consultation).scalar_subquery()
    open_reports = select(func.count(PostReport.id)).join(Post, Post.id == PostReport.post_id) \
        .join(Thread, Thread.id == Post.thread_id).where(
            Thread.consultation_id == Consultation.id, PostReport.resolved_at.is_(None)) \
        .correlate(Consultation).scalar_subquery()
    open_questions = _count(QaItem, QaItem.consultation_id == Consultation.id,
                            QaItem.status != QaStatus.PUBLISHED, QaItem.asked_at.is_not(None))
    advice = select(func.count(Advice.id)).join(AdviceRequest).where(
        AdviceRequest.consultation_id == Consultation.id, Advice.status == AdviceStatus.SUBMITTED) \
        .correlate(Consultation).scalar_subquery()
    submitted = _count(Response, Response.consultation_id == Consultation.id,
                       Response.status == ResponseStatus.SUBMITTED)
    new = _count(Response, Response.consultation_id == Consultation.id,
                 Response.status == ResponseStatus.SUBMITTED, Response.submitted_at > since) \
        if since is not None else literal(None)
    rows = db.session.execute(
        select(Consultation, TeamMember.role, pending_posts, open_reports, open_questions, advice, submitted, new)
        .join(TeamMember, TeamMember.consultation_id == Consultation.id)
        .where(TeamMember.user_id == user.id, Consultation.status != Status.PUBLISHED)
        .order_by(Consultation.closes_at.is_(None), Consultation.closes_at, Consultation.id)).all()
    return [TeamConsultation(consultation=row[0], role=row[1], pending_posts=row[2], open_reports=row[3],
                             open_questions=row[4], advice_to_answer=row[5], submitted=row[6],
                             new_responses=row[7]) for row in rows]


def days_left(consultation: Consultation, now: datetime | None = None) -> int | None:
    """Calendar days (Amsterdam) from today to the deadline of an open consultation; None when it
    has no deadline or no longer accepts responses."""
    now = now or utcnow()
    if consultation.status != Status.OPEN or consultation.closes_at is None or consultation.closes_at <= now:
        return None
    return (to_local(consultation.closes_at).date() - to_local(now).date()).days
