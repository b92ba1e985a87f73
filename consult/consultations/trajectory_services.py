"""Trajectories: linking consultations as rounds, the timeline each person sees, and the requests
of organisations to join an invitation-only round.

Services add and flush; the request commits. Every change of consequence is audited.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from consult.audit.services import record_event
from consult.auth.models import User
from consult.consultations.models import Consultation, Question, QuestionKind, Status, TeamMember, Theme
from consult.consultations.notifications import tell_team
from consult.consultations.permissions import can_view_consultation, sees_on_invitation
from consult.consultations.services import move, slugify
from consult.consultations.trajectory_models import JoinRequest, JoinStatus, Trajectory, TrajectoryRound
from consult.core.db import update_if_version
from consult.core.diff import word_diff
from consult.core.forms import db_int
from consult.core.refused import Refused
from consult.core.time import utcnow
from consult.extensions import db
from consult.notify.models import Kind
from consult.notify.services import notify, url_path
from consult.orgs.models import Organisation


class TrajectoryRefused(Refused):
    """The change to a trajectory or a join request is not made."""


class AlreadyHandled(Exception):
    """A colleague granted or declined the join request first; nothing was written. ``request`` is
    the request as stored now."""

    def __init__(self, request: JoinRequest):
        super().__init__("join request handled already")
        self.request = request


# --- building a trajectory -------------------------------------------------------------------

def _unique_slug(title: str) -> str:
    base = slugify(title)
    slug, number = base, 2
    while db.session.scalar(select(Trajectory.id).where(Trajectory.slug == slug)) is not None:
        slug, number = f"{base}-{number}", number + 1
    return slug


def round_of(consultation: Consultation) -> TrajectoryRound | None:
    """The round this consultation is of a trajectory, or None."""
    # One statement: the round with its trajectory, the trajectory's rounds and their consultations.
    return db.session.scalars(select(TrajectoryRound).where(TrajectoryRound.consultation_id == consultation.id)
                              .options(joinedload(TrajectoryRound.trajectory).joinedload(Trajectory.rounds)
                                       .joinedload(TrajectoryRound.consultation))).unique().first()


def create_trajectory(*, title: str, description: str, first: Consultation, label: str, by: User) -> Trajectory:
    """A trajectory with ``first`` as its first round."""
    if round_of(first) is not None:
        raise TrajectoryRefused(_l("This consultation is a round of a trajectory already."))
    trajectory = Trajectory(title=title, description=description, slug=_unique_slug(title))
    trajectory.rounds.append(TrajectoryRound(consultation=first, label=label, position=0))
    db.session.add(trajectory)
    db.session.flush()
    record_event("trajectory_created", actor=by, obj=first, trajectory_id=trajectory.id)
    return trajectory


def add_round(trajectory: Trajectory, consultation: Consultation, *, label: str, by: User) -> TrajectoryRound:
    """Add ``consultation`` as the trajectory's last round."""
    if round_of(consultation) is not None:
        raise TrajectoryRefused(_l("This consultation is a round of a trajectory already."), field="consultation")
    with _refused_if_taken(_l("This consultation is a round of a trajectory already."), field="consultation"):
        item = TrajectoryRound(consultation=consultation, label=label,
                               position=max((r.position for r in trajectory.rounds), default=-1) + 1)
        trajectory.rounds.append(item)
    record_event("trajectory_round_added", actor=by, obj=consultation, trajectory_id=trajectory.id)
    return item


def remove_round(item: TrajectoryRound, *, by: User) -> None:
    """Take a consultation out of its trajectory (the consultation stays); a trajectory keeps at
    least one round. Questions marked as the same as one of the removed round lose the mark."""
    trajectory = item.trajectory
    if len(trajectory.rounds) == 1:
        raise TrajectoryRefused(_l("A trajectory keeps at least one round."))
    others = [r.consultation_id for r in trajectory.rounds if r is not item]
    _unmark_between([item.consultation_id], others)
    record_event("trajectory_round_removed", actor=by, obj=item.consultation, trajectory_id=trajectory.id)
    trajectory.rounds.remove(item)
    db.session.delete(item)
    db.session.flush()


