"""Who may see, write, open and comment on drafts. Comments are organisation-scoped: they are only
loaded through the helpers here, which take the acting user, so changing an id in a URL never
reaches another organisation's comment; what of others' comments a person sees is decided by
consult.disclosure.comments."""
from __future__ import annotations

from flask import abort
from sqlalchemy import and_, case, exists, false, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from consult.consultations.models import (
    Consultation,
    ParticipantAudience,
    Status,
    TeamMember,
    consultation_invited_organisations,
)
from consult.consultations.permissions import can_edit_consultation, can_view_consultation, is_team
from consult.core.predicates import predicate
from consult.core.time import utcnow
from consult.disclosure.comments import may_show_comment
from consult.drafts.models import Draft, DraftComment, DraftParagraph
from consult.extensions import db
from consult.orgs.models import Organisation, OrgKind
from consult.responses.permissions import responding_organisations
from consult.sessions.permissions import audience_organisations

HOME_LIMIT = 10  # the home page lists the drafts closing soonest; the consultation pages list them all


def commenting_organisations(user, draft: Draft) -> list[Organisation]:
    """The user's provider and council organisations that the draft's audience includes."""
    return audience_organisations(user, draft)


@predicate
def can_manage_drafts(user, consultation: Consultation) -> bool:
    """Editors (and admins) write drafts, open them for comment and answer the comments."""
    return can_edit_consultation(user, consultation)


@predicate
def can_view_drafts(user, consultation: Consultation) -> bool:
    """The list of drafts: the team, and participants the consultation is open to."""
    return is_team(user, consultation) or (consultation.status != Status.DRAFT
                                           and can_view_consultation(user, consultation)
                                           and bool(user and user.is_authenticated))


@predicate
def can_view_draft(user, draft: Draft) -> bool:
    """The team always; outside it, members of an organisation in the draft's audience who may see
    the consultation, from the moment the comment period opens (and after it ends)."""
    consultation = draft.consultation
    if is_team(user, consultation):
        return True
    return draft.opens_at is not None and draft.opens_at <= utcnow() and consultation.status != Status.DRAFT \
        and can_view_consultation(user, consultation) and bool(commenting_organisations(user, draft))


@predicate
def can_comment(user, draft: Draft) -> bool:
    """Providers and councils of the audience, while the period is open; the team answers, it does not comment."""
    return draft.is_open() and not is_team(user, draft.consultation) and can_view_draft(user, draft)


@predicate
def can_change_comment(user, comment: DraftComment) -> bool:
    """A member of the commenting organisation, while the period is open and the comment stands."""
    draft = comment.paragraph.draft
    return not comment.withdrawn and draft.is_open() and can_view_draft(user, draft) \
        and any(org.id == comment.organisation_id for org in commenting_organisations(user, draft))


@predicate
def can_reply_to_comment(user, comment: DraftComment) -> bool:
    return not comment.withdrawn and can_manage_drafts(user, comment.paragraph.draft.consultation)


def _audience_clause(organisations: list[Organisation]):
    """Drafts whose audience includes one of ``organisations`` (the rule of ``commenting_organisations``
    in SQL)."""
    kinds = {org.kind for org in organisations}
    clauses = [Draft.audience == ParticipantAudience.BOTH,
               and_(Draft.audience == ParticipantAudience.INVITED,
                    exists().where(consultation_invited_organisations.c.consultation_id == Draft.consultation_id,
                                   consultation_invited_organisations.c.organisation_id.in_(
                                       [org.id for org in organisations])))]
    if OrgKind.PROVIDER in kinds:
        clauses.append(Draft.audience == ParticipantAudience.PROVIDERS)
    if OrgKind.COUNCIL in kinds:
        clauses.append(Draft.audience == ParticipantAudience.COUNCILS)
    return or_(*clauses)


def list_order(now):
    """The order of a list of drafts, in SQL: open for comment now (closing soonest first), not yet
    scheduled (the team's drafts in preparation, newest first), opening later (soonest first), then
    those whose period ended (most recently closed first)."""
    state = case((Draft.opens_at.is_(None), 1), (Draft.closes_at <= now, 3), (Draft.opens_at > now, 2), else_=0)
    return (state, case((state == 0, Draft.closes_at), (state == 2, Draft.opens_at)).asc(),
            case((state == 3, Draft.closes_at)).desc(), Draft.created_at.desc(), Draft.id.desc())


