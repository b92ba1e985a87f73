"""Dialogue sessions: scheduling, changing and cancelling them (the team), registering and
cancelling on behalf of an organisation with a waiting list that moves up by itself, attendance,
and the reminder the day before. Services flush and never commit (the view commits once)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import and_, case, func, insert, literal, null, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from consult.audit.services import record_event
from consult.auth.models import User
from consult.consultations.models import Consultation, ParticipantAudience
from consult.core.db import insert_unless_exists, update_if_version
from consult.core.refused import Refused
from consult.core.time import UTCDateTime, combine_local, to_local, utcnow
from consult.disclosure.sessions import consenting_organisations
from consult.extensions import db
from consult.notify.models import Kind
from consult.notify.services import absolute_url, notify, url_path
from consult.orgs.models import Organisation
from consult.responses.models import Publication
from consult.sessions.models import (
    AgendaItem,
    DialogueSession,
    MinutesComment,
    MinutesPoint,
    Registration,
    RegistrationStatus,
    SessionStatus,
    WrittenInput,
)

MAX_CAPACITY = 10_000
MAX_SEATS = 100
MAX_TEXT = 10_000


class SessionRefused(Refused):
    """A change to a session or a registration that is not made; ``field`` names the form field."""


class SessionChangedMeanwhile(Exception):
    """Another team member saved the session after the version the form started from; nothing
    was written. ``session`` is the session as stored now."""

    def __init__(self, session: DialogueSession):
        super().__init__("stale session")
        self.session = session


# --- scheduling ------------------------------------------------------------------------

def _checked(consultation: Consultation, fields: dict) -> dict:
    """The session's fields, cleaned, or SessionRefused at the first field that is wrong."""
    title = " ".join((fields.get("title") or "").split())
    if not title:
        raise SessionRefused(_l("Enter a title."), field="title")
    if len(title) > 200:
        raise SessionRefused(_l("Use at most %(n)d characters.", n=200), field="title")
    address = (fields.get("address") or "").replace("\x00", "").strip()
    link = (fields.get("online_link") or "").strip()
    if link and not link.lower().startswith("https://"):
        raise SessionRefused(_l("Enter an online link that starts with https://."), field="online_link")
    if not address and not link:
        raise SessionRefused(_l("Enter an address, an online link, or both."), field="address")
    starts_at, ends_at = fields.get("starts_at"), fields.get("ends_at")
    if starts_at is None:
        raise SessionRefused(_l("Enter the date and start time."), field="starts_on")
    if ends_at is None or ends_at <= starts_at:
        raise SessionRefused(_l("The end must be after the start."), field="ends_time")
    deadline = fields.get("registration_deadline") or starts_at
    if deadline > starts_at:
        raise SessionRefused(_l("The registration deadline cannot be after the start."),
                             field="deadline_on")
    capacity, seats = fields.get("capacity"), fields.get("seats_per_organisation")
    if not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
        raise SessionRefused(_l("Enter a number of places from 1 to %(n)d.", n=MAX_CAPACITY), field="capacity")
    if not isinstance(seats, int) or not 1 <= seats <= MAX_SEATS:
        raise SessionRefused(_l("Enter a number of seats from 1 to %(n)d.", n=MAX_SEATS),
                             field="seats_per_organisation")
    audience = ParticipantAudience(fields.get("audience") or ParticipantAudience.BOTH)
    if audience == ParticipantAudience.INVITED and not consultation.invited:
        raise SessionRefused(_l("The consultation has no invited organisations; choose another audience."),
                             field="audience")
    themes = fields.get("themes") or []
    if any(theme.consultation_id != consultation.id for theme in themes):
        raise SessionRefused(_l("Choose themes of this consultation."), field="themes")
    return dict(title=title, purpose=(fields.get("purpose") or "").replace("\x00", "").strip(),
                address=address, online_link=link, starts_at=starts_at, ends_at=ends_at,
                registration_deadline=deadline, capacity=capacity, seats_per_organisation=seats,
                audience=audience, themes=list(themes))


