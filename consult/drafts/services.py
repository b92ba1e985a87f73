"""Drafts open for comment: writing a platform document and keeping its numbered paragraphs across
revisions, opening a draft for a comment period, comments per paragraph (added, changed and withdrawn
while the period runs) and the team's disposition and reply. Services flush and never commit."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from consult.advice.models import Disposition
from consult.audit.services import record_event
from consult.auth.models import User
from consult.consultations.models import Consultation, ParticipantAudience
from consult.core.db import update_if_version
from consult.core.diff import word_diff
from consult.core.refused import Refused
from consult.core.time import utcnow
from consult.drafts.models import Draft, DraftComment, DraftKind, DraftParagraph
from consult.extensions import db
from consult.notify.models import Kind
from consult.notify.services import notify, organisation_users, url_path
from consult.orgs.models import Organisation
from consult.responses.models import Publication

MAX_TITLE = 200
MAX_TEXT = 10_000
MAX_BODY = 200_000
HEADING = re.compile(r"^##\s+(.+)$")


ANSWERED = _l("The project team has answered this comment: it can no longer be changed.")


class DraftRefused(Refused):
    """A change to a draft or a comment that is not made; ``field`` names the form field."""


class DraftChangedMeanwhile(Exception):
    """Someone saved the draft or the comment after the version the form started from; nothing was written."""


@dataclass(frozen=True)
class ParagraphSpec:
    """One paragraph as a revision of the draft has it: the ``part`` it is matched within across
    revisions ("" for a whole document; a strategy part and field), the number shown, the section
    (heading or part) it falls under, and its text."""

    part: str
    number: str
    section: str
    text: str


# --- paragraphs ---------------------------------------------------------------------------

def _blocks(text: str) -> list[list[str]]:
    """The blocks of ``text`` that a blank line separates, each as its lines (stripped, none empty)."""
    raw = (text or "").replace("\r\n", "\n").replace("\x00", "")
    return [lines for block in re.split(r"\n\s*\n", raw)
            if (lines := [line.strip() for line in block.splitlines() if line.strip()])]


def split_paragraphs(text: str) -> list[str]:
    """The paragraphs of ``text``: separated by a blank line, each with its lines joined."""
    return [" ".join(lines) for lines in _blocks(text)]


def document_paragraphs(body: str) -> list[ParagraphSpec]:
    """The numbered paragraphs of a platform document. A line "## Heading" starts a section; with
    sections the paragraphs are numbered section.number (those before the first heading 1, 2, …),
    without them 1, 2, 3. The whole document is one part: a revision's paragraphs are matched to the
    earlier ones by their texts (see ``sync_paragraphs``), so a new heading or paragraph moves no
    comment to another paragraph."""
    specs: list[ParagraphSpec] = []
    section_number, section, count = 0, "", 0
    for lines in _blocks(body):
        while lines and (heading := HEADING.match(lines[0])):
            section_number, section, count = section_number + 1, heading.group(1).strip()[:MAX_TITLE], 0
            lines = lines[1:]
        if not lines:
            continue
        count += 1
        number = f"{section_number}.{count}" if section_number else str(count)
        specs.append(ParagraphSpec("", number, section, " ".join(lines)))
    return specs


SIMILAR = 0.5       # how alike two texts must be to count as one paragraph revised
MAX_COMPARISONS = 2_500  # beyond this many pairs in one changed stretch, pair them in order


def match_texts(old: list[str], new: list[str]) -> list[tuple[int, int]]:
    """Which earlier paragraph (index in ``old``) each paragraph of a revision (index in ``new``) is:
    equal texts in the same order are the same paragraph; in a stretch that changed, a paragraph is
    the earlier one it resembles most (at least ``SIMILAR``), in order; as many in as out are taken
    as rewritten in place. Unpaired ones are new (``new``) or removed (``old``)."""
    pairs: list[tuple[int, int]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            pairs += [(i1 + k, j1 + k) for k in range(i2 - i1)]
        elif tag == "replace" and (i2 - i1) * (j2 - j1) > MAX_COMPARISONS:
            pairs += [(i1 + k, j1 + k) for k in range(min(i2 - i1, j2 - j1))]
        elif tag == "replace":
            start = i1
            for j in range(j1, j2):
                best, best_ratio = None, SIMILAR
                for i in range(start, i2):
                    ratio = SequenceMatcher(None, old[i], new[j], autojunk=False).ratio()
                    if ratio >= best_ratio and (best is None or ratio > best_ratio):
                        best, best_ratio = i, ratio
                if best is not None:
                    pairs.append((best, j))
                    start = best + 1
    return pairs


def sync_paragraphs(draft: Draft, specs: list[ParagraphSpec]) -> None:
    """Bring the draft's paragraphs in line with a revision. Within each part the revision's
    paragraphs are matched to the current ones by their texts (``match_texts``), never by position:
    a matched paragraph keeps its comments (its text replaced and marked changed when it differs);
    an unmatched one is new, or a removed one with the same text come back; a current paragraph
    the revision no longer has is marked removed."""
    now = utcnow()
    current, removed = defaultdict(list), defaultdict(list)
    for paragraph in draft.paragraphs:
        (current if paragraph.removed_at is None else removed)[paragraph.part].append(paragraph)
    wanted = defaultdict(list)
    for position, spec in enumerate(specs):
        wanted[spec.part].append(position)
    chosen: dict[int, DraftParagraph] = {}
    for part, positions in wanted.items():
        olds = current.get(part, [])
        for i, j in match_texts([p.text for p in olds], [specs[position].text for position in positions]):
            chosen[positions[j]] = olds[i]
        back = {}
        for paragraph in removed.get(part, []):
            back.setdefault(paragraph.text, paragraph)
        for position in positions:
            if position not in chosen and specs[position].text in back:
                chosen[position] = back.pop(specs[position].text)
    kept = {id(p) for p in chosen.values()}
    for paragraphs in current.values():
        for paragraph in paragraphs:
            if id(paragraph) not in kept:
                paragraph.removed_at = now
    serial = len(draft.paragraphs)
    for position, spec in enumerate(specs):
        paragraph = chosen.get(position)
        if paragraph is None:
            serial += 1
            draft.paragraphs.append(DraftParagraph(key=f"p{serial}", part=spec.part, position=position,
                                                   number=spec.number, section=spec.section[:MAX_TITLE],
                                                   text=spec.text))
            continue
        if paragraph.text != spec.text:
            paragraph.text, paragraph.changed_at = spec.text, now
        if paragraph.removed_at is not None:
            paragraph.removed_at, paragraph.changed_at = None, now
        paragraph.position, paragraph.number, paragraph.section = position, spec.number, spec.section[:MAX_TITLE]
    db.session.flush()


# --- documents ----------------------------------------------------------------------------

def _checked_document(title: str, introduction: str, body: str) -> tuple[str, str, str]:
    title = " ".join((title or "").split())
    if not title:
        raise DraftRefused(_l("Enter a title."), field="title")
    if len(title) > MAX_TITLE:
        raise DraftRefused(_l("Use at most %(n)d characters.", n=MAX_TITLE), field="title")
    introduction = (introduction or "").replace("\x00", "").strip()
    if len(introduction) > MAX_TEXT:
        raise DraftRefused(_l("Use at most %(n)d characters.", n=MAX_TEXT), field="introduction")
    body = (body or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if len(body) > MAX_BODY:
        raise DraftRefused(_l("Use at most %(n)d characters.", n=MAX_BODY), field="body")
    if not document_paragraphs(body):
        raise DraftRefused(_l("Write at least one paragraph."), field="body")
    return title, introduction, body


def create_document(consultation: Consultation, *, title: str, introduction: str, body: str, by: User) -> Draft:
    """A new platform document (for example a programme of requirements), not yet open for comment."""
    title, introduction, body = _checked_document(title, introduction, body)
    draft = Draft(consultation=consultation, kind=DraftKind.DOCUMENT, title=title, introduction=introduction,
                  body=body, created_by=by)
    db.session.add(draft)
    db.session.flush()
    sync_paragraphs(draft, document_paragraphs(body))
    record_event("draft_created", actor=by, obj=draft, consultation=consultation, title=title)
    return draft


def revise_document(draft: Draft, *, title: str, introduction: str, body: str, version: int | None, by: User) -> None:
    """Save a revision of a platform document; the comments stay on their paragraphs and show
    whether the paragraph changed since."""
    if draft.kind != DraftKind.DOCUMENT:
        raise DraftRefused(_l("The strategy draft is revised on the strategy page."), field="body")
    title, introduction, body = _checked_document(title, introduction, body)
    if version is None or not update_if_version(draft, version, title=title, introduction=introduction,
                                                body=body, updated_at=utcnow()):
        raise DraftChangedMeanwhile("stale draft")
    sync_paragraphs(draft, document_paragraphs(body))
    record_event("draft_revised", actor=by, obj=draft, consultation=draft.consultation,
                 paragraphs=len(draft.current_paragraphs))


def strategy_draft_of(consultation: Consultation) -> Draft | None:
    """The consultation's strategy draft as a draft for comment, if the team made one."""
    return db.session.scalar(select(Draft).where(Draft.consultation_id == consultation.id,
                                                 Draft.kind == DraftKind.STRATEGY))


