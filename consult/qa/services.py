"""Questions and answers: asking, answering, publishing to everyone at once (equal treatment)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from consult.audit.services import record_event
from consult.auth.models import User
from consult.consultations.models import Consultation, Lot, Theme
from consult.consultations.notifications import tell_team
from consult.core.refused import Refused
from consult.core.time import utcnow
from consult.dialogue.models import AuthorRole, Post
from consult.disclosure.qa import (
    IdentityWarning,
    PublishedItem,
    confirmation_code,
    may_see_asker,
    publication_warnings,
    published_item,
    published_items_filter,
)
from consult.extensions import db
from consult.notify.models import Kind
from consult.notify.services import audience, notify, url_path
from consult.orgs.models import Organisation
from consult.qa.models import QaItem, QaStatus

MAX_LENGTH = 10_000


class QaRefused(Refused):
    pass


class QaNeedsConfirmation(QaRefused):
    """The text to be published could show who asked; the team must confirm exactly these findings."""

    def __init__(self, warnings: list[IdentityWarning]):
        super().__init__(_l("Change the text, or confirm that it does not make anyone recognisable."))
        self.warnings = warnings


def _text(value: str, message) -> str:
    value = (value or "").replace("\x00", "").strip()
    if not value:
        raise QaRefused(message)
    if len(value) > MAX_LENGTH:
        raise QaRefused(_l("Use at most %(n)d characters.", n=MAX_LENGTH))
    return value


def ask(consultation: Consultation, theme: Theme | None, text: str, *, by: User, organisation: Organisation) -> QaItem:
    item = QaItem(consultation=consultation, theme=theme, status=QaStatus.ASKED,
                  asked_text=_text(text, _l("Write your question.")), asked_by=by,
                  asker_organisation=organisation, asked_at=utcnow(), question="", answer="")
    db.session.add(item)
    db.session.flush()
    record_event("qa_asked", actor=by, obj=item, organisation_id=organisation.id)
    # The team hears that a question waits, not who asked (its page shows that, as the gate allows);
    # nobody else is told before publication.
    tell_team(consultation, "asked", dedupe_key=f"asked:{item.id}", link=url_path("qa.answer", item_id=item.id),
              may_read=lambda user: may_see_asker(item, user))
    return item


def initiative(consultation: Consultation, *, by: User) -> QaItem:
    """The team publishes information on its own initiative (e.g. a correction)."""
    item = QaItem(consultation=consultation, status=QaStatus.DRAFT, origin="initiative", question="", answer="")
    db.session.add(item)
    db.session.flush()
    return item


def from_post(post: Post, *, by: User) -> QaItem:
    """A team post marked as substantive information must also be published as a Q&A item."""
    if post.author_role != AuthorRole.TEAM:
        raise QaRefused(_l("Only a message by the project team can be marked as substantive information."))
    existing = db.session.scalar(select(QaItem).where(QaItem.source_post_id == post.id))
    if existing is not None:
        return existing
    item = QaItem(consultation=post.thread.consultation, theme=post.thread.theme, status=QaStatus.DRAFT,
                  origin="post", source_post_id=post.id, question=post.thread.title, answer=post.body)
    db.session.add(item)
    db.session.flush()
    record_event("qa_from_post", actor=by, obj=item, post_id=post.id)
    return item


def save(item: QaItem, *, question: str, answer: str, theme: Theme | None, by: User, lot: Lot | None = None) -> None:
    if item.status == QaStatus.PUBLISHED:
        raise QaRefused(_l("A published answer cannot be changed; publish the correction as a new question and answer."))
    if lot is not None and lot.consultation_id != item.consultation_id:
        raise QaRefused(_l("Choose one of the consultation's lots."))
    item.question = _text(question, _l("Write the question as it will be published."))
    item.answer = _text(answer, _l("Write the answer."))
    item.theme = theme
    item.lot = lot
    item.status = QaStatus.DRAFT


def publish(item: QaItem, *, by: User, confirmed: str | None = None) -> None:
    """Give the item the next number and one publication time: everyone sees it at once.

    When the question or answer could show who asked (the disclosure gate's publication warnings),
    ``confirmed`` must be the confirmation code of exactly those warnings, or nothing is published.
    """
    if item.status == QaStatus.PUBLISHED:
        return
    if not item.question.strip() or not item.answer.strip():
        raise QaRefused(_l("Write the question and the answer before publishing."))
    warnings = publication_warnings(item, item.question, item.answer)
    if warnings and confirmed != confirmation_code(warnings):
        raise QaNeedsConfirmation(warnings)
    for _attempt in range(3):
        number = (db.session.scalar(select(func.max(QaItem.number)).where(
            QaItem.consultation_id == item.consultation_id)) or 0) + 1
        try:
            with db.session.begin_nested():
                item.number = number
                item.published_at = utcnow()
                item.published_by_id = by.id
                item.status = QaStatus.PUBLISHED
                db.session.flush()
            break
        except IntegrityError:  # another item took this number at the same moment
            continue
    record_event("qa_published", actor=by, obj=item, number=item.number,
                 identity_checked=sorted({w.marker.value for w in warnings}))
    consultation = item.consultation
    shown = published_item(item)
    # Everyone registered for the consultation hears of it at once, not only those who took part so far.
    notify(audience(consultation), Kind.QA, consultation=consultation,
           data={"consultation": consultation.title, "n": shown.number, "question": shown.question[:300],
                 **({"lot": shown.lot.name} if shown.lot else {})},
           link=url_path("qa.index", slug=consultation.slug, page=page_of(shown.number)) + f"#qa-{shown.number}")


def published_items(consultation: Consultation, theme_id: int | None = None) -> list[PublishedItem]:
    """The consultation's items as they may leave the team (pages, exports, the report): published
    ones only, in number order, each without anything about who asked or how it was asked."""
    query = select(QaItem).where(QaItem.consultation_id == consultation.id, published_items_filter(QaItem)) \
        .options(joinedload(QaItem.theme))
    if theme_id:
        query = query.where(QaItem.theme_id == theme_id)
    return [published_item(item) for item in db.session.scalars(query.order_by(QaItem.number))]


QA_PAGE_SIZE = 20


def page_of(number: int) -> int | None:
    """The page of the published answers (all themes) that shows item ``number``: items are
    numbered as they are published, so item n is the n-th (None for the first page)."""
    page = (number - 1) // QA_PAGE_SIZE + 1
    return page if page > 1 else None


def published_page(consultation: Consultation, theme_id: int | None = None, page: int = 1,
                   per_page: int = QA_PAGE_SIZE, lot_id: int | None = None) -> tuple[list[PublishedItem], int, int]:
    """One page of ``published_items`` (the same items, order and shape), counted and paged by the
    database: the items of the page, the page shown and the number of pages. ``lot_id``: the items
    about that lot and those about the whole consultation (which are about every lot)."""
    query = select(QaItem).where(QaItem.consultation_id == consultation.id, published_items_filter(QaItem))
    if theme_id:
        query = query.where(QaItem.theme_id == theme_id)
    if lot_id:
        query = query.where(or_(QaItem.lot_id == lot_id, QaItem.lot_id.is_(None)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    items = db.session.scalars(query.options(joinedload(QaItem.theme)).order_by(QaItem.number)
                               .limit(per_page).offset((page - 1) * per_page))
    return [published_item(item) for item in items], page, pages


RECEIVED_PAGE_SIZE = 50


def published_count(consultation: Consultation) -> int:
    """How many items of the consultation are published, counted by the database."""
    return db.session.scalar(select(func.count()).select_from(QaItem).where(
        QaItem.consultation_id == consultation.id, published_items_filter(QaItem)))


def received_page(consultation: Consultation, page: int = 1, per_page: int = RECEIVED_PAGE_SIZE):
    """One page of ``published_items`` (all themes, number order) as Flask-SQLAlchemy's Pagination,
    its items shaped as ``published_item``; a page past the end shows the last one."""
    query = select(QaItem).where(QaItem.consultation_id == consultation.id, published_items_filter(QaItem)) \
        .order_by(QaItem.number)
    result = db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)
    if result.pages and result.page > result.pages:
        result = db.paginate(query, page=result.pages, per_page=per_page, error_out=False)
    result.items = [published_item(item) for item in result.items]
    return result


WAITING_PAGE_SIZE = 50


def waiting_page(consultation: Consultation, page: int = 1, per_page: int = WAITING_PAGE_SIZE):
    """The team's queue: the items not published yet, oldest first, a page at a time."""
    query = select(QaItem).where(QaItem.consultation_id == consultation.id, QaItem.status != QaStatus.PUBLISHED) \
        .options(joinedload(QaItem.asker_organisation)).order_by(QaItem.created_at, QaItem.id)
    result = db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)
    if result.pages and result.page > result.pages:
        result = db.paginate(query, page=result.pages, per_page=per_page, error_out=False)
    return result


OWN_PAGE_SIZE = 10


def own_page(consultation: Consultation, organisation_ids: list[int], user, page: int = 1,
             per_page: int = OWN_PAGE_SIZE):
    """One page of the questions the user's organisations asked, newest first; each item still
    passes the disclosure gate (``may_see_asker``) before it is shown."""
    query = select(QaItem).where(QaItem.consultation_id == consultation.id,
                                 QaItem.asker_organisation_id.in_(organisation_ids)) \
        .order_by(QaItem.asked_at.desc(), QaItem.id.desc())
    result = db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)
    if result.pages and result.page > result.pages:
        result = db.paginate(query, page=result.pages, per_page=per_page, error_out=False)
    result.items = [item for item in result.items if may_see_asker(item, user)]
    return result