def schedule_session(consultation: Consultation, *, by: User, **fields) -> DialogueSession:
    """Add a session to the consultation (the team)."""
    values = _checked(consultation, fields)
    session = DialogueSession(consultation=consultation, created_by=by, **values)
    db.session.add(session)
    db.session.flush()
    record_event("session_scheduled", actor=by, obj=session, title=session.title)
    return session


def change_session(session: DialogueSession, *, by: User, version: int | None = None, **fields) -> bool:
    """Change the session in one conditional UPDATE from ``version`` (the one the form started
    from). False when nothing changed; SessionChangedMeanwhile when someone saved after that
    version. Every registrant is told, with the updated calendar entry; a larger capacity moves
    people up from the waiting list."""
    if session.cancelled:
        raise SessionRefused(_l("A cancelled session cannot be changed."), field="title")
    values = _checked(session.consultation, fields)
    themes = values.pop("themes")
    changed = {name: value for name, value in values.items() if getattr(session, name) != value}
    if not changed and {t.id for t in themes} == {t.id for t in session.themes}:
        return False
    base = session.version if version is None else version
    if not update_if_version(session, base, **changed):
        db.session.refresh(session)
        raise SessionChangedMeanwhile(session)
    themes_changed = {t.id for t in themes} != {t.id for t in session.themes}
    session.themes = themes
    record_event("session_changed", actor=by, obj=session,
                 fields=sorted(changed) + (["themes"] if themes_changed else []))
    _tell_registrants(session, "changed", dedupe=f"session-changed:{session.id}:v{session.version}")
    _move_up(session, by=by)
    return True


def cancel_session(session: DialogueSession, *, by: User, version: int | None = None) -> None:
    """Cancel the session: it stays listed as cancelled, registration closes, and every registrant
    is told with a calendar entry that removes it (METHOD:CANCEL)."""
    if session.cancelled:
        return
    base = session.version if version is None else version
    if not update_if_version(session, base, status=SessionStatus.CANCELLED, cancelled_at=utcnow()):
        db.session.refresh(session)
        raise SessionChangedMeanwhile(session)
    record_event("session_cancelled", actor=by, obj=session)
    _tell_registrants(session, "cancelled", dedupe=f"session-cancelled:{session.id}")


# --- counts ----------------------------------------------------------------------------

def counts(session: DialogueSession) -> tuple[int, int]:
    """(seats taken, people on the waiting list), counted by the database."""
    rows = dict(db.session.execute(select(Registration.status, func.count()).where(
        Registration.session_id == session.id).group_by(Registration.status)).all())
    return rows.get(RegistrationStatus.REGISTERED, 0), rows.get(RegistrationStatus.WAITING, 0)


def waiting_position(registration: Registration) -> int | None:
    """1 for the first on the waiting list; None when the registration is not waiting."""
    if registration.status != RegistrationStatus.WAITING:
        return None
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.session_id == registration.session_id, Registration.status == RegistrationStatus.WAITING,
        (Registration.created_at < registration.created_at)
        | and_(Registration.created_at == registration.created_at, Registration.id < registration.id))) + 1


def _waiting_order():
    return Registration.created_at, Registration.id


# --- registration ----------------------------------------------------------------------

def _lock(session: DialogueSession) -> None:
    """Serialise the registrations of one session: on PostgreSQL a row lock on the session
    (SELECT ... FOR UPDATE, held until the request commits); SQLite lets one writer in at a time,
    and the registration itself is one INSERT ... SELECT that counts and inserts together."""
    db.session.execute(select(DialogueSession.id).where(DialogueSession.id == session.id).with_for_update())


