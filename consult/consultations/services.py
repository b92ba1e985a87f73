"""Consultation services: content, team, planning, documents, questions, publish/close/extend.

Services add and flush; the request commits. Every change of consequence is audited.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from consult.audit.services import record_event
from consult.auth.models import User
from consult.consultations.conditions import condition_problems, dependents, describe, question_numbers
from consult.consultations.models import (
    Announcement,
    Consultation,
    Document,
    DocumentVersion,
    Lot,
    OfferedLot,
    Phase,
    Question,
    QuestionChange,
    Status,
    TeamMember,
    TeamRole,
    Theme,
)
from consult.core.db import update_if_version
from consult.core.refused import Refused
from consult.core.time import to_local, utcnow
from consult.core.uploads import StoredFile
from consult.extensions import db
from consult.notify.models import Kind
from consult.notify.services import audience, notify, participants, url_path
from consult.orgs.models import Organisation


class ChangeRefused(Refused):
    """The change is not allowed in the consultation's current state."""


class ChangedMeanwhile(Exception):
    """Someone saved this theme or question after the version the person started from; nothing
    was written. ``item`` is the theme or question as stored now."""

    def __init__(self, item: Theme | Question):
        super().__init__("stale theme or question")
        self.item = item


class PublishBlocked(Exception):
    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(str(m) for _f, m in problems))
        self.problems = problems


SLUG_LENGTH = 70  # leaves room in the column for the "-2" of a second consultation of one title