def ensure_strategy_draft(consultation: Consultation, *, title: str, specs: list[ParagraphSpec], by: User) -> Draft:
    """The strategy draft for comment (made on first use), its paragraphs brought up to date with
    ``specs`` (the strategy supplies them: part, field and index as the key)."""
    draft = strategy_draft_of(consultation)
    if draft is None:
        draft = Draft(consultation=consultation, kind=DraftKind.STRATEGY, title=title[:MAX_TITLE], created_by=by)
        try:
            with db.session.begin_nested():  # one per consultation (uq_drafts_strategy): a double click
                db.session.add(draft)
                db.session.flush()
        except IntegrityError:
            raise DraftRefused(_l("Someone else opened the strategy for comment at the same moment. "
                                  "Reload the page to see it.")) from None
        record_event("draft_created", actor=by, obj=draft, consultation=consultation, title=draft.title)
    sync_paragraphs(draft, specs)
    return draft


# --- the comment period -------------------------------------------------------------------

def open_for_comment(draft: Draft, *, opens_at: datetime | None, closes_at: datetime | None,
                     audience: str, version: int | None, by: User) -> None:
    """Set (or change) the comment period and who may comment."""
    if opens_at is None:
        raise DraftRefused(_l("Enter the date and time the comment period opens."), field="opens_on")
    if closes_at is None:
        raise DraftRefused(_l("Enter the date and time the comment period closes."), field="closes_on")
    if closes_at <= opens_at:
        raise DraftRefused(_l("The period must close after it opens."), field="closes_on")
    if closes_at <= utcnow():
        raise DraftRefused(_l("The period must close in the future."), field="closes_on")
    if not draft.current_paragraphs:
        raise DraftRefused(_l("The draft has no paragraphs to comment on yet."), field="opens_on")
    try:
        audience = ParticipantAudience(audience)
    except ValueError:
        raise DraftRefused(_l("Choose who may comment."), field="audience") from None
    if version is None or not update_if_version(draft, version, opens_at=opens_at, closes_at=closes_at,
                                                audience=audience, updated_at=utcnow()):
        raise DraftChangedMeanwhile("stale draft")
    record_event("draft_opened_for_comment", actor=by, obj=draft, consultation=draft.consultation,
                 opens_at=opens_at.isoformat(), closes_at=closes_at.isoformat(), audience=audience.value)