def register(session: DialogueSession, *, by: User, organisation: Organisation,
             now: datetime | None = None, may_name_organisation: bool = False) -> Registration:
    """Register ``by`` on behalf of ``organisation``: a seat while there is one, else a place on
    the waiting list. Refused after the deadline or the start, twice for one person, and beyond
    the session's seats per organisation (seats and waiting places together).

    The count and the insert are one statement, under the session's row lock: two people
    registering at the same moment never take more seats than the session has."""
    now = now or utcnow()
    if not session.registration_open(now):
        raise SessionRefused(_l("Registration for this session is closed."), field="organisation")
    _lock(session)
    active = Registration.status != RegistrationStatus.CANCELLED
    others = select(Registration.id).where(Registration.session_id == session.id)
    seated = select(func.count()).select_from(others.where(
        Registration.status == RegistrationStatus.REGISTERED).subquery()).scalar_subquery()
    of_organisation = select(func.count()).select_from(others.where(
        active, Registration.organisation_id == organisation.id).subquery()).scalar_subquery()
    status = case((seated < session.capacity, literal(RegistrationStatus.REGISTERED.value)),
                  else_=literal(RegistrationStatus.WAITING.value))
    stamp = literal(now, type_=UTCDateTime())
    seated_at = case((seated < session.capacity, stamp), else_=null())
    chosen = select(literal(session.id), literal(by.id), literal(organisation.id), status, stamp, seated_at,
                    literal(bool(may_name_organisation))) \
        .where(of_organisation < session.seats_per_organisation)
    statement = insert(Registration).from_select(
        ["session_id", "user_id", "organisation_id", "status", "created_at", "seated_at", "may_name_organisation"],
        chosen) \
        .returning(Registration.id)
    try:
        with db.session.begin_nested():
            new_id = db.session.scalar(statement)
    except IntegrityError:  # the same person's active registration, also one made at the same moment
        raise SessionRefused(_l("You are already registered for this session."), field="organisation") from None
    if new_id is None:
        raise SessionRefused(
            _l("%(org)s already has %(n)d registrations for this session, the most one organisation may have.",
               org=organisation.name, n=session.seats_per_organisation), field="organisation")
    registration = db.session.get(Registration, new_id)
    record_event("session_registered", actor=by, obj=registration, consultation=session.consultation,
                 session_id=session.id, organisation_id=organisation.id, status=registration.status.value)
    _tell(registration, "registered" if registration.status == RegistrationStatus.REGISTERED else "waiting",
          dedupe=f"session-registered:{registration.id}")
    return registration