def slugify(text: str) -> str:
    """The web address part for a title: lower-case ASCII words joined by hyphens, at most
    SLUG_LENGTH characters, cut after a whole word (a single longer word is cut at the limit)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > SLUG_LENGTH:
        head = slug[:SLUG_LENGTH + 1]  # the character after the limit tells whether a word ends there
        slug = head[:head.rfind("-")] if "-" in head else slug[:SLUG_LENGTH]
    return slug or "consultatie"


def slug_taken(slug: str) -> bool:
    return db.session.scalar(select(Consultation.id).where(Consultation.slug == slug)) is not None


def unique_slug(title: str) -> str:
    base = slugify(title)
    slug, number = base, 2
    while slug_taken(slug):
        slug, number = f"{base}-{number}", number + 1
    return slug


# --- the consultation itself ------------------------------------------------------------

def create_consultation(*, title: str, municipalities: list[Organisation], by: User) -> Consultation:
    consultation = Consultation(title=title.strip(), slug=unique_slug(title),
                                municipalities=municipalities, principles=[])
    db.session.add(consultation)
    db.session.flush()
    record_event("consultation_created", actor=by, obj=consultation)
    return consultation


def update_details(consultation: Consultation, *, by: User, **fields) -> None:
    """Change title, texts, contact and dates. A published deadline changes only via extend."""
    if consultation.status.is_closed:
        raise ChangeRefused(_l("A closed consultation can no longer be changed."))
    if consultation.status == Status.OPEN and fields.get("closes_at") not in (None, consultation.closes_at):
        raise ChangeRefused(_l("Change the deadline of an open consultation with 'Extend the deadline'."))
    if consultation.status != Status.DRAFT and fields.get("slug") not in (None, consultation.slug):
        raise ChangeRefused(_l("The web address cannot change after publication: links to it must keep working."))
    if "municipalities" in fields:
        gone = {m.id for m in consultation.municipalities} - {m.id for m in fields["municipalities"]}
        _leave_municipalities(consultation, gone)
    for name, value in fields.items():
        setattr(consultation, name, value)
    record_event("consultation_updated", actor=by, obj=consultation, fields=sorted(fields))


def _leave_municipalities(consultation: Consultation, gone: set[int]) -> None:
    """Municipalities no longer commissioning leave the lots and what care providers offer there;
    refused while a question is asked only in one of them."""
    if not gone:
        return
    for theme in consultation.themes:
        for question in theme.questions:
            if question.municipality_id in gone:
                raise ChangeRefused(_l("The question “%(question)s” is asked only in %(municipality)s: change that "
                                       "question first.", question=question.text, municipality=question.municipality.name))
    for lot in consultation.lots:
        kept = [m for m in lot.municipalities if m.id not in gone]
        if not kept:
            raise ChangeRefused(_l("The lot %(lot)s is procured only by municipalities you take out: change the lot "
                                   "first.", lot=lot.name))
        lot.municipalities = kept
    db.session.execute(delete(OfferedLot).where(OfferedLot.lot_id.in_([lot.id for lot in consultation.lots]),
                                                OfferedLot.municipality_id.in_(gone)))


def set_procurement_notice(consultation: Consultation, *, notice: str, url: str, by: User) -> bool:
    """Record the procurement notice the consultation prepared (or clear it); False when nothing changed."""
    if (consultation.procurement_notice, consultation.procurement_notice_url) == (notice, url):
        return False
    consultation.procurement_notice, consultation.procurement_notice_url = notice, url
    record_event("procurement_notice_set", actor=by, obj=consultation, notice=notice, url=url)
    return True


def set_access(consultation: Consultation, *, invited_only: bool, invited: list[Organisation], by: User) -> bool:
    """Make the consultation public or close it to the ``invited`` organisations (kept while it is
    public, so switching back and forth does not lose the list). Allowed in every phase: a team may
    close a consultation it published by mistake. Audited; False when nothing changed."""
    before = (consultation.invited_only, sorted(org.id for org in consultation.invited))
    consultation.invited_only = invited_only
    consultation.invited = sorted(invited, key=lambda org: org.name.lower())
    after = (consultation.invited_only, sorted(org.id for org in consultation.invited))
    if before == after:
        return False
    record_event("consultation_access_changed", actor=by, obj=consultation, invited_only=invited_only,
                 invited=after[1])
    return True


def set_team_member(consultation: Consultation, user: User, role: TeamRole, *, by: User) -> TeamMember:
    member = next((m for m in consultation.team if m.user_id == user.id), None)
    if member is None:
        member = TeamMember(consultation=consultation, user=user, role=role)
        db.session.add(member)
    else:
        member.role = role
    db.session.flush()
    record_event("team_member_set", actor=by, obj=consultation, user_id=user.id, role=role.value)
    return member


def remove_team_member(member: TeamMember, *, by: User) -> None:
    record_event("team_member_removed", actor=by, obj=member.consultation, user_id=member.user_id)
    member.consultation.team.remove(member)


# --- planning and documents -------------------------------------------------------------

def save_phase(consultation: Consultation, phase: Phase | None, *, by: User, **fields) -> Phase:
    if phase is None:
        phase = Phase(consultation=consultation, **fields)
        db.session.add(phase)
    else:
        for name, value in fields.items():
            setattr(phase, name, value)
    db.session.flush()
    record_event("phase_saved", actor=by, obj=consultation, phase_id=phase.id)
    return phase


def delete_phase(phase: Phase, *, by: User) -> None:
    record_event("phase_deleted", actor=by, obj=phase.consultation, phase_id=phase.id)
    phase.consultation.phases.remove(phase)


class LotRefused(Refused):
    """The lot cannot be saved or removed as asked; nothing was written."""


def save_lot(consultation: Consultation, lot: Lot | None, *, by: User, name: str, description: str,
             municipalities: list[Organisation], reason: str | None = None) -> Lot:
    """Add a lot or change one. Its municipalities are some of the consultation's. Once the
    consultation is open this changes what care providers are asked, so it needs a reason and is
    recorded and told like a change of the questions; providers that offered the lot in a
    municipality taken out of it no longer offer it there (their answers are kept)."""
    name = " ".join((name or "").split())
    if not name:
        raise LotRefused(_l("Give the lot a name."), field="name")
    _check_lots_editable(consultation, reason)
    if any(other is not lot and " ".join(other.name.split()).casefold() == name.casefold() for other in consultation.lots):
        raise LotRefused(_l("There is already a lot with this name."), field="name")
    if not municipalities or not set(municipalities) <= set(consultation.municipalities):
        raise LotRefused(_l("Choose at least one of the consultation's municipalities."), field="municipalities")
    if lot is not None:
        kept = {m.id for m in municipalities}
        for question in _questions_of_lot(lot):
            if question.municipality_id is not None and question.municipality_id not in kept:
                raise LotRefused(_l("The question “%(question)s” of this lot is asked only in %(municipality)s: "
                                    "change that question first.", question=question.text,
                                    municipality=question.municipality.name), field="municipalities")
        _keep_municipality_questions(consultation, changed=lot, municipalities=kept)
        db.session.execute(delete(OfferedLot).where(OfferedLot.lot_id == lot.id,
                                                    OfferedLot.municipality_id.not_in(kept)))
    try:
        with db.session.begin_nested():
            if lot is None:
                lot = Lot(consultation=consultation, position=len(consultation.lots))
                db.session.add(lot)
            lot.name, lot.description, lot.municipalities = name, description, list(municipalities)
            db.session.flush()
    except IntegrityError:  # the same name saved by a colleague at the same moment
        raise LotRefused(_l("There is already a lot with this name."), field="name") from None
    record_event("lot_saved", actor=by, obj=consultation, lot_id=lot.id, name=name,
                 municipalities=[m.id for m in municipalities])
    _record_question_change(consultation, None, "lot_saved", reason, by, lot=name)
    return lot


def _check_lots_editable(consultation: Consultation, reason: str | None) -> None:
    if consultation.status.is_closed:
        raise LotRefused(_l("The consultation is closed; its lots can no longer change."))
    if consultation.status == Status.OPEN and not (reason or "").strip():
        raise LotRefused(_l("The consultation is open: state why you make this change. "
                            "Participants who started a response will be told."), field="reason")


def _keep_municipality_questions(consultation: Consultation, *, changed: Lot, municipalities: set[int] | None) -> None:
    """A question asked only in a municipality needs a lot procured there, or no care provider could
    be asked it: refuse a change to ``changed`` (its new municipalities, or None when it goes) that
    would leave such a question without one."""
    covered = {m.id for lot in consultation.lots if lot is not changed for m in lot.municipalities} | (municipalities or set())
    for theme in consultation.themes:
        for question in theme.questions:
            if question.lot_id is None and question.municipality_id is not None and question.municipality_id not in covered:
                raise LotRefused(_l("The question “%(question)s” is asked only in %(municipality)s, and no other lot "
                                    "is procured there: change that question first.", question=question.text,
                                    municipality=question.municipality.name), field="municipalities")


def scope_problem(consultation: Consultation, lot_id: int | None, municipality_id: int | None):
    """Why a question cannot be scoped to this lot and municipality, or None when it can: the lot is
    one of the consultation's, the municipality one where that lot (or, without a lot, any lot) is
    procured, so that a care provider can be asked it."""
    lot = next((lot for lot in consultation.lots if lot.id == lot_id), None)
    if lot_id is not None and lot is None:
        return _l("Choose one of the consultation's lots.")
    if municipality_id is not None:
        within = lot.municipalities if lot is not None else [m for each in consultation.lots for m in each.municipalities]
        if municipality_id not in {m.id for m in within}:
            return (_l("The lot %(lot)s is not procured in that municipality.", lot=lot.name) if lot is not None
                    else _l("No lot is procured in that municipality."))
    return None


def _questions_of_lot(lot: Lot) -> list[Question]:
    return [q for theme in lot.consultation.themes for q in theme.questions if q.lot_id == lot.id]


def delete_lot(lot: Lot, *, by: User, reason: str | None = None) -> None:
    """Remove a lot no question is scoped to; what care providers offered of it goes with it."""
    consultation = lot.consultation
    _check_lots_editable(consultation, reason)
    scoped = _questions_of_lot(lot)
    if scoped:
        raise LotRefused(_l("Questions are asked for this lot (“%(question)s”): scope them otherwise first.",
                            question=scoped[0].text))
    conditioned = [item for theme in consultation.themes for item in (theme, *theme.questions)
                   if any(lot.id in rule.get("lots", ()) for rule in (item.condition or {}).get("rules", []))]
    if conditioned:
        raise LotRefused(_l("A condition asks whether a care provider offers this lot (%(which)s): change it first.",
                            which=describe(conditioned[0].condition, consultation)))
    _keep_municipality_questions(consultation, changed=lot, municipalities=None)
    record_event("lot_deleted", actor=by, obj=consultation, lot_id=lot.id, name=lot.name)
    name = lot.name
    try:
        with db.session.begin_nested():
            consultation.lots.remove(lot)
            db.session.flush()
    except IntegrityError:  # still referred to (a question and answer about it): the reference stays
        raise LotRefused(_l("Questions and answers are about this lot: it stays, so that they keep their lot.")) from None
    _record_question_change(consultation, None, "lot_deleted", reason, by, lot=name)


def add_document(consultation: Consultation, *, title: str, description: str, stored: StoredFile,
                 by: User) -> Document:
    document = Document(consultation=consultation, title=title, description=description,
                        position=len(consultation.documents))
    db.session.add(document)
    _add_version(document, stored, by)
    db.session.flush()
    record_event("document_added", actor=by, obj=document, sha256=stored.sha256)
    return document


def replace_document(document: Document, stored: StoredFile, *, by: User) -> DocumentVersion:
    """A new version becomes current; older versions stay available with their dates."""
    version = _add_version(document, stored, by)
    db.session.flush()
    record_event("document_replaced", actor=by, obj=document, sha256=stored.sha256)
    return version


def _add_version(document: Document, stored: StoredFile, by: User) -> DocumentVersion:
    version = DocumentVersion(original_name=stored.original_name, stored_name=stored.stored_name,
                              file_type=stored.file_type, size=stored.size, sha256=stored.sha256,
                              uploaded_by_id=by.id, uploaded_at=utcnow())
    document.versions.insert(0, version)
    return version


# --- themes and questions ---------------------------------------------------------------

def _check_questions_editable(consultation: Consultation, reason: str | None) -> None:
    if consultation.status.is_closed:
        raise ChangeRefused(_l("A closed consultation can no longer be changed."))
    if consultation.status == Status.OPEN and not (reason or "").strip():
        raise ChangeRefused(_l("The consultation is open: state why you make this change. "
                               "Participants who started a response will be told."))


def _record_question_change(consultation: Consultation, question: Question | None, action: str,
                            reason: str | None, by: User, **detail) -> None:
    """After publication, every change is recorded with its reason and raises the version."""
    if consultation.status != Status.OPEN:
        return
    # Raised in the database: two editors changing questions at the same moment get two versions.
    set_committed_value(consultation, "question_set_version", db.session.scalar(
        update(Consultation).where(Consultation.id == consultation.id)
        .values(question_set_version=Consultation.question_set_version + 1)
        .returning(Consultation.question_set_version).execution_options(synchronize_session=False)))
    db.session.add(QuestionChange(consultation_id=consultation.id,
                                  question_id=question.id if question else None, action=action,
                                  reason=(reason or "").strip(), detail=detail,
                                  version=consultation.question_set_version, changed_by_id=by.id))
    record_event("questions_changed", actor=by, obj=consultation, action_taken=action,
                 version=consultation.question_set_version)
    # One notification per day at most: an editor often changes several questions in a row.
    notify(participants(consultation), Kind.CHANGED, consultation=consultation,
           data={"consultation": consultation.title, "change": "questions", "reason": (reason or "").strip()[:500]},
           link=url_path("consultations.show", slug=consultation.slug),
           dedupe_key=f"questions:{consultation.id}:{to_local(utcnow()).date().isoformat()}")


class ConditionBroken(ChangeRefused):
    """The change would leave a condition (of this or another question or theme) that no longer fits;
    nothing was written. Said at the top of the page, as the condition is often another item's."""