def move_round(item: TrajectoryRound, direction: int, *, by: User) -> bool:
    """One place earlier (-1) or later (+1). A mark "the same as" always points to an earlier
    round, so marks that would point forward after the move are cleared."""
    rounds = item.trajectory.rounds
    if not move(rounds, item, direction):
        return False
    for index, other in enumerate(rounds):
        _unmark_between([other.consultation_id], [later.consultation_id for later in rounds[index:]])
    record_event("trajectory_round_moved", actor=by, obj=item.consultation, trajectory_id=item.trajectory_id,
                 position=rounds.index(item) + 1)
    return True


def _questions_of(consultation_ids) -> select:
    return select(Question.id).join(Theme).where(Theme.consultation_id.in_(list(consultation_ids)))


def _unmark_between(of_ids, pointing_to_ids) -> None:
    """Clear "the same as" of questions of ``of_ids`` consultations that point into ``pointing_to_ids``."""
    if not of_ids or not pointing_to_ids:
        return
    for question in db.session.scalars(select(Question).where(
            Question.id.in_(_questions_of(of_ids)), Question.same_as_id.in_(_questions_of(pointing_to_ids)))):
        question.same_as_id = None


def editable_consultations(user: User) -> list[Consultation]:
    """Consultations ``user`` edits that are not a round of any trajectory yet: what may be added."""
    query = select(Consultation).where(~Consultation.id.in_(select(TrajectoryRound.consultation_id)))
    if not user.is_admin:
        query = query.where(Consultation.id.in_(select(TeamMember.consultation_id).where(
            TeamMember.user_id == user.id, TeamMember.role == "editor")))
    return list(db.session.scalars(query.order_by(Consultation.created_at, Consultation.id)))


# --- what a person sees ---------------------------------------------------------------------

@dataclass
class TimelineEntry:
    round: TrajectoryRound
    on_invitation: bool  # listed by title only; the person may ask to join

    @property
    def consultation(self) -> Consultation:
        return self.round.consultation


def timeline(trajectory: Trajectory, user) -> list[TimelineEntry]:
    """The rounds ``user`` may see, in order: every round they may open, and invitation-only rounds
    they may not open listed as "on invitation" to provider and council members. Drafts and
    invitation-only rounds are left out for everyone else (also their number stays theirs)."""
    entries = []
    for item in trajectory.rounds:
        if can_view_consultation(user, item.consultation):
            entries.append(TimelineEntry(item, on_invitation=False))
        elif sees_on_invitation(user, item.consultation):
            entries.append(TimelineEntry(item, on_invitation=True))
    return entries


def earlier_questions(consultation: Consultation) -> list[tuple[TrajectoryRound, Question]]:
    """The questions of the rounds before ``consultation``'s in its trajectory, in order."""
    item = round_of(consultation)
    if item is None:
        return []
    found = []
    for earlier in item.trajectory.rounds[:item.trajectory.rounds.index(item)]:
        for theme in earlier.consultation.themes:
            found.extend((earlier, question) for question in theme.questions)
    return found


def same_as_allowed(consultation: Consultation, question_id: int | None, kind: QuestionKind) -> bool:
    """A question may be marked as the same as one of an earlier round of the same kind only."""
    if question_id is None:
        return True
    return any(q.id == question_id and q.kind == kind for _r, q in earlier_questions(consultation))


# --- asking to join an invitation-only round --------------------------------------------------

