"""The analysis of what was said at dialogue sessions: the published minutes points and the written
input per session (paged by session), tagged and quoted like answers and messages.

Minutes points are what the team wrote of the session, shown outside the team with the
organisation's name only where it agreed; written input is an organisation's own text for the team.
Both can be tagged (and so linked to the strategy) and quoted: a key quote goes to the report's
section on the session, named by the disclosure gate (consult.disclosure.sessions); written input
only when its organisation allowed publication."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from consult.analysis.models import Coding, Quote, Tag
from consult.analysis.services import AnalysisRefused, locate
from consult.audit.services import record_event
from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.disclosure import Audience
from consult.disclosure.sessions import may_publish_written_input
from consult.extensions import db
from consult.sessions.models import AgendaItem, DialogueSession, MinutesPoint, SessionStatus, WrittenInput

KINDS = ("point", "input")  # a minutes point, a written input
COLUMN = {"point": "minutes_point_id", "input": "written_input_id"}


@dataclass
class SessionEntry:
    """A minutes point or a written input, with its tags and key quotes."""

    kind: str
    row: object
    tags: list[Coding] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.row.id}"

    @property
    def text(self) -> str:
        return self.row.text


@dataclass
class SessionBlock:
    session: DialogueSession
    points: list[SessionEntry]
    inputs: list[SessionEntry]


@dataclass
class SessionInputPage:
    blocks: list[SessionBlock]
    matched: int  # sessions with published minutes or written input
    page: int
    pages: int


def _held_sessions(consultation: Consultation):
    """The consultation's sessions (not cancelled) with published minutes or any written input."""
    has_input = exists(select(WrittenInput.id).join(AgendaItem).where(AgendaItem.session_id == DialogueSession.id))
    return select(DialogueSession).where(
        DialogueSession.consultation_id == consultation.id, DialogueSession.status != SessionStatus.CANCELLED,
        or_(DialogueSession.minutes_published_at.is_not(None), has_input))


def session_input_page(consultation: Consultation, page: int = 1, per_page: int = 5) -> SessionInputPage:
    """One page of sessions (in time order), each with its published minutes points and its written
    input, their tags and key quotes; the database counts and pages."""
    query = _held_sessions(consultation).order_by(DialogueSession.starts_at, DialogueSession.id)
    shown = db.paginate(query, page=max(page or 1, 1), per_page=per_page, error_out=False)
    if shown.pages and shown.page > shown.pages:  # a page past the end (an old link) shows the last page
        shown = db.paginate(query, page=shown.pages, per_page=per_page, error_out=False)
    sessions, matched, page, pages = list(shown.items), shown.total or 0, shown.page, max(shown.pages, 1)
    ids = [s.id for s in sessions]
    points = {} if not ids else {p.id: SessionEntry("point", p) for p in db.session.scalars(
        select(MinutesPoint).join(AgendaItem).join(DialogueSession).options(
            contains_eager(MinutesPoint.item), joinedload(MinutesPoint.organisation)).where(
            AgendaItem.session_id.in_(ids), DialogueSession.minutes_published_at.is_not(None))
        .order_by(AgendaItem.position, AgendaItem.id, MinutesPoint.number))}
    inputs = {} if not ids else {w.id: SessionEntry("input", w) for w in db.session.scalars(
        select(WrittenInput).join(AgendaItem).options(contains_eager(WrittenInput.item),
                                                      joinedload(WrittenInput.organisation))
        .where(AgendaItem.session_id.in_(ids)).order_by(AgendaItem.position, AgendaItem.id, WrittenInput.id))}
    for kind, entries in (("point", points), ("input", inputs)):
        if not entries:
            continue
        column_c, column_q = getattr(Coding, COLUMN[kind]), getattr(Quote, COLUMN[kind])
        for coding in db.session.scalars(select(Coding).join(Tag).where(
                Tag.consultation_id == consultation.id, column_c.in_(list(entries)))
                .options(contains_eager(Coding.tag)).order_by(Coding.id)):
            entries[getattr(coding, COLUMN[kind])].tags.append(coding)
        for quote in db.session.scalars(select(Quote).where(
                Quote.consultation_id == consultation.id, column_q.in_(list(entries))).order_by(Quote.id)):
            entries[getattr(quote, COLUMN[kind])].quotes.append(quote)
    blocks = [SessionBlock(session, [e for e in points.values() if e.row.item.session_id == session.id],
                           [e for e in inputs.values() if e.row.item.session_id == session.id])
              for session in sessions]
    return SessionInputPage(blocks=blocks, matched=matched, page=page, pages=pages)


