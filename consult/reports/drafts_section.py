"""The report's section on drafts open for comment: per draft whose comment period has ended, a
table of the comments and the municipality's reply, paragraph by paragraph. Only what the
disclosure gate allows for the public: no confidential, unpublished or withdrawn comment, and no
organisation's name where it chose to publish without it."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from consult.consultations.models import Consultation
from consult.core.documents import Heading, Paragraph, Table, plain
from consult.core.templating import format_day, format_deadline
from consult.core.time import utcnow
from consult.disclosure.comments import may_name_in_public, public_comment_filter
from consult.drafts.models import Draft, DraftComment, DraftParagraph
from consult.extensions import db


def _ended(consultation: Consultation):
    return (Draft.consultation_id == consultation.id, Draft.closes_at.is_not(None), Draft.closes_at <= utcnow())


def ended_drafts(consultation: Consultation) -> int:
    """How many drafts have ended their comment period: the section changes with time alone when
    this does (a stored report is kept by it as well as by the data)."""
    return db.session.scalar(select(func.count()).select_from(Draft).where(*_ended(consultation)))


def drafts_blocks(consultation: Consultation) -> list:
    """The section's blocks; nothing when no draft of the consultation has finished its comment period."""
    drafts = list(db.session.scalars(select(Draft).where(*_ended(consultation)).order_by(Draft.closes_at, Draft.id)))
    if not drafts:
        return []
    blocks: list = [Heading(_("Comments on drafts"), 2), Paragraph(_(
        "The project team opened these drafts for comment by care providers and advisory councils, paragraph by "
        "paragraph. The table shows the published comments with the reply of the municipality; confidential "
        "comments and those of organisations that chose not to publish them are not in this report."))]
    columns = [_("Paragraph"), _("Organisation"), _("Comment"), _("Reply of the municipality")]
    without_name, not_answered = _("Without name"), _("Not answered yet.")
    per_draft: dict[int, list[DraftComment]] = {}
    for comment in db.session.scalars(  # every draft's comments in one statement
            select(DraftComment).join(DraftComment.paragraph)
            .where(DraftParagraph.draft_id.in_([draft.id for draft in drafts]), public_comment_filter(DraftComment))
            .options(joinedload(DraftComment.organisation), contains_eager(DraftComment.paragraph))
            .order_by(DraftParagraph.position, DraftComment.id)):
        per_draft.setdefault(comment.paragraph.draft_id, []).append(comment)
    for draft in drafts:
        blocks.append(Heading(draft.title, 3))
        blocks.append(Paragraph(_("The comment period ran from %(start)s to %(end)s.", start=format_day(draft.opens_at),
                                  end=format_deadline(draft.closes_at)), meta=True))
        comments = per_draft.get(draft.id, [])
        rows = [[_number(comment),
                 comment.organisation.name if may_name_in_public(comment) else without_name,
                 plain(comment.body),
                 f"{comment.disposition.label}: {plain(comment.reply)}" if comment.replied_at else not_answered]
                for comment in comments]
        if rows:
            blocks.append(Table(columns=columns, rows=rows,
                                caption=_("Comments on “%(title)s” and the replies", title=draft.title)))
        else:
            blocks.append(Paragraph(_("No comments were published.")))
    return blocks


def _number(comment: DraftComment) -> str:
    """The paragraph number the commenter saw; with today's number when a revision renumbered it."""
    then, now = comment.anchored_number or comment.paragraph.number, comment.paragraph.number
    if then == now or comment.paragraph.removed_at is not None:
        return then
    return _("%(then)s (now %(now)s)", then=then, now=now)