def _check_conditions(consultation: Consultation) -> None:
    """Refuse a change to the questions that leaves a condition depending on a later question, a
    question of another kind, or an option or lot that is gone (the one check of conditions)."""
    db.session.flush()
    problems = condition_problems(consultation)
    if problems:
        raise ConditionBroken(_l("This change does not fit a condition: %(problem)s Change that condition first.",
                               problem=problems[0]))


def _check_not_depended_on(consultation: Consultation, questions: list[Question], theme: Theme | None = None) -> None:
    """Questions others depend on stay until those others' conditions no longer name them. Deleting a
    whole ``theme``: what depends on it from within the theme goes with it."""
    numbers = question_numbers(consultation)
    going = {numbers[q.id] for q in questions} | ({theme.title} if theme is not None else set())
    names = [name for question in questions for name in dependents(consultation, question.id) if name not in going]
    if names:
        raise ConditionBroken(_l("Other questions are asked depending on the answer to this one (%(which)s). "
                               "Change their conditions first.", which=", ".join(dict.fromkeys(names))))


def _write_item(item: Theme | Question, version: int | None, fields: dict) -> bool:
    """Write a theme's or question's fields and raise its version in one conditional UPDATE from
    ``version`` (the one the person's form started from; None: the one loaded here). False when
    nothing changed; ChangedMeanwhile when someone saved after that version (nothing written)."""
    if all(getattr(item, name) == value for name, value in fields.items()):
        return False
    if not update_if_version(item, item.version if version is None else version, **fields):
        db.session.refresh(item)
        raise ChangedMeanwhile(item)
    return True