def visible_drafts_query(user, consultation: Consultation):
    """The consultation's drafts the user may see (``can_view_draft`` in SQL), in ``list_order``."""
    query = select(Draft).where(Draft.consultation_id == consultation.id)
    if not is_team(user, consultation):
        organisations = responding_organisations(user)
        if not organisations or consultation.status == Status.DRAFT or not can_view_consultation(user, consultation):
            query = query.where(false())
        else:
            query = query.where(Draft.opens_at.is_not(None), Draft.opens_at <= utcnow(),
                                _audience_clause(organisations))
    return query.order_by(*list_order(utcnow()))


def visible_drafts(user, consultation: Consultation) -> list[Draft]:
    """The consultation's drafts the user may see, open ones first (``list_order``)."""
    return list(db.session.scalars(visible_drafts_query(user, consultation)))


@predicate
def participant_drafts(user, consultation: Consultation) -> list[Draft]:
    """The drafts a provider or council member may open (open for comment now, or after the period
    with the published comments), for the consultation page; nothing for the team's own accounts."""
    if not responding_organisations(user) or is_team(user, consultation):
        return []  # anonymous visitors and the team: no query
    return visible_drafts(user, consultation)


def shown_comments(user, draft: Draft) -> dict[int, list[DraftComment]]:
    """The comments on the draft that the user may see, per paragraph id: the team all that stand,
    the user's own organisations theirs, others' only as the disclosure gate allows."""
    comments = db.session.scalars(
        select(DraftComment).join(DraftParagraph).where(DraftParagraph.draft_id == draft.id)
        .options(joinedload(DraftComment.organisation)).order_by(DraftComment.id))
    shown: dict[int, list[DraftComment]] = {}
    for comment in comments:
        if comment.withdrawn_at is None and may_show_comment(comment, user):
            shown.setdefault(comment.paragraph_id, []).append(comment)
    return shown


def draft_or_404(user, draft_id: int) -> Draft:
    draft = db.session.get(Draft, draft_id)
    if draft is None or not can_view_draft(user, draft):
        abort(404)
    return draft


def paragraph_or_404(draft: Draft, paragraph_id: int) -> DraftParagraph:
    paragraph = db.session.get(DraftParagraph, paragraph_id)
    if paragraph is None or paragraph.draft_id != draft.id:
        abort(404)
    return paragraph


def own_comment_or_404(user, comment_id: int) -> DraftComment:
    """A comment of one of the user's organisations, or 404: never another organisation's."""
    org_ids = [org.id for org in responding_organisations(user)]
    comment = db.session.scalar(select(DraftComment).where(
        DraftComment.id == comment_id, DraftComment.organisation_id.in_(org_ids))) if org_ids else None
    if comment is None or comment.withdrawn:
        abort(404)
    return comment


def managed_comment_or_404(user, comment_id: int) -> DraftComment:
    """A comment on a draft of a consultation the user's team manages; 404 otherwise."""
    comment = db.session.get(DraftComment, comment_id)
    if comment is None or not can_manage_drafts(user, comment.paragraph.draft.consultation):
        abort(404)
    return comment


def drafts_to_comment(user, limit: int = HOME_LIMIT) -> list[Draft]:
    """The drafts open for comment now that the user may comment on, closing soonest first, at most
    ``limit`` (the home page's "to do"): ``can_comment`` in one query (audience, closed consultations
    only for invited organisations, never a consultation the user is on the team of)."""
    organisations = responding_organisations(user)
    if not organisations or user.is_admin:
        return []  # admins are on every team: the team answers, it does not comment
    now = utcnow()
    org_ids = [org.id for org in organisations]
    invited = exists().where(consultation_invited_organisations.c.consultation_id == Consultation.id,
                             consultation_invited_organisations.c.organisation_id.in_(org_ids))
    on_team = exists().where(TeamMember.consultation_id == Consultation.id, TeamMember.user_id == user.id)
    return list(db.session.scalars(select(Draft).join(Consultation).where(
        Draft.opens_at <= now, Draft.closes_at > now, Consultation.status != Status.DRAFT,
        or_(Consultation.invited_only.is_(False), invited), ~on_team, _audience_clause(organisations))
        .options(contains_eager(Draft.consultation)).order_by(Draft.closes_at, Draft.id).limit(limit)))