def request_to_join(consultation: Consultation, organisation: Organisation, *, reason: str, by: User) -> JoinRequest:
    """Ask the team to invite ``organisation`` (one request per organisation: asking again after a
    decline reopens it, asking again while it waits changes nothing but the reason). The team is told."""
    if consultation.status == Status.DRAFT or consultation.status.is_closed or not consultation.invited_only:
        raise TrajectoryRefused(_l("This round does not take requests to join."), field="reason")
    if organisation in consultation.invited:
        raise TrajectoryRefused(_l("%(org)s is invited already.", org=organisation.name), field="reason")
    request = _join_request_of(consultation, organisation)
    # A colleague's first request sent at the same moment is the one that counts.
    with _refused_if_taken(_l("%(org)s has asked to join already.", org=organisation.name), field="reason"):
        if request is None:
            request = JoinRequest(consultation=consultation, organisation=organisation, requested_by_id=by.id,
                                  reason=reason)
            db.session.add(request)
        else:
            request.status, request.reason, request.requested_by_id = JoinStatus.PENDING, reason, by.id
            request.requested_at, request.decided_at, request.decision_reason = utcnow(), None, ""
            request.decided_by_id = None
            request.version += 1
    record_event("join_requested", actor=by, obj=consultation, organisation_id=organisation.id)
    tell_team(consultation, "join_requested", link=url_path("consultations.access", slug=consultation.slug),
              dedupe_key=f"join:{request.id}:{request.version}", data={"organisation": organisation.name})
    return request


def _join_request_of(consultation: Consultation, organisation: Organisation) -> JoinRequest | None:
    return db.session.scalar(select(JoinRequest).where(JoinRequest.consultation_id == consultation.id,
                                                       JoinRequest.organisation_id == organisation.id))


@contextmanager
def _refused_if_taken(message, *, field: str | None = None):
    """Write what the block adds in a savepoint of its own; when another request wrote the same
    one-of-a-kind row (a round of a consultation, an organisation's request) a moment before,
    refuse with ``message`` instead of failing: the checks before it could not see that row yet."""
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError:
        raise TrajectoryRefused(message, field=field) from None


def pending_requests(consultation: Consultation) -> list[JoinRequest]:
    return list(db.session.scalars(
        select(JoinRequest).where(JoinRequest.consultation_id == consultation.id,
                                  JoinRequest.status == JoinStatus.PENDING)
        .options(selectinload(JoinRequest.organisation), selectinload(JoinRequest.requested_by))
        .order_by(JoinRequest.requested_at, JoinRequest.id)))


def own_requests(user, consultation: Consultation) -> list[JoinRequest]:
    """The requests of ``user``'s organisations for this consultation (what they asked and heard)."""
    ids = [m.organisation_id for m in getattr(user, "memberships", [])]
    if not ids:
        return []
    return list(db.session.scalars(select(JoinRequest).where(
        JoinRequest.consultation_id == consultation.id, JoinRequest.organisation_id.in_(ids))
        .order_by(JoinRequest.id)))


def decide_join_request(request: JoinRequest, *, grant: bool, reason: str, version: int | None, by: User) -> None:
    """Grant (the organisation joins the invited ones) or decline with a reason. The decision is
    written only while the request still waits at ``version``, in one conditional UPDATE: of two
    team members deciding at once one wins and the other gets :class:`AlreadyHandled`, so nothing
    is granted twice. The person who asked is told."""
    if not grant and not reason:
        raise TrajectoryRefused(_l("Say why the request is declined."), field="reason")
    status = JoinStatus.GRANTED if grant else JoinStatus.DECLINED
    base = request.version if version is None else version
    if not update_if_version(request, base, where=(JoinRequest.status == JoinStatus.PENDING,), status=status,
                             decision_reason=reason, decided_by_id=by.id, decided_at=utcnow()):
        db.session.refresh(request)
        raise AlreadyHandled(request)
    consultation = request.consultation
    if grant and request.organisation not in consultation.invited:
        consultation.invited = sorted([*consultation.invited, request.organisation], key=lambda o: o.name.lower())
    record_event("join_request_" + status.value, actor=by, obj=consultation, organisation_id=request.organisation_id)
    item = round_of(consultation)
    link = (url_path("consultations.show", slug=consultation.slug) if grant else
            url_path("consultations.trajectory", trajectory_slug=item.trajectory.slug) if item else "")
    # Not tied to the consultation: a declined organisation may not hear of it otherwise.
    notify([request.requested_by], Kind.CHANGED, link=link, dedupe_key=f"join:{request.id}:{request.version}",
           data={"event": "join_" + status.value, "consultation": consultation.title,
                 "organisation": request.organisation.name, "reason": reason})


# --- what changed since an earlier round -------------------------------------------------------

CHANGE_LABELS = {"text": _l("the wording"), "kind": _l("the kind of answer"), "options": _l("the options")}