def session_entry(consultation: Consultation, kind: str, row_id: int | None):
    """A published minutes point or a written input of a (not cancelled) session of ``consultation``, or None."""
    if kind not in KINDS or row_id is None:
        return None
    if kind == "point":
        query = select(MinutesPoint).join(AgendaItem).join(DialogueSession).where(
            MinutesPoint.id == row_id, DialogueSession.minutes_published_at.is_not(None))
    else:
        query = select(WrittenInput).join(AgendaItem).join(DialogueSession).where(WrittenInput.id == row_id)
    return db.session.scalar(query.where(DialogueSession.consultation_id == consultation.id,
                                         DialogueSession.status != SessionStatus.CANCELLED))


def tag_session_entry(tag: Tag, kind: str, row, *, by: User) -> Coding | None:
    """Tag a minutes point or a written input (once per tag)."""
    column = getattr(Coding, COLUMN[kind])
    if db.session.scalar(select(Coding.id).where(Coding.tag_id == tag.id, column == row.id)) is not None:
        return None
    coding = Coding(tag_id=tag.id, created_by_id=by.id, **{COLUMN[kind]: row.id})
    db.session.add(coding)
    db.session.flush()
    record_event("session_input_tagged", actor=by, obj=tag, **{COLUMN[kind]: row.id})
    return coding


def quote_session_entry(consultation: Consultation, kind: str, row, excerpt: str, *, by: User,
                        at: int | None = None) -> Quote:
    """Mark an excerpt of a minutes point or a written input as a key quote for the report; refused
    for written input whose organisation did not allow publication (the disclosure gate decides)."""
    if kind == "input" and not may_publish_written_input(row.publication, Audience.PUBLIC):
        raise AnalysisRefused(_l("The organisation chose not to publish this written input, so no quote can be "
                                 "taken from it for the report."))
    if not (excerpt or "").strip():
        raise AnalysisRefused(_l("Copy the part of the text you want to quote."))
    start, end = locate(row.text, excerpt, at)
    quote = Quote(consultation_id=consultation.id, start=start, end=end, text=row.text[start:end],
                  created_by_id=by.id, **{COLUMN[kind]: row.id})
    db.session.add(quote)
    db.session.flush()
    record_event("quote_marked", actor=by, obj=consultation, **{COLUMN[kind]: row.id})
    return quote


def session_quote(consultation: Consultation, quote_id: int | None) -> Quote | None:
    """A key quote of a minutes point or a written input of ``consultation``, or None."""
    quote = db.session.get(Quote, quote_id or 0)
    if quote is None or quote.consultation_id != consultation.id or (
            quote.minutes_point_id is None and quote.written_input_id is None):
        return None
    return quote


def session_coding(consultation: Consultation, coding_id: int | None) -> Coding | None:
    """A tag on a minutes point or a written input, with a tag of ``consultation``, or None."""
    coding = db.session.get(Coding, coding_id or 0)
    if coding is None or coding.tag.consultation_id != consultation.id or (
            coding.minutes_point_id is None and coding.written_input_id is None):
        return None
    return coding


def remove_session_quote(consultation: Consultation, quote: Quote, *, by: User) -> None:
    """Take a key quote of a minutes point or a written input off the report (audited)."""
    db.session.delete(quote)
    db.session.flush()
    record_event("quote_removed", actor=by, obj=consultation, quote_id=quote.id)