class ThemeExists(Exception):
    """Adding a theme whose title and introduction equal an existing theme's: the same form sent
    twice. ``theme`` is the one already there; nothing was added."""

    def __init__(self, theme: Theme):
        super().__init__("theme exists")
        self.theme = theme


def _same_title(consultation: Consultation, title: str, theme: Theme | None) -> Theme | None:
    """Another theme of this consultation with this title (letter case and spacing aside)."""
    wanted = " ".join(title.split()).casefold()
    return next((other for other in db.session.scalars(select(Theme).where(Theme.consultation_id == consultation.id))
                 if other is not theme and " ".join(other.title.split()).casefold() == wanted), None)


class TitleTaken(ChangeRefused):
    """Another theme of the consultation has this title; nothing was written."""

    def __init__(self):
        super().__init__(_l("There is already a theme with this title. Choose another title, or change "
                            "the existing theme."))


def save_theme(consultation: Consultation, theme: Theme | None, *, by: User, reason: str | None = None,
               version: int | None = None, **fields) -> Theme:
    """Add a theme, or change one (a stale change raises ChangedMeanwhile, see _write_item).

    Two themes of one consultation never share a title. Adding is idempotent: the same title and
    introduction again (a double click, a form sent twice, also at the same moment: the unique
    index decides) raises ThemeExists with the theme already there and adds nothing; the same
    title with another text is refused.
    """
    _check_questions_editable(consultation, reason)
    action = "theme_added" if theme is None else "theme_changed"
    if "title" in fields:
        fields["title"] = " ".join(fields["title"].split())
        clash = _same_title(consultation, fields["title"], theme)
        if clash is not None:
            if theme is None and clash.title == fields["title"] and \
                    clash.introduction == fields.get("introduction", clash.introduction):
                raise ThemeExists(clash)
            raise TitleTaken()
    try:
        with db.session.begin_nested():
            if theme is None:
                theme = Theme(consultation=consultation, position=len(consultation.themes), **fields)
                db.session.add(theme)
                db.session.flush()
            elif not _write_item(theme, version, fields):
                return theme
    except IntegrityError:  # the same title saved by another request at the same moment
        db.session.expire(consultation, ["themes"])
        clash = _same_title(consultation, fields.get("title", ""), theme if action == "theme_changed" else None)
        if action == "theme_added" and clash is not None and clash.introduction == fields.get("introduction", ""):
            raise ThemeExists(clash) from None
        raise TitleTaken() from None
    _check_conditions(consultation)
    _record_question_change(consultation, None, action, reason, by, theme_id=theme.id)
    return theme