def cancel_registration(registration: Registration, *, by: User) -> list[Registration]:
    """Cancel the person's registration; a seat it frees goes to the first on the waiting list,
    who is told. Returns the registrations that moved up."""
    session = registration.session
    if not registration.active:
        return []
    if utcnow() >= session.starts_at:
        raise SessionRefused(_l("The session has started; the registration can no longer be cancelled."))
    _lock(session)
    done = db.session.execute(update(Registration).where(
        Registration.id == registration.id, Registration.status != RegistrationStatus.CANCELLED)
        .values(status=RegistrationStatus.CANCELLED, cancelled_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(registration)
    if not done:
        return []
    record_event("session_registration_cancelled", actor=by, obj=registration, consultation=session.consultation,
                 session_id=session.id, organisation_id=registration.organisation_id)
    return _move_up(session, by=by)


def _move_up(session: DialogueSession, *, by: User) -> list[Registration]:
    """Give free seats to the waiting list in order (under the session's lock), telling each one."""
    if session.cancelled:
        return []
    moved = []
    free = session.capacity - counts(session)[0]
    if free <= 0:
        return moved
    waiting = db.session.scalars(select(Registration).where(
        Registration.session_id == session.id, Registration.status == RegistrationStatus.WAITING)
        .order_by(*_waiting_order()).limit(free)).all()
    for registration in waiting:
        registration.status = RegistrationStatus.REGISTERED
        registration.seated_at = utcnow()
        moved.append(registration)
    db.session.flush()
    for registration in moved:
        record_event("session_moved_up", actor=by, obj=registration, consultation=session.consultation,
                     session_id=session.id, organisation_id=registration.organisation_id)
        _tell(registration, "moved_up", dedupe=f"session-moved-up:{registration.id}")
    return moved


def record_attendance(registration: Registration, attended: bool | None, *, by: User) -> None:
    """The team records whether a registered person came (None: not recorded)."""
    if registration.status != RegistrationStatus.REGISTERED:
        raise SessionRefused(_l("Attendance is recorded for registered participants only."), field="attended")
    if registration.attended == attended:
        return
    registration.attended = attended
    db.session.flush()
    record_event("session_attendance", actor=by, obj=registration, consultation=registration.session.consultation,
                 session_id=registration.session_id, attended=attended)


def team_registrations(session: DialogueSession) -> tuple[list[Registration], list[Registration]]:
    """For the team: the registered participants (by organisation, then name) and the waiting list in order."""
    query = select(Registration).options(joinedload(Registration.user), joinedload(Registration.organisation)) \
        .where(Registration.session_id == session.id)
    registered = db.session.scalars(query.where(Registration.status == RegistrationStatus.REGISTERED)
                                    .order_by(Registration.created_at, Registration.id)).all()
    waiting = db.session.scalars(query.where(Registration.status == RegistrationStatus.WAITING)
                                 .order_by(*_waiting_order())).all()
    return list(registered), list(waiting)


def consultation_sessions(consultation: Consultation) -> list[DialogueSession]:
    """Every session of the consultation, in time order (cancelled ones included)."""
    return list(db.session.scalars(select(DialogueSession).where(DialogueSession.consultation_id == consultation.id)
                                   .options(joinedload(DialogueSession.consultation))
                                   .order_by(DialogueSession.starts_at, DialogueSession.id)))


# --- telling people --------------------------------------------------------------------

def _data(session: DialogueSession, event: str, **extra) -> dict:
    return {"event": event, "session": session.title, "consultation": session.consultation.title,
            "starts_at": session.starts_at.isoformat(), "ends_at": session.ends_at.isoformat(),
            "calendar": absolute_url("sessions.calendar", session_id=session.id), **extra}


def _tell(registration: Registration, event: str, *, dedupe: str) -> None:
    session = registration.session
    extra = {}
    if event == "waiting":
        extra["position"] = waiting_position(registration)
    notify([registration.user], Kind.SESSION, consultation=session.consultation,
           data=_data(session, event, **extra), link=url_path("sessions.show", session_id=session.id),
           dedupe_key=dedupe)


def _tell_registrants(session: DialogueSession, event: str, *, dedupe: str, **extra) -> None:
    people = db.session.scalars(select(User).join(Registration, Registration.user_id == User.id).where(
        Registration.session_id == session.id, Registration.status != RegistrationStatus.CANCELLED)).all()
    notify(people, Kind.SESSION, consultation=session.consultation, data=_data(session, event, **extra),
           link=url_path("sessions.show", session_id=session.id), dedupe_key=dedupe)


def send_session_reminders(now: datetime | None = None) -> int:
    """Remind every registered person of a session that starts tomorrow (Amsterdam date). Each
    registration is reminded once, however often this runs (the notification's dedupe key)."""
    now = now or utcnow()
    tomorrow = to_local(now).date() + timedelta(days=1)
    count = 0
    candidates = db.session.scalars(select(DialogueSession).where(
        DialogueSession.status == SessionStatus.SCHEDULED, DialogueSession.starts_at > now,
        DialogueSession.starts_at < now + timedelta(days=3)).options(joinedload(DialogueSession.consultation)))
    for session in candidates:
        if to_local(session.starts_at).date() != tomorrow:
            continue
        registrations = db.session.scalars(select(Registration).options(joinedload(Registration.user)).where(
            Registration.session_id == session.id, Registration.status == RegistrationStatus.REGISTERED)).all()
        for registration in registrations:
            count += len(notify([registration.user], Kind.SESSION, consultation=session.consultation,
                                data=_data(session, "reminder"),
                                link=url_path("sessions.show", session_id=session.id),
                                dedupe_key=f"session-reminder:{registration.id}"))
    return count



# --- agenda, written input and minutes -------------------------------------------------

def _text(value: str | None, message, field: str) -> str:
    value = (value or "").replace("\x00", "").strip()
    if not value:
        raise SessionRefused(message, field=field)
    if len(value) > MAX_TEXT:
        raise SessionRefused(_l("Use at most %(n)d characters.", n=MAX_TEXT), field=field)
    return value


def add_agenda_item(session: DialogueSession, *, title: str, description: str, by: User) -> AgendaItem:
    """Add an item at the end of the agenda (the team), also after the agenda is published."""
    if session.minutes_published_at is not None:
        raise SessionRefused(_l("The minutes are published; the agenda can no longer change."), field="title")
    title = " ".join((title or "").split())
    if not title:
        raise SessionRefused(_l("Enter a title."), field="title")
    item = AgendaItem(session=session, title=title[:200], position=len(session.agenda),
                      description=(description or "").replace("\x00", "").strip())
    db.session.add(item)
    db.session.flush()
    record_event("session_agenda_item_added", actor=by, obj=session, item_id=item.id)
    return item


def delete_agenda_item(item: AgendaItem, *, by: User) -> None:
    """Remove an item while the agenda is not published (published items may have written input)."""
    session = item.session
    if session.agenda_published_at is not None:
        raise SessionRefused(_l("A published agenda item cannot be removed."))
    record_event("session_agenda_item_deleted", actor=by, obj=session, title=item.title)
    db.session.delete(item)
    db.session.flush()


def publish_agenda(session: DialogueSession, *, by: User) -> None:
    """Publish the agenda to the session's audience and tell the registrants."""
    if session.agenda_published_at is not None:
        return
    if not session.agenda:
        raise SessionRefused(_l("Add at least one agenda item before publishing the agenda."), field="title")
    session.agenda_published_at = utcnow()
    db.session.flush()
    record_event("session_agenda_published", actor=by, obj=session, items=len(session.agenda))
    _tell_registrants(session, "agenda", dedupe=f"session-agenda:{session.id}")


class InputChangedMeanwhile(Exception):
    """A colleague saved the organisation's input on this item after the version the form started
    from; nothing was written. ``written`` is the input as stored now."""

    def __init__(self, written: WrittenInput):
        super().__init__("stale written input")
        self.written = written


def save_written_input(item: AgendaItem, *, organisation: Organisation, text: str, by: User,
                       version: int | None = None, publication: str | Publication = Publication.NONE) -> WrittenInput:
    """Write the organisation's input on ``item`` with its publication choice: the first save
    inserts it (one row per organisation and item, also when two colleagues save at the same
    moment), a later one changes it in one conditional UPDATE from ``version`` (0: the form showed
    no input yet); InputChangedMeanwhile when a colleague saved after that version."""
    text = _text(text, _l("Write your input."), "text")
    try:
        publication = Publication(publication)
    except ValueError:
        raise SessionRefused(_l("Choose whether quotes from your written input may be published."),
                             field="publication") from None
    now = utcnow()
    written = insert_unless_exists(WrittenInput, agenda_item_id=item.id, organisation_id=organisation.id,
                                   author_id=by.id, text=text, publication=publication, version=1,
                                   created_at=now, updated_at=now)
    if written is not None:  # the first input of this organisation on this item
        record_event("session_written_input", actor=by, obj=written, consultation=item.session.consultation,
                     session_id=item.session_id, organisation_id=organisation.id, publication=publication.value)
        return written
    written = db.session.scalar(select(WrittenInput).where(WrittenInput.agenda_item_id == item.id,
                                                           WrittenInput.organisation_id == organisation.id))
    if written.text == text and written.publication == publication:
        return written
    base = written.version if version is None else version
    if not update_if_version(written, base, text=text, publication=publication, author_id=by.id, updated_at=now):
        db.session.refresh(written)
        raise InputChangedMeanwhile(written)
    record_event("session_written_input_changed", actor=by, obj=written, consultation=item.session.consultation,
                 session_id=item.session_id, organisation_id=organisation.id, publication=publication.value)
    return written


def add_minutes_point(item: AgendaItem, *, text: str, by: User,
                      organisation: Organisation | None = None) -> MinutesPoint:
    """Add the next numbered point of the minutes under ``item`` (the team, before publication),
    attributed to ``organisation`` (one of the registered ones) or to nobody."""
    if item.session.minutes_published_at is not None:
        raise SessionRefused(_l("The minutes are published and can no longer change."), field="text")
    text = _text(text, _l("Write the point."), "text")
    _check_attributable(item.session, organisation)
    for _attempt in range(3):
        number = (db.session.scalar(select(func.max(MinutesPoint.number)).where(
            MinutesPoint.agenda_item_id == item.id)) or 0) + 1
        try:
            with db.session.begin_nested():
                point = MinutesPoint(item=item, number=number, text=text,
                                     organisation_id=organisation.id if organisation else None)
                db.session.add(point)
                db.session.flush()
            break
        except IntegrityError:  # a colleague added a point under this item at the same moment
            continue
    else:
        raise SessionRefused(_l("Someone else added a point at the same moment. Add it again."), field="text")
    record_event("session_minutes_point_added", actor=by, obj=item.session, item_id=item.id, number=number,
                 organisation_id=point.organisation_id)
    return point


COMMENT_DAYS = 14
MAX_COMMENT_DAYS = 366


def comments_close_at(last_day: date) -> datetime:
    """The end of the comment period whose last day is ``last_day``: midnight after it, Amsterdam time."""
    return combine_local(last_day + timedelta(days=1), time(0, 0))


def publish_minutes(session: DialogueSession, *, by: User, comments_until: date | None = None) -> None:
    """Publish the minutes to the registrants and tell them; registrants may comment per point up to
    and including ``comments_until`` (an Amsterdam date; by default 14 days from today)."""
    if session.minutes_published_at is not None:
        return
    if not any(item.minutes for item in session.agenda):
        raise SessionRefused(_l("Write at least one point before publishing the minutes."), field="text")
    now = utcnow()
    today = to_local(now).date()
    comments_until = comments_until or today + timedelta(days=COMMENT_DAYS)
    if not today <= comments_until <= today + timedelta(days=MAX_COMMENT_DAYS):
        raise SessionRefused(_l("Choose a last day from today up to a year from now."), field="comments_until")
    session.minutes_published_at = now
    session.comments_close_at = comments_close_at(comments_until)
    db.session.flush()
    record_event("session_minutes_published", actor=by, obj=session,
                 comments_close_at=session.comments_close_at.isoformat())
    _tell_registrants(session, "minutes", dedupe=f"session-minutes:{session.id}",
                      comments_until=comments_until.isoformat())


def written_inputs(session: DialogueSession) -> dict[int, list[WrittenInput]]:
    """For the team: every organisation's written input, by agenda item."""
    found: dict[int, list[WrittenInput]] = {}
    for written in db.session.scalars(select(WrittenInput).join(AgendaItem).options(
            joinedload(WrittenInput.organisation), joinedload(WrittenInput.author))
            .where(AgendaItem.session_id == session.id).order_by(WrittenInput.created_at, WrittenInput.id)):
        found.setdefault(written.agenda_item_id, []).append(written)
    return found



# --- consent, attribution, comments on the minutes ---------------------------------------

def set_consent(registration: Registration, may_name: bool, *, by: User) -> bool:
    """The registrant says whether their organisation may be named in the minutes. False when
    nothing changed."""
    if registration.may_name_organisation == bool(may_name):
        return False
    registration.may_name_organisation = bool(may_name)
    db.session.flush()
    record_event("session_consent_changed", actor=by, obj=registration,
                 consultation=registration.session.consultation, session_id=registration.session_id,
                 organisation_id=registration.organisation_id, may_name=bool(may_name))
    return True


def consenting_ids(session: DialogueSession) -> set[int]:
    """The organisations that agreed to be named with what was said at ``session`` (the gate's rule)."""
    return consenting_by_session([session.id]).get(session.id, set())


def consenting_by_session(session_ids: list[int]) -> dict[int, set[int]]:
    """Per session of ``session_ids``: the organisations that agreed to be named, in one statement."""
    rows: dict[int, list] = {}
    if session_ids:
        for row in db.session.execute(select(
                Registration.session_id, Registration.organisation_id, Registration.may_name_organisation).where(
                Registration.session_id.in_(session_ids), Registration.status != RegistrationStatus.CANCELLED)):
            rows.setdefault(row.session_id, []).append(row)
    return {session_id: consenting_organisations(found) for session_id, found in rows.items()}


def attributable_organisations(session: DialogueSession) -> list[Organisation]:
    """The organisations a minutes point can be attributed to: those with a seat (registered, by name)."""
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(
        select(Registration.organisation_id).where(Registration.session_id == session.id,
                                                   Registration.status == RegistrationStatus.REGISTERED)))
        .order_by(Organisation.name)))