def close_now(draft: Draft, *, version: int | None, by: User) -> None:
    """End the comment period at once (the team's button; the period otherwise ends by itself), as
    long as nobody changed the period since the page with the button was loaded (``version``)."""
    now = utcnow()
    if not draft.is_open(now):
        raise DraftRefused(_l("The draft is not open for comment."))
    if version is None or not update_if_version(draft, version, closes_at=now, updated_at=now):
        raise DraftChangedMeanwhile("stale draft")
    record_event("draft_closed", actor=by, obj=draft, consultation=draft.consultation)


# --- comments -----------------------------------------------------------------------------

def _checked_comment(body: str, publication: str) -> tuple[str, Publication]:
    body = (body or "").replace("\x00", "").strip()
    if not body:
        raise DraftRefused(_l("Write your comment on this paragraph."), field="body")
    if len(body) > MAX_TEXT:
        raise DraftRefused(_l("Use at most %(n)d characters.", n=MAX_TEXT), field="body")
    try:
        return body, Publication(publication)
    except ValueError:
        raise DraftRefused(_l("Choose whether the comment may be published."), field="publication") from None


def add_comment(paragraph: DraftParagraph, organisation: Organisation, *, body: str, confidential: bool,
                publication: str, by: User) -> DraftComment:
    """A comment on behalf of ``organisation`` (the view checked the person may comment for it),
    anchored to the paragraph's text as it is now."""
    if not paragraph.draft.is_open():
        raise DraftRefused(_l("The comment period is not open."), field="body")
    if paragraph.removed_at is not None:
        raise DraftRefused(_l("This paragraph was removed from the draft."), field="body")
    body, publication = _checked_comment(body, publication)
    comment = DraftComment(paragraph=paragraph, organisation=organisation, author=by, body=body,
                           confidential=bool(confidential), publication=publication, anchored_text=paragraph.text,
                           anchored_number=paragraph.number)
    db.session.add(comment)
    db.session.flush()
    record_event("draft_comment_added", actor=by, obj=comment, consultation=paragraph.draft.consultation,
                 paragraph=paragraph.number, organisation=organisation.id)
    return comment


