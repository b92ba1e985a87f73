"""Who may see and change a response. Responses are organisation-scoped data: they are only
ever loaded through the helpers here, which take the acting user, so changing an id in a URL
never reaches another organisation's response."""
from __future__ import annotations

from functools import cache

from flask import abort
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased, contains_eager, joinedload, lazyload, selectinload, with_expression

from consult.consultations.models import Consultation, Question, Theme
from consult.consultations.permissions import can_view_consultation, is_team
from consult.core.predicates import predicate
from consult.extensions import db
from consult.orgs.models import Organisation, OrgKind
from consult.responses.models import Answer, Response, ResponseStatus, Submission


@predicate
def responding_organisations(user) -> list[Organisation]:
    """The provider and council organisations on whose behalf ``user`` may respond."""
    if not (user and user.is_authenticated):
        return []
    return [m.organisation for m in user.memberships
            if m.organisation.kind in (OrgKind.PROVIDER, OrgKind.COUNCIL)]


@predicate
def is_participant(user, consultation: Consultation) -> bool:
    """The team, or a provider or council member the consultation is open to."""
    return is_team(user, consultation) or (bool(responding_organisations(user))
                                           and can_view_consultation(user, consultation))


@predicate
def can_respond(user, consultation: Consultation) -> bool:
    return consultation.accepts_responses() and bool(responding_organisations(user)) \
        and can_view_consultation(user, consultation)


@predicate
def is_member_of_response(user, response: Response) -> bool:
    return any(org.id == response.organisation_id for org in responding_organisations(user))


@predicate
def can_edit_response(user, response: Response) -> bool:
    """Members of the organisation, until the deadline."""
    return is_member_of_response(user, response) and response.consultation.accepts_responses() \
        and can_view_consultation(user, response.consultation)


@predicate
def can_view_submission(user, response: Response) -> bool:
    """The team sees a response once it has been submitted (drafts never)."""
    return is_team(user, response.consultation) and bool(response.submissions)


def _response_query():
    # The organisation is left to a lazy load: for its own members it is already in the session
    # (their memberships loaded it), so no query is needed at all.
    return select(Response).options(
        selectinload(Response.answers).selectinload(Answer.attachments),
        selectinload(Response.submissions),
    )


def own_response_or_404(user, response_id: int, *, question_id: int | None = None) -> Response:
    """A response of one of the user's own organisations, or 404.

    With ``question_id`` (one answer's request, such as an autosave) only that question's answer
    is loaded into ``response.answers``, in the same query, and its attachments and the
    submissions are left to lazy loads: an autosave then reads one answer row however many
    questions the response has answered. The caller must not use the response's other answers."""
    org_ids = [org.id for org in responding_organisations(user)]
    if question_id is None:
        query = _response_query()
    else:
        query = select(Response).options(joinedload(Response.answers.and_(Answer.question_id == question_id)))
    response = db.session.scalar(query.options(joinedload(Response.consultation)).where(
        Response.id == response_id, Response.organisation_id.in_(org_ids)))
    if response is None or not can_view_consultation(user, response.consultation):
        abort(404)  # a consultation closed to other organisations closes their responses too
    return response


# Built once: an alias made per request costs an autosave more than the statement it saves.
_other = aliased(Question)
_THEME_HAS_CONDITIONS = (select(_other.id).where(_other.theme_id == Question.theme_id, _other.condition.is_not(None))
                         .exists())


@cache
def _response_and_question():
    """own_response_and_question_or_404's statement, built once like the alias (at the first request:
    the relationships it names need every model); the parameters are bound per request, so the
    objects it loads must not be ``refresh()``-ed as a whole (the loader option would be replayed
    without its value; expiring and reloading attributes is fine). The question's lot and
    municipality, which an autosave shows only on the "keep both texts" screen, are left to lazy loads."""
    return (select(Response, Question)
            .join(Theme, Theme.consultation_id == Response.consultation_id)
            .join(Question, (Question.theme_id == Theme.id) & (Question.id == bindparam("question_id")))
            .options(joinedload(Response.answers.and_(Answer.question_id == bindparam("question_id"))),
                     joinedload(Response.consultation), lazyload(Question.lot), lazyload(Question.municipality),
                     with_expression(Question.theme_has_conditions, _THEME_HAS_CONDITIONS))
            .where(Response.id == bindparam("response_id"),
                   Response.organisation_id.in_(bindparam("org_ids", expanding=True))))


def own_response_and_question_or_404(user, response_id: int, question_id: int) -> tuple[Response, Question]:
    """A response of one of the user's own organisations with one question of its consultation, in
    one query (an autosave): ``response.answers`` holds only that question's answer, as with
    :func:`own_response_or_404` and ``question_id``. 404 when either is not the user's to see.
    Whether the organisation is asked the question is the caller's to check."""
    org_ids = [org.id for org in responding_organisations(user)]
    row = db.session.execute(_response_and_question(), {"response_id": response_id, "question_id": question_id,
                                                      "org_ids": org_ids}).unique().first()
    if row is None or not can_view_consultation(user, row[0].consultation):
        abort(404)
    return row[0], row[1]


def submitted_response_for_team_or_404(user, consultation: Consultation, response_id: int) -> Response:
    """A submitted (or withdrawn after submitting) response of this consultation, for its team."""
    if not is_team(user, consultation):
        abort(404)
    response = db.session.scalar(_response_query().where(
        Response.id == response_id, Response.consultation_id == consultation.id,
        Response.status != ResponseStatus.DRAFT))
    if response is None or not response.submissions:
        abort(404)
    return response


TEAM_LIST_PAGE_SIZE = 50


def team_response_page(user, consultation: Consultation, page: int = 1):
    """One page of the responses of this consultation that have been submitted at least once,
    by organisation name, with their number of revisions. Sorted, counted and paged in SQL: a
    page costs the same with 10 or 10,000 responses (no submission's content is loaded)."""
    if not is_team(user, consultation):
        abort(404)
    revisions = (select(func.count(Submission.id)).where(Submission.response_id == Response.id)
                 .correlate(Response).scalar_subquery())
    query = (select(Response).join(Response.organisation)
             .where(Response.consultation_id == consultation.id, Response.status != ResponseStatus.DRAFT)
             .options(contains_eager(Response.organisation), with_expression(Response.revisions, revisions))
             .order_by(func.lower(Organisation.name), Organisation.id, Response.id))
    result = db.paginate(query, page=max(page, 1), per_page=TEAM_LIST_PAGE_SIZE, error_out=False)
    if result.pages and result.page > result.pages:  # past the end (an old link): the last page
        result = db.paginate(query, page=result.pages, per_page=TEAM_LIST_PAGE_SIZE, error_out=False)
    return result


def own_response(user, org: Organisation, consultation: Consultation) -> Response | None:
    """The response of ``org`` (one of the user's organisations) to ``consultation``, if started."""
    if org.id not in {o.id for o in responding_organisations(user)}:
        return None
    return db.session.scalar(select(Response).where(Response.organisation_id == org.id,
                                                    Response.consultation_id == consultation.id))