def _check_attributable(session: DialogueSession, organisation: Organisation | None,
                        current_id: int | None = None) -> None:
    """A new attribution must be to a registered organisation; the current one (``current_id``) may
    stay, also when the organisation no longer has a seat."""
    if organisation is None or organisation.id == current_id:
        return
    if organisation.id not in {o.id for o in attributable_organisations(session)}:
        raise SessionRefused(_l("Choose one of the organisations registered for the session."), field="organisation")


class PointChangedMeanwhile(Exception):
    """A colleague saved the point (or a commenter, the comment) after the version the form started
    from; nothing was written. ``stored`` is the row as stored now."""

    def __init__(self, stored):
        super().__init__("stale minutes point or comment")
        self.stored = stored


def change_minutes_point(point: MinutesPoint, *, text: str, organisation: Organisation | None, by: User,
                         version: int | None = None) -> bool:
    """Change a point's text or attribution (the team) in one conditional UPDATE from ``version``.
    After publication the change is allowed (a comment may show the point was wrong) but the point
    then says it was changed after publication. False when nothing changed."""
    session = point.item.session
    if session.cancelled:
        raise SessionRefused(_l("A cancelled session cannot be changed."), field="text")
    text = _text(text, _l("Write the point."), "text")
    _check_attributable(session, organisation, current_id=point.organisation_id)
    organisation_id = organisation.id if organisation else None
    if point.text == text and point.organisation_id == organisation_id:
        return False
    now = utcnow()
    values = dict(text=text, organisation_id=organisation_id, updated_at=now)
    if session.minutes_published_at is not None:
        values["changed_after_publication_at"] = now
    base = point.version if version is None else version
    if not update_if_version(point, base, **values):
        db.session.refresh(point)
        raise PointChangedMeanwhile(point)
    record_event("session_minutes_point_changed", actor=by, obj=session, point_id=point.id,
                 organisation_id=organisation_id, after_publication=session.minutes_published_at is not None)
    return True