@dataclass
class SinceEarlier:
    """How a question of a later round relates to the earlier rounds: ``earlier`` is the question it
    is marked the same as (None: new in this round), with its round's number; ``changed`` names what
    differs ("text", "kind", "options") and ``ops`` is the word diff of the text when it changed."""

    question: Question
    earlier: Question | None
    round_number: int | None = None
    changed: tuple[str, ...] = ()
    ops: tuple[tuple[str, str], ...] = ()

    @property
    def is_new(self) -> bool:
        return self.earlier is None

    @property
    def changed_labels(self) -> list[str]:
        return [str(CHANGE_LABELS[name]) for name in self.changed]


def since_earlier(user, consultation: Consultation, questions=None) -> dict[int, SinceEarlier]:
    """Per question of ``consultation`` (or of ``questions``): what changed since the earlier round it
    is marked the same as, or that it is new. Empty when the consultation is no round or its first.

    Only rounds ``user`` may view are compared with: a question marked the same as one of a round
    they can't open (invitation-only, or still a draft) gets no entry at all, so neither that
    round's wording nor a diff with it reaches them (nor "new", which would not be true)."""
    item = round_of(consultation)
    if item is None:
        return {}
    rounds = item.trajectory.rounds
    position = rounds.index(item)
    if position == 0:
        return {}
    numbers = {r.consultation_id: n for n, r in enumerate(rounds[:position], start=1)}
    if questions is None:
        questions = [q for theme in consultation.themes for q in theme.questions]
    earlier_ids = {q.same_as_id for q in questions if q.same_as_id is not None}
    earlier = {q.id: (q, consultation_id) for q, consultation_id in db.session.execute(
        select(Question, Theme.consultation_id).join(Theme).where(Question.id.in_(earlier_ids)))} if earlier_ids else {}
    viewable = {r.consultation_id for r in rounds[:position] if can_view_consultation(user, r.consultation)}
    result = {}
    for question in questions:
        found = earlier.get(question.same_as_id)
        if found is not None and found[1] in numbers and found[1] not in viewable:
            continue
        if found is None or found[1] not in numbers:
            result[question.id] = SinceEarlier(question, None)
            continue
        before = found[0]
        changed = tuple(name for name, differs in (
            ("text", before.text.split() != question.text.split()), ("kind", before.kind != question.kind),
            ("options", list(before.options or []) != list(question.options or []))) if differs)
        ops = tuple(word_diff(before.text, question.text)) if "text" in changed else ()
        result[question.id] = SinceEarlier(question, before, numbers[found[1]], changed, ops)
    return result


@dataclass(frozen=True)
class EarlierRef:
    """Input of an earlier round as a later round names it ("<consultation id>:<type>:<ref>", the
    ``source_ref`` of an "earlier_round" evidence link): which round's consultation, and the input's
    own type and ref in that round."""

    consultation_id: int
    source_type: str
    ref: str

    def __str__(self) -> str:
        return f"{self.consultation_id}:{self.source_type}:{self.ref}"


def earlier_ref(consultation_id: int, source_type: str, ref: str) -> str:
    """The ref by which a later round names ``source_type``/``ref`` of the round ``consultation_id``."""
    return str(EarlierRef(consultation_id, source_type, ref))


def parse_earlier_ref(text: str) -> EarlierRef | None:
    """What :func:`earlier_ref` made; None for text that is no such ref (posted text may be anything)."""
    number, _sep, rest = (text or "").partition(":")
    source_type, sep, ref = rest.partition(":")
    consultation_id = db_int(number)
    if consultation_id is None or not sep or not source_type:
        return None
    return EarlierRef(consultation_id, source_type, ref)


def earlier_rounds(consultation: Consultation, item: TrajectoryRound | None = None) -> list[tuple[int, TrajectoryRound]]:
    """The rounds before ``consultation``'s in its trajectory (``item``: its round, when read
    already), each with its number, in order."""
    item = item or round_of(consultation)
    if item is None:
        return []
    rounds = item.trajectory.rounds
    return list(enumerate(rounds[:rounds.index(item)], start=1))