def edit_comment(comment: DraftComment, *, body: str, confidential: bool, publication: str,
                 version: int | None, by: User) -> None:
    """Change an own comment while the period is open and the team has not answered it (the reply
    would otherwise stand under a text it never saw); it is anchored anew to the paragraph as it is now."""
    if not comment.paragraph.draft.is_open() or comment.withdrawn:
        raise DraftRefused(_l("The comment period has ended: the comment can no longer be changed."), field="body")
    if comment.replied_at is not None:
        raise DraftRefused(ANSWERED, field="body")
    body, publication = _checked_comment(body, publication)
    if version is None or not update_if_version(comment, version, where=(DraftComment.replied_at.is_(None),),
                                                body=body, confidential=bool(confidential),
                                                publication=publication, anchored_text=comment.paragraph.text,
                                                anchored_number=comment.paragraph.number, updated_at=utcnow()):
        raise DraftChangedMeanwhile("stale comment")
    record_event("draft_comment_changed", actor=by, obj=comment, consultation=comment.paragraph.draft.consultation)


def withdraw_comment(comment: DraftComment, *, version: int | None, by: User) -> None:
    """Withdraw an own comment while the period is open, as the person saw it (``version``)."""
    if not comment.paragraph.draft.is_open() or comment.withdrawn:
        raise DraftRefused(_l("The comment period has ended: the comment can no longer be withdrawn."))
    if version is None or not update_if_version(comment, version, withdrawn_at=utcnow(), updated_at=utcnow()):
        raise DraftChangedMeanwhile("stale comment")
    record_event("draft_comment_withdrawn", actor=by, obj=comment, consultation=comment.paragraph.draft.consultation)


def reply_to_comment(comment: DraftComment, *, disposition: str, reply: str, version: int | None,
                     comment_version: int | None, by: User) -> None:
    """The team's disposition and reply (changed later as often as needed, each save versioned:
    ``version`` the reply's as the form started from it, ``comment_version`` the comment's as the
    team read it, so a reply is never saved under a text the team did not see)."""
    if comment.withdrawn:
        raise DraftRefused(_l("The comment was withdrawn."), field="reply")
    try:
        disposition = Disposition(disposition)
    except ValueError:
        raise DraftRefused(_l("Choose what was done with the comment."), field="disposition") from None
    reply = (reply or "").replace("\x00", "").strip()
    if not reply:
        raise DraftRefused(_l("Write a reply."), field="reply")
    if len(reply) > MAX_TEXT:
        raise DraftRefused(_l("Use at most %(n)d characters.", n=MAX_TEXT), field="reply")
    first = comment.replied_at is None
    if version is None or comment_version is None or not update_if_version(
            comment, version, version="reply_version", where=(DraftComment.version == comment_version,
                                                              DraftComment.withdrawn_at.is_(None)),
            disposition=disposition, reply=reply, replied_at=utcnow(), replied_by_id=by.id):
        raise DraftChangedMeanwhile("stale reply")
    draft = comment.paragraph.draft
    record_event("draft_comment_replied", actor=by, obj=comment, consultation=draft.consultation,
                 disposition=disposition.value, first=first)
    if first:  # the commenting organisation hears once that its comment was answered
        notify(organisation_users([comment.organisation_id]), Kind.CHANGED, consultation=draft.consultation,
               link=url_path("drafts.show", draft_id=draft.id, _anchor=f"c-{comment.id}"),
               dedupe_key=f"draft-comment-answered:{comment.id}",
               data={"event": "draft_comment_answered", "draft": draft.title, "paragraph": comment.anchored_number,
                     "organisation": comment.organisation.name, "consultation": draft.consultation.title})


def paragraph_diff(comment: DraftComment) -> list[tuple[str, str]]:
    """What changed in the comment's paragraph since the comment (empty when nothing did)."""
    if not comment.paragraph_changed:
        return []
    current = "" if comment.paragraph.removed_at is not None else comment.paragraph.text
    return word_diff(comment.anchored_text, current)


def comments_of(draft: Draft) -> list[DraftComment]:
    """Every comment on the draft (for the team; others go through consult.drafts.permissions)."""
    return list(db.session.scalars(select(DraftComment).join(DraftParagraph).where(DraftParagraph.draft_id == draft.id)
                                   .order_by(DraftParagraph.position, DraftComment.id)))