def comments_open(session: DialogueSession, now: datetime | None = None) -> bool:
    return session.comments_open(now)


def _require_open(session: DialogueSession) -> None:
    if not comments_open(session):
        raise SessionRefused(_l("The comment period on these minutes has ended; comments can no longer be "
                                "added or changed."), field="text")


ANSWERED_COMMENT = _l("The project team has answered this comment, so it can no longer be changed. Add a new "
                      "comment on the point instead.")


def comment_on_point(point: MinutesPoint, *, organisation: Organisation, text: str, by: User) -> MinutesComment:
    """A registrant's comment on ``point`` on behalf of ``organisation`` (the one they registered
    for), during the comment period."""
    session = point.item.session
    _require_open(session)
    text = _text(text, lazy_pgettext("comment on the minutes", "Write your comment."), "text")
    comment = MinutesComment(point=point, organisation_id=organisation.id, author_id=by.id, text=text)
    db.session.add(comment)
    db.session.flush()
    record_event("session_minutes_comment", actor=by, obj=comment, consultation=session.consultation,
                 session_id=session.id, point_id=point.id, organisation_id=organisation.id)
    return comment


def change_comment(comment: MinutesComment, *, text: str, by: User, version: int | None = None) -> bool:
    """Change a comment while the comment period is open and the team has not answered it (the
    answer, and the report that pairs them, would then speak to a text it never saw);
    PointChangedMeanwhile when it was saved (or answered) after ``version``. False when nothing changed."""
    session = comment.point.item.session
    _require_open(session)
    if comment.replied_at is not None:
        raise SessionRefused(ANSWERED_COMMENT, field="text")
    text = _text(text, lazy_pgettext("comment on the minutes", "Write your comment."), "text")
    if comment.text == text:
        return False
    base = comment.version if version is None else version
    if not update_if_version(comment, base, text=text, author_id=by.id, updated_at=utcnow()):
        db.session.refresh(comment)
        raise PointChangedMeanwhile(comment)
    record_event("session_minutes_comment_changed", actor=by, obj=comment, consultation=session.consultation,
                 session_id=session.id, point_id=comment.point_id, organisation_id=comment.organisation_id)
    return True


