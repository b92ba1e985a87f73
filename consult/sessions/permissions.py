"""Who may see, schedule, register for and manage dialogue sessions. Registrations are
organisation-scoped data: they are only ever loaded through the helpers here, which take the
acting user, so changing an id in a URL never reaches another organisation's registration."""
from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from consult.consultations.models import Consultation, ParticipantAudience, Status
from consult.consultations.permissions import can_edit_consultation, can_view_consultation, is_team
from consult.core.predicates import predicate
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import Organisation, OrgKind
from consult.responses.permissions import responding_organisations
from consult.sessions.models import (
    AgendaItem,
    DialogueSession,
    MinutesComment,
    Registration,
    RegistrationStatus,
    WrittenInput,
)


def audience_organisations(user, session: DialogueSession) -> list[Organisation]:
    """The user's provider and council organisations that the session's audience includes."""
    organisations = responding_organisations(user)
    audience = session.audience
    if audience == ParticipantAudience.PROVIDERS:
        return [org for org in organisations if org.kind == OrgKind.PROVIDER]
    if audience == ParticipantAudience.COUNCILS:
        return [org for org in organisations if org.kind == OrgKind.COUNCIL]
    if audience == ParticipantAudience.INVITED:
        invited = {org.id for org in session.consultation.invited}
        return [org for org in organisations if org.id in invited]
    return organisations


@predicate
def can_schedule_sessions(user, consultation: Consultation) -> bool:
    """Editors (and admins) schedule, change and cancel a consultation's sessions."""
    return can_edit_consultation(user, consultation)


@predicate
def can_manage_session(user, session: DialogueSession) -> bool:
    """Editors (and admins) change and cancel the session, see its participants and record attendance."""
    return can_edit_consultation(user, session.consultation)


@predicate
def can_see_participants(user, session: DialogueSession) -> bool:
    """The participant list (names, organisations, attendance) is for the team only."""
    return is_team(user, session.consultation)


@predicate
def can_view_session(user, session: DialogueSession) -> bool:
    """The team always; outside it, members of an organisation in the session's audience who may
    see the consultation (not while it is a draft). Anonymous visitors never: the session page
    names a place and an online link meant for the audience."""
    consultation = session.consultation
    if is_team(user, consultation):
        return True
    return consultation.status != Status.DRAFT and can_view_consultation(user, consultation) \
        and bool(audience_organisations(user, session))


@predicate
def can_register(user, session: DialogueSession) -> bool:
    """A provider or council member of the audience, while registration is open; the team runs
    the session and does not register for it."""
    return session.registration_open() and not is_team(user, session.consultation) \
        and can_view_session(user, session)


@predicate
def can_cancel_registration(user, registration: Registration) -> bool:
    """The person who registered, until the session starts."""
    return bool(user and user.is_authenticated) and registration.user_id == user.id and registration.active \
        and not registration.session.cancelled and utcnow() < registration.session.starts_at


@predicate
def can_download_calendar(user, registration: Registration | None) -> bool:
    """A person with an active registration (a seat or a place on the waiting list)."""
    return registration is not None and registration.active


def own_registration(user, session: DialogueSession) -> Registration | None:
    """The user's own active registration for the session (never another person's)."""
    if not (user and user.is_authenticated):
        return None
    return db.session.scalar(select(Registration).options(joinedload(Registration.organisation)).where(
        Registration.session_id == session.id, Registration.user_id == user.id,
        Registration.status != RegistrationStatus.CANCELLED))


def own_registration_or_404(user, registration_id: int) -> Registration:
    """A registration the user made, or 404: one person never reaches another's registration."""
    if not (user and user.is_authenticated):
        abort(404)
    registration = db.session.scalar(select(Registration).where(
        Registration.id == registration_id, Registration.user_id == user.id))
    if registration is None:
        abort(404)
    return registration


