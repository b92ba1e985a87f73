"""The report's section on the dialogue sessions: per session that was held (not cancelled) with
published minutes, what was said (the points per agenda item), the registrants' comments with the
team's answers, the key quotes the team marked, and what the municipality did with it (the strategy
evidence links to its points and written input: part, disposition, reason).

Organisations are named only where they agreed (consult.disclosure.sessions, for the public);
written input appears only as a key quote or through what was done with it, never in full."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from consult.analysis.models import Quote
from consult.consultations.models import Consultation
from consult.core.documents import BulletList, Heading, Paragraph, Table
from consult.core.templating import format_clock, format_deadline
from consult.disclosure import Audience
from consult.disclosure.sessions import attribution, may_show_minutes
from consult.extensions import db
from consult.sessions.models import AgendaItem, DialogueSession, MinutesComment, MinutesPoint, WrittenInput
from consult.sessions.services import consenting_ids


def session_blocks(consultation: Consultation, labelled: list[tuple[str, object]], dispositions) -> list:
    """The section's blocks; none when the consultation has no session at all. ``labelled``: the
    strategy's (label, evidence link) pairs; ``dispositions``: a disposition's label by disposition."""
    sessions = list(db.session.scalars(select(DialogueSession).where(
        DialogueSession.consultation_id == consultation.id).order_by(DialogueSession.starts_at, DialogueSession.id)
        .options(selectinload(DialogueSession.agenda).selectinload(AgendaItem.minutes)
                 .options(joinedload(MinutesPoint.organisation),
                          selectinload(MinutesPoint.comments).joinedload(MinutesComment.organisation)))))
    if not sessions:
        return []
    blocks: list = [Heading(_("Dialogue sessions"), 2)]
    shown = [s for s in sessions if may_show_minutes(s, Audience.PUBLIC)]
    if not shown:
        blocks.append(Paragraph(_("No minutes of a dialogue session have been published.")))
        return blocks
    blocks.append(Paragraph(_(
        "The project team wrote minutes of each session as numbered points per agenda item and published them "
        "to the registrants, who could comment on each point. Organisations are named only where they agreed; "
        "otherwise the minutes say “a participant”.")))
    links: dict[tuple[str, str], list[str]] = {}
    for label, link in labelled:
        if link.source_type in ("minutes_point", "written_input"):
            links.setdefault((link.source_type, link.source_ref), []).append(
                f"{dispositions[link.disposition]} ({label}): {link.reason}")
    ids = [s.id for s in shown]
    inputs = {w.id: w for w in db.session.scalars(select(WrittenInput).join(AgendaItem).options(
        joinedload(WrittenInput.organisation), joinedload(WrittenInput.item))
        .where(AgendaItem.session_id.in_(ids)).order_by(WrittenInput.id))}
    points = {p.id: p for s in shown for item in s.agenda for p in item.minutes}
    quoted = [column.in_(list(rows)) for column, rows in ((Quote.minutes_point_id, points),
                                                           (Quote.written_input_id, inputs)) if rows]
    quotes = list(db.session.scalars(select(Quote).where(Quote.consultation_id == consultation.id, or_(*quoted))
                                     .order_by(Quote.id))) if quoted else []
    comment_label, answer_label, corrected_label = _("Comment of %(who)s"), _("Answer"), _("point corrected")
    for session in shown:
        consenting = consenting_ids(session)

        def who(organisation, consenting=consenting) -> str:
            return attribution(organisation, consenting, Audience.PUBLIC)

        blocks.append(Heading(session.title, 3))
        blocks.append(Paragraph(_("%(start)s to %(end)s", start=format_deadline(session.starts_at),
                                  end=format_clock(session.ends_at)), meta=True))
        for item in session.agenda:
            rows = []
            for point in item.minutes:
                said = point.text + (f" ({who(point.organisation)})" if point.organisation_id else "")
                comments = "\n".join(
                    f"{comment_label % {'who': who(c.organisation)}}: {c.text}"
                    + (f"\n{answer_label}{' (' + corrected_label + ')' if c.corrected else ''}: {c.reply}"
                       if c.reply else "")
                    for c in point.comments) or "—"
                done = "\n".join(links.get(("minutes_point", str(point.id)), [])) or "—"
                rows.append([f"{item.position + 1}.{point.number}", said, comments, done])
            if rows:
                blocks.append(Table(columns=[_("No."), _("What was said"), _("Comments and answers"),
                                             _("What the municipality did with it")],
                                    rows=rows, caption=f"{item.position + 1}. {item.title}"))
        session_quotes = []
        for quote in quotes:
            if quote.minutes_point_id in points and points[quote.minutes_point_id].item.session_id == session.id:
                point = points[quote.minutes_point_id]
                session_quotes.append(f"“{quote.text}” ({who(point.organisation)})")
            elif quote.written_input_id in inputs and inputs[quote.written_input_id].item.session_id == session.id:
                written = inputs[quote.written_input_id]
                source = _("written input of %(who)s", who=who(written.organisation))
                session_quotes.append(f"“{quote.text}” ({source})")
        if session_quotes:
            blocks.append(Paragraph(_("Key quotes:")))
            blocks.append(BulletList(session_quotes))
        done_with_input = [
            _("Written input of %(who)s on “%(item)s”", who=who(w.organisation), item=w.item.title) + f": {line}"
            for w in inputs.values() if w.item.session_id == session.id
            for line in links.get(("written_input", str(w.id)), [])]
        if done_with_input:
            blocks.append(Paragraph(_("What the municipality did with the written input:")))
            blocks.append(BulletList(done_with_input))
    return blocks