def answer_comment(comment: MinutesComment, *, reply: str, corrected: bool, by: User,
                   version: int | None = None) -> bool:
    """The team's answer to a comment (and whether the point was corrected), in one conditional
    UPDATE from ``version``: a comment changed after the form was opened is refused, not answered
    unseen. The commenter is told. False when nothing changed."""
    session = comment.point.item.session
    reply = _text(reply, _l("Write the answer."), "reply")
    if comment.reply == reply and comment.corrected == bool(corrected):
        return False
    base = comment.version if version is None else version
    if not update_if_version(comment, base, reply=reply, corrected=bool(corrected), replied_by_id=by.id,
                             replied_at=utcnow()):
        db.session.refresh(comment)
        raise PointChangedMeanwhile(comment)
    record_event("session_minutes_comment_answered", actor=by, obj=comment, consultation=session.consultation,
                 session_id=session.id, point_id=comment.point_id, corrected=bool(corrected))
    if comment.author is not None:
        point = comment.point
        notify([comment.author], Kind.SESSION, consultation=session.consultation,
               data=_data(session, "comment_answered", point=f"{point.item.position + 1}.{point.number}"),
               link=url_path("sessions.minutes", session_id=session.id) + f"#point-{point.id}",
               dedupe_key=f"session-comment-answered:{comment.id}:{comment.version}")
    return True


def load_minutes(session: DialogueSession) -> None:
    """Load the session's agenda with its minutes points and their organisations in two statements,
    however many items and points there are (the minutes page reads them all)."""
    items = list(db.session.scalars(
        select(AgendaItem).where(AgendaItem.session_id == session.id)
        .options(selectinload(AgendaItem.minutes).joinedload(MinutesPoint.organisation))
        .order_by(AgendaItem.position, AgendaItem.id).execution_options(populate_existing=True)))
    set_committed_value(session, "agenda", items)


def session_comments(session: DialogueSession) -> dict[int, list[MinutesComment]]:
    """Every comment on the session's minutes, by point (the gate decides whose name is shown)."""
    found: dict[int, list[MinutesComment]] = {}
    for comment in db.session.scalars(select(MinutesComment).join(MinutesPoint).join(AgendaItem).options(
            joinedload(MinutesComment.organisation)).where(AgendaItem.session_id == session.id)
            .order_by(MinutesComment.created_at, MinutesComment.id)):
        found.setdefault(comment.point_id, []).append(comment)
    return found