def delete_theme(theme: Theme, *, by: User, reason: str | None = None) -> None:
    consultation = theme.consultation
    _check_questions_editable(consultation, reason)
    _check_not_depended_on(consultation, list(theme.questions), theme)
    _record_question_change(consultation, None, "theme_deleted", reason, by, title=theme.title)
    consultation.themes.remove(theme)
    _renumber(consultation.themes)


def save_question(theme: Theme, question: Question | None, *, by: User, reason: str | None = None,
                  version: int | None = None, **fields) -> Question:
    """Add a question, or change one (a stale change raises ChangedMeanwhile, see _write_item)."""
    consultation = theme.consultation
    _check_questions_editable(consultation, reason)
    action = "question_added" if question is None else "question_changed"
    if question is not None and consultation.status != Status.DRAFT:
        # Respondents were told whether their confidential figures count in published totals.
        fields["confidential_in_totals"] = question.confidential_in_totals
    if question is None:
        question = Question(theme=theme, position=len(theme.questions), **fields)
        db.session.add(question)
        db.session.flush()
    elif not _write_item(question, version, fields):
        return question
    _check_conditions(consultation)
    _record_question_change(consultation, question, action, reason, by)
    return question


def delete_question(question: Question, *, by: User, reason: str | None = None) -> None:
    theme = question.theme
    _check_questions_editable(theme.consultation, reason)
    _check_not_depended_on(theme.consultation, [question])
    _record_question_change(theme.consultation, None, "question_deleted", reason, by, text=question.text)
    theme.questions.remove(question)
    _renumber(theme.questions)


def _renumber(items) -> None:
    for position, item in enumerate(items):
        item.position = position