def managed_registration_or_404(user, session: DialogueSession, registration_id: int) -> Registration:
    """A registration of ``session``, for the team that manages it; 404 otherwise."""
    if not can_manage_session(user, session):
        abort(404)
    registration = db.session.scalar(select(Registration).where(
        Registration.id == registration_id, Registration.session_id == session.id))
    if registration is None:
        abort(404)
    return registration


@predicate
def visible_sessions(user, consultation: Consultation) -> list[DialogueSession]:
    """The consultation's sessions the user may see, in time order (cancelled ones included,
    marked as such): for the consultation page and the list of sessions."""
    sessions = db.session.scalars(select(DialogueSession).where(DialogueSession.consultation_id == consultation.id)
                                  .order_by(DialogueSession.starts_at, DialogueSession.id)).all()
    return [session for session in sessions if can_view_session(user, session)]


@predicate
def can_read_agenda(user, session: DialogueSession) -> bool:
    """The team always; the session's audience once the agenda is published."""
    if is_team(user, session.consultation):
        return True
    return session.agenda_published_at is not None and can_view_session(user, session)


@predicate
def can_give_written_input(user, session: DialogueSession) -> bool:
    """Providers and councils of the audience (registered or not: the input is for those who cannot
    come) send written input per agenda item, once the agenda is published and until the start."""
    return session.agenda_published_at is not None and not session.cancelled and utcnow() < session.starts_at \
        and not is_team(user, session.consultation) and can_view_session(user, session)


@predicate
def can_read_minutes(user, session: DialogueSession) -> bool:
    """The team always; once published, the people registered for the session."""
    if is_team(user, session.consultation):
        return True
    return session.minutes_published_at is not None and own_registration(user, session) is not None


def own_written_inputs(user, session: DialogueSession) -> dict[tuple[int, int], WrittenInput]:
    """The written input of the user's own organisations on the session's agenda, by (item id,
    organisation id); never another organisation's."""
    org_ids = [org.id for org in audience_organisations(user, session)]
    if not org_ids:
        return {}
    inputs = db.session.scalars(select(WrittenInput).join(AgendaItem).where(
        AgendaItem.session_id == session.id, WrittenInput.organisation_id.in_(org_ids)))
    return {(i.agenda_item_id, i.organisation_id): i for i in inputs}


@predicate
def can_comment_minutes(user, session: DialogueSession) -> bool:
    """A person with an active registration for the session, outside the team, while the comment
    period on the published minutes is open; they comment on behalf of the organisation they
    registered for."""
    return session.comments_open() and not is_team(user, session.consultation) \
        and own_registration(user, session) is not None


@predicate
def can_answer_comments(user, session: DialogueSession) -> bool:
    """Editors answer the registrants' comments on the minutes (also after the comment period)."""
    return can_manage_session(user, session)


@predicate
def can_change_minutes_comment(user, comment: MinutesComment) -> bool:
    """A registrant of the comment's organisation, while the comment period is open and the team
    has not answered the comment."""
    session = comment.point.item.session
    mine = own_registration(user, session)
    return mine is not None and mine.organisation_id == comment.organisation_id and comment.replied_at is None \
        and can_comment_minutes(user, session)


def own_comment_or_404(user, comment_id: int) -> MinutesComment:
    """A comment of the organisation the user is registered for at its session, or 404: one
    organisation never reaches another's comment to change it."""
    if not (user and user.is_authenticated):
        abort(404)
    comment = db.session.get(MinutesComment, comment_id)
    if comment is None:
        abort(404)
    mine = own_registration(user, comment.point.item.session)
    if mine is None or mine.organisation_id != comment.organisation_id:
        abort(404)
    return comment


def managed_comment_or_404(user, comment_id: int) -> MinutesComment:
    """A comment on the minutes of a session the user's team manages; 404 otherwise."""
    comment = db.session.get(MinutesComment, comment_id)
    if comment is None or not can_manage_session(user, comment.point.item.session):
        abort(404)
    return comment


def viewer_organisations(user, session: DialogueSession) -> set[int]:
    """The user's own organisations in the session's audience (whose names they always see)."""
    return {org.id for org in audience_organisations(user, session)}
