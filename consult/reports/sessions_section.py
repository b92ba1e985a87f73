"""The report's section on the dialogue sessions: per session that was held (not cancelled) with
published minutes, what was said (the points per agenda item), the registrants' comments with the
team's answers, the key quotes the team marked, and what the municipality did with it (the strategy
evidence links to its points and written input: part, disposition, reason).

Organisations are named only where they agreed (consult.disclosure.sessions, for the public);
written input appears only as a key quote (when its organisation allowed publication) or through
what was done with it, never in full, named only when its organisation chose "with our name". The
section reads the sessions, their points, the comments, who agreed to be named and the key quotes in
one statement each (and the written input only when a quote or a link names some), however many
sessions there are."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from consult.analysis.models import Quote
from consult.consultations.models import Consultation
from consult.core.documents import BulletList, Heading, Paragraph, Table, plain
from consult.core.forms import db_int
from consult.core.templating import format_clock, format_deadline
from consult.disclosure import Audience
from consult.disclosure.sessions import (
    attribution,
    may_publish_written_input,
    may_show_minutes,
    written_input_attribution,
)
from consult.extensions import db
from consult.sessions.models import AgendaItem, DialogueSession, MinutesComment, MinutesPoint, WrittenInput
from consult.sessions.services import consenting_by_session


def session_blocks(consultation: Consultation, labelled: list[tuple[str, object]], dispositions) -> list:
    """The section's blocks; none when the consultation has no session at all. ``labelled``: the
    strategy's (label, evidence link) pairs; ``dispositions``: a disposition's label by disposition."""
    sessions = list(db.session.scalars(select(DialogueSession).where(
        DialogueSession.consultation_id == consultation.id).order_by(DialogueSession.starts_at, DialogueSession.id)))
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
    ids = [s.id for s in shown]
    points = list(db.session.scalars(select(MinutesPoint).join(AgendaItem).where(AgendaItem.session_id.in_(ids))
                                      .options(contains_eager(MinutesPoint.item), joinedload(MinutesPoint.organisation))
                                      .order_by(AgendaItem.position, AgendaItem.id, MinutesPoint.number)))
    by_id = {p.id: p for p in points}
    comments: dict[int, list[MinutesComment]] = {}
    if by_id:
        for comment in db.session.scalars(select(MinutesComment).options(joinedload(MinutesComment.organisation))
                                          .where(MinutesComment.point_id.in_(list(by_id)))
                                          .order_by(MinutesComment.created_at, MinutesComment.id)):
            comments.setdefault(comment.point_id, []).append(comment)
    consenting = consenting_by_session(ids)
    links: dict[tuple[str, str], list[str]] = {}
    for label, link in labelled:
        if link.source_type in ("minutes_point", "written_input"):
            links.setdefault((link.source_type, link.source_ref), []).append(
                f"{dispositions[link.disposition]} ({label}): {link.reason}")
    quotes = list(db.session.scalars(select(Quote).where(
        Quote.consultation_id == consultation.id,
        or_(Quote.minutes_point_id.is_not(None), Quote.written_input_id.is_not(None))).order_by(Quote.id)))
    wanted = {q.written_input_id for q in quotes if q.written_input_id} | {
        n for (kind, ref) in links if kind == "written_input" and (n := db_int(ref)) is not None}
    inputs = {w.id: w for w in db.session.scalars(select(WrittenInput).join(AgendaItem).options(
        joinedload(WrittenInput.organisation), contains_eager(WrittenInput.item))
        .where(WrittenInput.id.in_(wanted), AgendaItem.session_id.in_(ids)).order_by(WrittenInput.id))} \
        if wanted else {}
    comment_label, answer_label, corrected_label = _("Comment of %(who)s"), _("Answer"), _("point corrected")
    for session in shown:
        agreed = consenting.get(session.id, set())

        def who(organisation, agreed=agreed) -> str:
            return attribution(organisation, agreed, Audience.PUBLIC)

        blocks.append(Heading(session.title, 3))
        blocks.append(Paragraph(_("%(start)s to %(end)s", start=format_deadline(session.starts_at),
                                  end=format_clock(session.ends_at)), meta=True))
        rows_by_item: dict[int, list] = {}
        items: dict[int, AgendaItem] = {}
        for point in points:
            item = point.item
            if item.session_id != session.id:
                continue
            items[item.id] = item
            said = plain(point.text) + (f" ({who(point.organisation)})" if point.organisation_id else "")
            answered = "\n".join(
                f"{comment_label % {'who': who(c.organisation)}}: {plain(c.text)}"
                + (f"\n{answer_label}{' (' + corrected_label + ')' if c.corrected else ''}: {plain(c.reply)}"
                   if c.reply else "")
                for c in comments.get(point.id, [])) or "—"
            done = "\n".join(links.get(("minutes_point", str(point.id)), [])) or "—"
            rows_by_item.setdefault(item.id, []).append([f"{item.position + 1}.{point.number}", said, answered, done])
        for item_id, rows in rows_by_item.items():
            item = items[item_id]
            blocks.append(Table(columns=[_("No."), _("What was said"), _("Comments and answers"),
                                         _("What the municipality did with it")],
                                rows=rows, caption=f"{item.position + 1}. {item.title}"))
        session_quotes = []
        for quote in quotes:
            point = by_id.get(quote.minutes_point_id)
            written = inputs.get(quote.written_input_id)
            if point is not None and point.item.session_id == session.id:
                session_quotes.append(f"“{quote.text}” ({who(point.organisation)})")
            elif written is not None and written.item.session_id == session.id \
                    and may_publish_written_input(written.publication, Audience.PUBLIC):
                source = _("written input of %(who)s", who=written_input_attribution(written, Audience.PUBLIC))
                session_quotes.append(f"“{quote.text}” ({source})")
        if session_quotes:
            blocks.append(Paragraph(_("Key quotes:")))
            blocks.append(BulletList(session_quotes))
        done_with_input = [
            _("Written input of %(who)s on “%(item)s”", who=written_input_attribution(w, Audience.PUBLIC),
              item=w.item.title) + f": {line}"
            for w in inputs.values() if w.item.session_id == session.id
            for line in links.get(("written_input", str(w.id)), [])]
        if done_with_input:
            blocks.append(Paragraph(_("What the municipality did with the written input:")))
            blocks.append(BulletList(done_with_input))
    return blocks