def move(items: list, item, direction: int) -> bool:
    """Move ``item`` one place up (-1) or down (+1) in ``items``; False at the edge."""
    _renumber(items)
    index = items.index(item)
    target = index + direction
    if not 0 <= target < len(items):
        return False
    other = items[target]
    item.position, other.position = other.position, item.position
    items.sort(key=lambda i: i.position)
    return True


def move_theme(theme: Theme, direction: int, *, by: User, reason: str | None = None) -> bool:
    consultation = theme.consultation
    _check_questions_editable(consultation, reason)
    moved = move(consultation.themes, theme, direction)
    if moved:
        _check_conditions(consultation)
        _record_question_change(consultation, None, "theme_moved", reason, by, theme_id=theme.id)
    return moved


def move_question(question: Question, direction: int, *, by: User, reason: str | None = None) -> bool:
    consultation = question.theme.consultation
    _check_questions_editable(consultation, reason)
    moved = move(question.theme.questions, question, direction)
    if moved:
        _check_conditions(consultation)
        _record_question_change(consultation, question, "question_moved", reason, by)
    return moved


# --- publishing, closing, extending -----------------------------------------------------

def publish_problems(consultation: Consultation, now: datetime | None = None) -> list[tuple[str, str]]:
    """What stands in the way of publishing: (field id, message) pairs, empty when ready."""
    now = now or utcnow()
    problems: list[tuple[str, str]] = []
    if not any(theme.questions for theme in consultation.themes):
        problems.append(("themes", str(_l("Add at least one theme with at least one question."))))
    if consultation.closes_at is None:
        problems.append(("closes_at_date", str(_l("Set the deadline."))))
    elif consultation.closes_at <= now:
        problems.append(("closes_at_date", str(_l("The deadline must be in the future."))))
    if (consultation.opens_at and consultation.closes_at
            and consultation.opens_at >= consultation.closes_at):
        problems.append(("opens_at_date", str(_l("The consultation must open before the deadline."))))
    if not consultation.municipalities:
        problems.append(("municipalities", str(_l("Choose at least one commissioning municipality."))))
    return problems


def publish(consultation: Consultation, *, by: User) -> None:
    if consultation.status != Status.DRAFT:
        raise ChangeRefused(_l("Only a draft can be published."))
    problems = publish_problems(consultation)
    if problems:
        raise PublishBlocked(problems)
    now = utcnow()
    consultation.status = Status.OPEN
    consultation.published_at = now
    if consultation.opens_at is None or consultation.opens_at > now:
        consultation.opens_at = consultation.opens_at or now
    record_event("consultation_published", actor=by, obj=consultation,
                 closes_at=consultation.closes_at.isoformat())


def close(consultation: Consultation, *, by: User | None, automatic: bool = False) -> None:
    if consultation.status != Status.OPEN:
        raise ChangeRefused(_l("Only an open consultation can be closed."))
    consultation.status = Status.CLOSED
    consultation.closed_at = utcnow()
    record_event("consultation_closed", actor=by, obj=consultation, automatic=automatic)


def extend_deadline(consultation: Consultation, new_closes_at: datetime, *, by: User) -> None:
    """A later deadline, for everyone at once, announced on the consultation page."""
    if consultation.status != Status.OPEN:
        raise ChangeRefused(_l("Only the deadline of an open consultation can be extended."))
    if new_closes_at <= consultation.closes_at:
        raise ChangeRefused(_l("The new deadline must be later than the current one."))
    old = consultation.closes_at
    consultation.closes_at = new_closes_at
    db.session.add(Announcement(consultation=consultation, kind="deadline_extended",
                                detail={"old": old.isoformat(), "new": new_closes_at.isoformat()}))
    record_event("deadline_extended", actor=by, obj=consultation, old=old.isoformat(),
                 new=new_closes_at.isoformat())
    notify(audience(consultation), Kind.CHANGED, consultation=consultation,
           data={"consultation": consultation.title, "change": "deadline", "closes_at": new_closes_at.isoformat()},
           link=url_path("consultations.show", slug=consultation.slug),
           dedupe_key=f"deadline:{consultation.id}:{new_closes_at.isoformat()}")


def close_due_consultations(now: datetime | None = None) -> list[Consultation]:
    """Close every open consultation whose deadline has passed (server clock)."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Consultation).where(Consultation.status == Status.OPEN, Consultation.closes_at <= now)
    ).all()
    for consultation in due:
        close(consultation, by=None, automatic=True)
    return list(due)

