"""Every route in the URL map, walked as every kind of user against objects that belong to
someone else. A route without an entry in ACCESS fails the test, so a new page cannot ship
without a decision on who may reach it.

Roles: anonymous; provider A (owns the response, the thread and the post used below);
provider B (another provider); council (a member of a Wmo advisory council); other_team
(on the team of another consultation only); analyst and editor (on the consultation's team);
admin. GET routes are requested by every role. POST-only routes are sent by every role that
must be refused (with a valid CSRF token and no data); the roles that may act are marked
ALLOWED and their actions are covered by each feature's own tests, since acting would change
the data the walk relies on.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.advice.models import Advice, AdvicePoint
from consult.consultations.models import Consultation, Document, Lot, Phase, TeamMember, TeamRole
from consult.core.jobs import run_committed_jobs
from consult.core.time import utcnow
from consult.demo import DEMO_PASSWORD
from consult.dialogue.models import Post, Thread
from consult.drafts.models import Draft, DraftComment, DraftParagraph
from consult.extensions import db
from consult.notify.models import Notification
from consult.orgs.models import Invitation, MemberRole, Membership, OrgKind
from consult.qa.models import QaItem
from consult.reports.models import ExportJob
from consult.responses.models import Attachment, Response
from consult.sessions.models import AgendaItem, DialogueSession, MinutesComment, MinutesPoint, Registration
from consult.strategy.models import Segment
from consult.tariffs.models import FundingScenario
from tests.conftest import csrf_token_from, login, make_org, make_user
from tests.demo import load_demo

ROLES = ["anonymous", "provider_a", "provider_b", "council", "other_team", "analyst", "editor", "admin"]
LOGIN = "login"  # in ACCESS "L": a redirect to the login page
ALLOWED_CODE = "A"  # in ACCESS: a POST the role may send; not sent by the walk

OPEN_SLUG = "marktconsultatie-wmo-leidse-regio"
CLOSED_SLUG = "dialoog-dagbesteding-2025"


def build_world() -> dict:
    """The demo data, an analyst on both demo consultations, a team member of another
    consultation, an attachment and an export of provider A, and a pending erasure request."""
    import hashlib

    from consult.auth.models import User
    from consult.core.uploads import upload_dir
    from consult.privacy.models import ErasureRequest
    from consult.responses.models import Answer

    load_demo()
    open_one = db.session.scalar(select(Consultation).where(Consultation.slug == OPEN_SLUG))
    closed = db.session.scalar(select(Consultation).where(Consultation.slug == CLOSED_SLUG))
    municipality = make_org("Gemeente Katwijk", kind=OrgKind.MUNICIPALITY)
    other = Consultation(slug="andere-consultatie", title="Andere", principles=[], municipalities=[municipality])
    db.session.add(other)
    db.session.commit()
    analyst = make_user("analist@example.org", name="Anna Analist")
    outsider = make_user("ander-team@example.org", name="Otto Ander")
    db.session.add_all([TeamMember(consultation=open_one, user=analyst, role=TeamRole.ANALYST),
                        TeamMember(consultation=closed, user=analyst, role=TeamRole.ANALYST),
                        TeamMember(consultation=other, user=outsider, role=TeamRole.EDITOR),
                        ErasureRequest(user=outsider)])
    provider_a = db.session.scalar(select(User).where(User.email == "zorg1@example.org"))
    answer = db.session.scalar(select(Answer).join(Response).where(
        Response.consultation_id == open_one.id,
        Response.organisation_id == provider_a.memberships[0].organisation_id).order_by(Answer.id))
    content = b"%PDF-1.4\n%%EOF\n"
    stored = "a" * 40
    (upload_dir() / stored).write_bytes(content)
    db.session.add(Attachment(answer=answer, original_name="bijlage.pdf", stored_name=stored, file_type="pdf",
                              size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                              uploaded_by_id=provider_a.id))
    db.session.commit()
    # Rounds of a trajectory (consult/consultations/trajectory_*): the demo's trajectory has the
    # sounding-board round and the open consultation as its rounds; a request to join the open one.
    from consult.consultations.trajectory_models import JoinRequest

    db.session.add(JoinRequest(consultation=open_one, organisation=municipality, reason="Graag."))
    db.session.commit()
    # A draft open for comment (consult/drafts) with a comment of provider A on its second paragraph.
    from consult.drafts.services import add_comment, create_document, open_for_comment

    editor = db.session.scalar(select(User).where(User.email == "team@example.org"))
    draft = create_document(open_one, title="Programma van eisen", introduction="",
                            body="Eerste alinea.\n\nTweede alinea.", by=editor)
    open_for_comment(draft, opens_at=utcnow() - timedelta(days=1), closes_at=utcnow() + timedelta(days=7),
                     audience="both", version=draft.version, by=editor)
    add_comment(draft.paragraphs[1], provider_a.memberships[0].organisation, body="Graag aanpassen.",
                confidential=False, publication="named", by=provider_a)
    db.session.commit()
    run_committed_jobs()  # the published report's files, rendered as the job queue would
    return {"open": open_one, "closed": closed}


@pytest.fixture
def world(app):
    return build_world()


def _clients(app) -> dict:
    accounts = {"provider_a": ("zorg1@example.org", DEMO_PASSWORD),
                "provider_b": ("zorg2@example.org", DEMO_PASSWORD),
                "council": ("adviesraad@example.org", DEMO_PASSWORD),
                "other_team": ("ander-team@example.org", None),
                "analyst": ("analist@example.org", None),
                "editor": ("team@example.org", DEMO_PASSWORD),
                "admin": ("beheer@example.org", DEMO_PASSWORD)}
    clients = {"anonymous": app.test_client()}
    for role, (email, password) in accounts.items():
        client = app.test_client()
        response = login(client, email, password) if password else login(client, email)
        assert response.status_code == 302, role
        clients[role] = client
    return clients


def _ids(world) -> dict[str, dict[str, object]]:
    """One object per URL argument, owned by provider A, council 1 or the consultation; for
    the open consultation and for the closed one (analysis, strategy and report)."""
    from consult.auth.models import User

    provider_a = db.session.scalar(select(User).where(User.email == "zorg1@example.org"))
    membership = db.session.scalar(select(Membership).where(Membership.user_id == provider_a.id))
    response = db.session.scalar(select(Response).where(Response.organisation_id == membership.organisation_id,
                                                        Response.consultation_id == world["open"].id))
    theme = world["open"].themes[0]
    thread = db.session.scalar(select(Thread).where(Thread.author_id == provider_a.id))
    post = db.session.scalar(select(Post).where(Post.author_id == provider_a.id))
    attachment = db.session.scalar(select(Attachment).where(Attachment.stored_name == "a" * 40))
    advice = db.session.scalar(select(Advice))
    first = lambda model: db.session.scalar(select(model).order_by(model.id))  # noqa: E731
    editor = db.session.scalar(select(User).where(User.email == "team@example.org"))
    job = ExportJob(consultation_id=world["open"].id, user_id=editor.id, variant="internal",
                    fmt="csv", status="queued")
    invitation = Invitation(email="uitgenodigd@example.org", organisation_id=membership.organisation_id,
                            role=MemberRole.MEMBER, token_hash="0" * 64, invited_by_id=provider_a.id,
                            expires_at=utcnow() + timedelta(days=7))
    db.session.add_all([job, invitation])
    db.session.commit()
    document = first(Document)
    from consult.consultations.trajectory_models import JoinRequest, Trajectory, TrajectoryRound
    from consult.privacy.models import ErasureRequest

    closed_theme = world["closed"].themes[0]
    common = {
        "response_id": response.id,
        "thread_id": thread.id, "post_id": post.id, "attachment_id": attachment.id if attachment else 1,
        "advice_id": advice.id, "point_id": first(AdvicePoint).id, "item_id": first(QaItem).id,
        "segment_id": first(Segment).id, "document_id": document.id, "scenario_id": first(FundingScenario).id,
        "version_id": document.versions[0].id, "phase_id": first(Phase).id, "lot_id": first(Lot).id,
        "notification_id": db.session.scalar(select(Notification.id).where(Notification.user_id == provider_a.id)),
        "job_id": job.id, "membership_id": membership.id, "invitation_id": invitation.id, "org_id": membership.organisation_id,
        "user_id": provider_a.id, "member_id": first(TeamMember).id,
        "request_id": first(ErasureRequest).id,
        "session_id": first(DialogueSession).id,
        "draft_id": first(Draft).id, "paragraph_id": first(DraftParagraph).id,
        "draft_comment_id": first(DraftComment).id,
        "agenda_item_id": first(AgendaItem).id,
        "minutes_point_id": first(MinutesPoint).id, "minutes_comment_id": first(MinutesComment).id,
        "registration_id": db.session.scalar(select(Registration.id).where(Registration.user_id == provider_a.id)),
        "trajectory_slug": first(Trajectory).slug, "round_id": first(TrajectoryRound).id, "join_id": first(JoinRequest).id,
        "token": "not-a-valid-token", "number": 1, "decision": "confirm",
        "audience": "providers", "variant": "internal", "filename": "css/consult.css",
    }
    return {
        OPEN_SLUG: {**common, "slug": OPEN_SLUG, "theme_id": theme.id, "question_id": theme.questions[0].id},
        CLOSED_SLUG: {**common, "slug": CLOSED_SLUG, "theme_id": closed_theme.id,
                      "question_id": closed_theme.questions[0].id},
    }


CLOSED_ENDPOINT_PREFIXES = ("analysis.", "strategy.", "reports.", "tariffs.", "api.")


# Arguments that differ per route.
ROUTE_VALUES = {
    "reports.answers": {"fmt": "csv"},
    "reports.download": {"fmt": "odt"},
    "qa.export": {"fmt": "odt"},
    "advice.export": {"fmt": "odt"},
    "strategy.export": {"fmt": "odt"},
    "consultations.theme_action": {"action": "up"},
    "consultations.question_action": {"action": "up"},
    "consultations.trajectory_round_action": {"action": "up"},
    "dialogue.thread_action": {"action": "lock"},
    "dialogue.moderate": {"action": "restore"},
    "responses.cost_sum": {"row": 0},
    "api.woo_sitemap_index": {"code": "infocat015"},
    "api.woo_sitemap": {"code": "infocat015"},
    # Single sign-on is not configured in the walk: its routes answer 404 (tests/test_sso.py).
    "sso.login": {"name": "staff"},
    "sso.callback": {"name": "staff"},
    "sso.backchannel_logout": {"name": "staff"},
}
# Form data sent with a POST where an empty form would be refused before access is checked.
POST_DATA = {"reports.start_export": {"variant": "internal", "fmt": "csv"}}


def _url(rule, ids) -> str:
    slug = CLOSED_SLUG if rule.endpoint.startswith(CLOSED_ENDPOINT_PREFIXES) else OPEN_SLUG
    values = {**ids[slug], **ROUTE_VALUES.get(rule.endpoint, {})}
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(r"<(?:[^:<>]+:)?" + name + r"(?:\([^)]*\))?>", str(values[name]), url)
    return url


def _status(response) -> object:
    if response.status_code == 302 and response.headers["Location"].startswith("/login"):
        return LOGIN
    return response.status_code


# Routes the walk leaves out, with the reason.
SKIP = {
    "auth.logout": "ends the session the walk uses (tested in test_auth)",
    "core.switch_language": "changes the session's language (tested in test_i18n)",
    "auth.extend_session": "renews the session of whoever sends it (tested in test_auth)",
}


#                                                                                  anon  A    B  council other analyst editor admin  # noqa: E501
ACCESS = {
    "GET /":                                                                         "200 200 200 200 200 200 200 200",
    "GET /api/v1":                                                                    "200 200 200 200 200 200 200 200",
    "GET /api/v1/catalogue.jsonld":                                                   "200 200 200 200 200 200 200 200",
    "GET /api/v1/consultations":                                                      "200 200 200 200 200 200 200 200",
    "GET /api/v1/consultations/<slug>":                                               "200 200 200 200 200 200 200 200",
    "GET /api/v1/consultations/<slug>/advice":                                        "200 200 200 200 200 200 200 200",
    "GET /api/v1/consultations/<slug>/answers":                                       "200 200 200 200 200 200 200 200",
    "GET /api/v1/consultations/<slug>/ocds":                                         "200 200 200 200 200 200 200 200",
    "GET /api/v1/consultations/<slug>/qa":                                            "200 200 200 200 200 200 200 200",
    "GET /api/v1/consultations/<slug>/report":                                        "200 200 200 200 200 200 200 200",
    "GET /api/v1/consultations/<slug>/statistics":                                    "200 200 200 200 200 200 200 200",
    "GET /api/v1/docs":                                                               "200 200 200 200 200 200 200 200",
    "GET /api/v1/openapi.json":                                                       "200 200 200 200 200 200 200 200",
    "GET /api/v1/woo/documents":                                                      "200 200 200 200 200 200 200 200",
    "GET /accessibility":                                                            "200 200 200 200 200 200 200 200",
    "GET /account":                                                                  "  L 200 200 200 200 200 200 200",
    "GET /account/data.json":                                                        "  L 200 200 200 200 200 200 200",
    "GET /account/delete":                                                           "  L 200 200 200 200 200 200 200",
    "POST /account/delete/cancel":                                                   "  L   A   A   A   A   A   A   A",
    "GET /account/notifications":                                                    "  L 200 200 200 200 200 200 200",
    "POST /account/password":                                                        "  L   A   A   A   A   A   A   A",
    "GET /account/two-factor":                                                       "  L 200 200 200 200 200 200 200",
    "POST /account/two-factor/off":                                                  "  L   A   A   A   A   A   A   A",
    "GET /account/two-factor/qr.svg":                                                "  L 200 200 200 200 200 200 200",
    "POST /account/two-factor/recovery-codes":                                       "  L   A   A   A   A   A   A   A",
    "GET /admin/":                                                                   "  L 403 403 403 403 403 403 302",
    "GET /admin/audit":                                                              "  L 403 403 403 403 403 403 200",
    "GET /admin/erasure":                                                            "  L 403 403 403 403 403 403 200",
    "POST /admin/erasure/<int:request_id>/<any(confirm, reject):decision>":          "  L 403 403 403 403 403 403   A",
    "POST /admin/memberships/<int:membership_id>/remove":                            "  L 403 403 403 403 403 403   A",
    "POST /admin/memberships/<int:membership_id>/role":                              "  L 403 403 403 403 403 403   A",
    "GET /admin/organisations":                                                      "  L 403 403 403 403 403 403 200",
    "GET /admin/organisations/<int:org_id>":                                         "  L 403 403 403 403 403 403 200",
    "POST /admin/organisations/<int:org_id>/confirm-kvk":                            "  L 403 403 403 403 403 403   A",
    "POST /admin/organisations/<int:org_id>/invite":                                 "  L 403 403 403 403 403 403   A",
    "GET /admin/organisations/new":                                                  "  L 403 403 403 403 403 403 200",
    "GET /admin/users":                                                              "  L 403 403 403 403 403 403 200",
    "GET /admin/users/<int:user_id>":                                                "  L 403 403 403 403 403 403 200",
    "POST /admin/users/<int:user_id>/activate":                                      "  L 403 403 403 403 403 403   A",
    "POST /admin/users/<int:user_id>/admin":                                         "  L 403 403 403 403 403 403   A",
    "POST /admin/users/<int:user_id>/deactivate":                                    "  L 403 403 403 403 403 403   A",
    "POST /admin/users/<int:user_id>/two-factor/reset":                              "  L 403 403 403 403 403 403   A",
    "GET /advice/<int:advice_id>":                                                   "  L 404 404 200 404 200 200 200",
    "POST /advice/<int:advice_id>/file":                                             "  L 404 404 403 404 403 403 403",
    "GET /advice/<int:advice_id>/export.<fmt>":                                      "  L 404 404 200 404 200 200 200",
    "GET /advice/<int:advice_id>/file":                                              "  L 404 404 404 404 404 404 404",
    "POST /advice/<int:advice_id>/file/remove":                                      "  L 404 404 403 404 403 403 403",
    "POST /advice/<int:advice_id>/introduction":                                     "  L 404 404 403 404 403 403 403",
    "POST /advice/<int:advice_id>/points":                                           "  L 404 404 403 404 403 403 403",
    "POST /advice/<int:advice_id>/reply":                                            "  L 404 404 403 404 403   A   A",
    "POST /advice/<int:advice_id>/submit":                                           "  L 404 404 403 404 403 403 403",
    "GET /advice/points/<int:point_id>":                                             "  L 404 404 403 404 403 403 403",
    "POST /advice/points/<int:point_id>/delete":                                     "  L 404 404 403 404 403 403 403",
    "POST /advice/points/<int:point_id>/move":                                       "  L 404 404 403 404 403 403 403",
    "GET /consultations":                                                            "200 200 200 200 200 200 200 200",
    "GET /consultations/<slug>":                                                     "200 200 200 200 200 200 200 200",
    "GET /consultations/<slug>/advice":                                              "  L 200 200 200 404 200 200 200",
    "GET /consultations/<slug>/analysis":                                            "  L 404 404 404 404 200 200 200",
    "GET /consultations/<slug>/analysis/posts":                                      "  L 404 404 404 404 200 200 200",
    "GET /consultations/<slug>/analysis/questions/<int:question_id>":                "  L 404 404 404 404 200 200 200",
    "POST /consultations/<slug>/analysis/questions/<int:question_id>/bulk":          "  L 404 404 404 404   A   A   A",
    "POST /consultations/<slug>/analysis/questions/<int:question_id>/earlier-quote": "  L 404 404 404 404   A   A   A",
    "POST /consultations/<slug>/analysis/questions/<int:question_id>/excerpt":       "  L 404 404 404 404   A   A   A",
    "POST /consultations/<slug>/analysis/questions/<int:question_id>/remove-coding": "  L 404 404 404 404   A   A   A",
    "POST /consultations/<slug>/analysis/questions/<int:question_id>/remove-quote":  "  L 404 404 404 404   A   A   A",
    "POST /consultations/<slug>/analysis/questions/<int:question_id>/synthesis":     "  L 404 404 404 404   A   A   A",
    "POST /consultations/<slug>/analysis/questions/<int:question_id>/undo-bulk":     "  L 404 404 404 404   A   A   A",
    "GET /consultations/<slug>/analysis/tags":                                       "  L 404 404 404 404 200 200 200",
    "GET /consultations/<slug>/analysis/themes/<int:theme_id>":                      "  L 404 404 404 404 200 200 200",
    "GET /consultations/<slug>/answers.<variant>.<fmt>":                             "  L 404 404 404 404 200 200 200",
    "GET /consultations/<slug>/audit":                                               "  L 403 403 403 403 200 200 200",
    "POST /consultations/<slug>/close":                                              "  L 403 403 403 403 403   A   A",
    "GET /consultations/<slug>/council-comments":                                    "  L 404 404 200 404 200 200 200",
    "GET /consultations/<slug>/discussion":                                          "  L 200 200 200 404 200 200 200",
    "GET /consultations/<slug>/discussion/search":                                   "  L 200 200 200 404 200 200 200",
    "GET /consultations/<slug>/documents/<int:document_id>":                         "200 200 200 200 200 200 200 200",
    "GET /consultations/<slug>/documents/<int:document_id>/<int:version_id>":        "200 200 200 200 200 200 200 200",
    "POST /consultations/<slug>/exports":                                            "  L 404 404 404 404   A   A   A",
    "POST /consultations/<slug>/extend":                                             "  L 403 403 403 403 403   A   A",
    "GET /consultations/<slug>/manage":                                              "  L 403 403 403 403 200 200 200",
    "GET /consultations/<slug>/manage/access":                                       "  L 403 403 403 403 403 200 200",
    "GET /consultations/<slug>/manage/details":                                      "  L 403 403 403 403 403 200 200",
    "GET /consultations/<slug>/manage/documents":                                    "  L 403 403 403 403 403 200 200",
    "POST /consultations/<slug>/manage/documents/<int:document_id>/replace":         "  L 403 403 403 403 403   A   A",
    "GET /consultations/<slug>/manage/lots":                                         "  L 403 403 403 403 403 200 200",
    "GET /consultations/<slug>/manage/lots/<int:lot_id>":                            "  L 403 403 403 403 403 200 200",
    "GET /consultations/<slug>/manage/lots/<int:lot_id>/delete":                     "  L 403 403 403 403 403 200 200",
    "GET /consultations/<slug>/manage/planning":                                     "  L 403 403 403 403 403 200 200",
    "GET /consultations/<slug>/manage/planning/<int:phase_id>":                      "  L 403 403 403 403 403 200 200",
    "POST /consultations/<slug>/manage/planning/<int:phase_id>/delete":              "  L 403 403 403 403 403   A   A",
    "GET /consultations/<slug>/manage/questions":                                    "  L 403 403 403 403 403 200 200",
    "GET /consultations/<slug>/manage/questions/<int:question_id>":                  "  L 403 403 403 403 403 200 200",
    "GET /consultations/<slug>/manage/questions/<int:question_id>/<action>":         "  L 403 403 403 403 403 200 200",
    "GET /consultations/<slug>/manage/retention":                                    "  L 403 403 403 403 403 200 200",
    "GET /consultations/<slug>/manage/procurement":                                  "  L 403 403 403 403 403 200 200",
    "GET /consultations/<slug>/manage/themes/<int:theme_id>":                        "  L 403 403 403 403 403 200 200",
    "GET /consultations/<slug>/manage/try-out":                                      "  L 403 403 403 403 200 200 200",
    "GET /consultations/<slug>/manage/themes/<int:theme_id>/<action>":               "  L 403 403 403 403 403 200 200",
    "GET /consultations/<slug>/manage/themes/<int:theme_id>/questions/new":          "  L 403 403 403 403 403 200 200",
    "GET /consultations/<slug>/moderation":                                          "  L 403 403 403 404 200 200 200",
    "POST /consultations/<slug>/moderation/premoderation":                           "  L 403 403 403 404 403   A   A",
    "GET /consultations/<slug>/preview/<audience>":                                  "  L 403 403 403 403 200 200 200",
    "POST /consultations/<slug>/publish":                                            "  L 403 403 403 403 403   A   A",
    "GET /consultations/<slug>/qa":                                                  "200 200 200 200 200 200 200 200",
    "GET /consultations/<slug>/qa/export.<fmt>":                                     "200 200 200 200 200 200 200 200",
    "GET /consultations/<slug>/qa/manage":                                           "  L 403 403 403 403 403 200 200",
    "GET /consultations/<slug>/qa/received":                                         "  L 200 200 200 200 200 200 200",
    "GET /consultations/<slug>/report":                                              "200 200 200 200 200 200 200 200",
    "GET /consultations/<slug>/report.<fmt>":                                        "200 200 200 200 200 200 200 200",
    "GET /consultations/<slug>/report/edit":                                         "  L 403 403 403 403 403 200 200",
    "POST /consultations/<slug>/respond":                                            "  L   A   A   A 403 403 403 403",
    "GET /consultations/<slug>/responses":                                           "  L 404 404 404 404 200 200 200",
    "GET /consultations/<slug>/responses/<int:response_id>":                         "  L 404 404 404 404 200 200 200",
    "GET /consultations/<slug>/responses/<int:response_id>/files/<int:attachment_id>": "  L 404 404 404 404 404 404 404",
    "GET /consultations/<slug>/sessions":                                            "  L 200 200 200 200 200 200 200",
    "GET /consultations/<slug>/sessions/new":                                        "  L 403 403 403 403 403 200 200",
    "GET /consultations/<slug>/drafts":                                              "  L 200 200 200 200 200 200 200",
    "GET /consultations/<slug>/drafts/new":                                          "  L 403 403 403 403 403 200 200",
    "GET /consultations/<slug>/strategy":                                            "  L 404 404 200 404 200 200 200",
    "POST /consultations/<slug>/strategy/comments":                                  "  L 404 404   A 404 403 403 403",
    "GET /consultations/<slug>/strategy/evidence":                                   "  L 404 404 404 404 200 200 200",
    "GET /consultations/<slug>/strategy/export.<fmt>":                               "  L 404 404 200 404 200 200 200",
    "GET /consultations/<slug>/strategy/general":                                    "  L 404 404 200 404 200 200 200",
    "POST /consultations/<slug>/strategy/open-for-comment":                          "  L 404 404 403 404 403   A   A",
    "GET /consultations/<slug>/strategy/not-considered":                             "  L 404 404 404 404 200 200 200",
    "GET /consultations/<slug>/strategy/revisions":                                  "  L 404 404 404 404 200 200 200",
    "GET /consultations/<slug>/cost-prices":                                         "  L 404 404 404 404 200 200 200",
    "GET /consultations/<slug>/cost-prices/<int:question_id>/organisations/<int:org_id>/ask": "  L 404 404 404 404 404 404 404",
    "GET /consultations/<slug>/funding-scenarios":                                   "  L 404 404 404 404 200 200 200",
    "GET /consultations/<slug>/funding-scenarios/<int:scenario_id>":                 "  L 404 404 404 404 200 200 200",
    "POST /consultations/<slug>/funding-scenarios/<int:scenario_id>/choose":         "  L 404 404 404 404 403   A   A",
    "POST /consultations/<slug>/funding-scenarios/<int:scenario_id>/delete":         "  L 404 404 404 404 403   A   A",
    "GET /consultations/<slug>/funding-scenarios/compare":                           "  L 404 404 404 404 200 200 200",
    "GET /consultations/<slug>/strategy/segments/<int:segment_id>":                  "  L 404 404 200 404 200 200 200",
    "GET /consultations/<slug>/strategy/segments/new":                               "  L 404 404 403 404 403 200 200",
    "GET /consultations/<slug>/team":                                                "  L 403 403 403 403 403 403 200",
    "POST /consultations/<slug>/team/<int:member_id>/remove":                        "  L 403 403 403 403 403 403   A",
    "GET /consultations/new":                                                        "  L 403 403 403 403 403 403 200",
    "GET /robots.txt":                                                                "200 200 200 200 200 200 200 200",
    "GET /woo/sitemap-diwoo-<code>.xml":                                              "200 200 200 200 200 200 200 200",
    "GET /woo/sitemapindex-diwoo-<code>.xml":                                         "200 200 200 200 200 200 200 200",
    "GET /contact":                                                                  "200 200 200 200 200 200 200 200",
    "GET /discussion/<int:thread_id>":                                               "  L 200 200 200 404 200 200 200",
    "POST /discussion/<int:thread_id>/<action>":                                     "  L 403 403 403 404   A   A   A",
    "POST /discussion/<int:thread_id>/follow":                                       "  L   A   A   A 404   A   A   A",
    "GET /discussion/<int:thread_id>/hide":                                          "  L 403 403 403 404 200 200 200",
    "POST /discussion/<int:thread_id>/posts":                                        "  L   A   A   A 404   A   A   A",
    "GET /discussion/<int:thread_id>/reply":                                         "  L 200 200 200 404 200 200 200",
    "GET /exports/<int:job_id>":                                                     "  L 404 404 404 404 404 200 404",
    "GET /exports/<int:job_id>/download":                                            "  L 404 404 404 404 404 404 404",
    "GET /healthz":                                                                  "200 200 200 200 200 200 200 200",
    "GET /invitation/<token>":                                                       "400 400 400 400 400 400 400 400",
    "GET /login":                                                                    "200 302 302 302 302 302 302 302",
    "GET /login/code":                                                               "  L   L   L   L   L   L   L   L",
    "GET /login/eherkenning/complete":                                               "404 404 404 404 404 404 404 404",
    "GET /login/sso/<any(staff, eherkenning):name>":                                 "404 404 404 404 404 404 404 404",
    "GET /login/sso/<any(staff, eherkenning):name>/callback":                        "404 404 404 404 404 404 404 404",
    "POST /sso/<any(staff, eherkenning):name>/backchannel-logout":                   "404 404 404 404 404 404 404 404",
    "GET /metrics":                                                                  "200 200 200 200 200 200 200 200",
    "GET /notifications":                                                            "  L 200 200 200 200 200 200 200",
    "POST /notifications/<int:notification_id>/read":                                "  L   A 404 404 404 404 404 404",
    "POST /notifications/read":                                                      "  L   A   A   A   A   A   A   A",
    "GET /organisation":                                                             "  L 302 302 302 200 200 302 200",
    "GET /organisation/<int:org_id>":                                                "  L 200 404 404 404 404 404 200",
    "POST /organisation/<int:org_id>/invitations/<int:invitation_id>/resend":        "  L   A 404 404 404 404 404   A",
    "POST /organisation/<int:org_id>/invitations/<int:invitation_id>/withdraw":      "  L   A 404 404 404 404 404   A",
    "GET /password/forgot":                                                          "200 200 200 200 200 200 200 200",
    "GET /password/reset/<token>":                                                   "400 400 400 400 400 400 400 400",
    "POST /posts/<int:post_id>/<action>":                                            "  L 403 403 403 404   A   A   A",
    "POST /posts/<int:post_id>/delete":                                              "  L   A 403 403 404 403 403 403",
    "GET /posts/<int:post_id>/edit":                                                 "  L 403 403 403 404 403 403 403",
    "GET /posts/<int:post_id>/hide":                                                 "  L 403 403 403 404 200 200 200",
    "GET /posts/<int:post_id>/report":                                               "  L 403 200 200 404 200 200 200",
    "POST /posts/<int:post_id>/substantive":                                         "  L 404 404 404 404 403   A   A",
    "GET /posts/<int:post_id>/replies":                                              "  L 200 200 200 404 200 200 200",
    "GET /posts/<int:post_id>":                                                      "  L 302 302 302 404 302 302 302",
    "GET /privacy":                                                                  "200 200 200 200 200 200 200 200",
    "GET /qa/<int:item_id>":                                                         "  L 403 403 403 403 403 200 200",
    "GET /receipts/verify":                                                          "200 200 200 200 200 200 200 200",
    "GET /register":                                                                 "200 302 302 302 302 302 302 302",
    "GET /readyz":                                                                   "200 200 200 200 200 200 200 200",
    "GET /responses/<int:response_id>":                                              "  L 200 404 404 404 404 404 404",
    "POST /responses/<int:response_id>/answers/<int:question_id>":                   "  L   A 404 404 404 404 404 404",
    "POST /responses/<int:response_id>/answers/<int:question_id>/files":             "  L 404 404 404 404 404 404 404",
    "GET /responses/<int:response_id>/answers/<int:question_id>/fresh":              "  L 200 404 404 404 404 404 404",
    # The open consultation's first question is no cost-price sheet, and its response has no benchmark
    # before the deadline (tests/test_cost_price.py and tests/test_tariffs.py: the pages that are).
    "POST /responses/<int:response_id>/answers/<int:question_id>/sheet/<int:row>":   "  L 404 404 404 404 404 404 404",
    "GET /responses/<int:response_id>/benchmark":                                    "  L 404 404 404 404 404 404 404",
    "GET /responses/<int:response_id>/cost-price-questions":                         "  L 404 404 404 404 404 404 404",
    "GET /responses/<int:response_id>/files/<int:attachment_id>":                    "  L 200 404 404 404 404 404 404",
    "POST /responses/<int:response_id>/files/<int:attachment_id>/remove":            "  L   A 404 404 404 404 404 404",
    "GET /responses/<int:response_id>/offer":                                        "  L 200 404 404 404 404 404 404",
    "GET /responses/<int:response_id>/review":                                       "  L 200 404 404 404 404 404 404",
    "GET /responses/<int:response_id>/submissions/<int:number>":                     "  L 200 404 404 404 404 404 404",
    "GET /responses/<int:response_id>/submissions/<int:number>/receipt.pdf":         "  L 200 404 404 404 404 404 404",
    "GET /responses/<int:response_id>/themes/<int:theme_id>":                        "  L 200 404 404 404 404 404 404",
    "GET /responses/<int:response_id>/withdraw":                                     "  L 200 404 404 404 404 404 404",
    "GET /drafts/<int:draft_id>":                                                    "  L 200 200 200 404 200 200 200",
    "POST /drafts/<int:draft_id>/close":                                             "  L 403 403 403 404 403   A   A",
    "GET /drafts/<int:draft_id>/edit":                                               "  L 403 403 403 404 403 200 200",
    "GET /drafts/<int:draft_id>/open":                                               "  L 403 403 403 404 403 200 200",
    "GET /drafts/<int:draft_id>/paragraphs/<int:paragraph_id>/comment":              "  L 200 200 200 404 403 403 403",
    "GET /drafts/comments/<int:draft_comment_id>/edit":                              "  L 200 404 404 404 404 404 404",
    "GET /drafts/comments/<int:draft_comment_id>/reply":                             "  L 404 404 404 404 404 200 200",
    "POST /drafts/comments/<int:draft_comment_id>/withdraw":                         "  L   A 404 404 404 404 404 404",
    "GET /sessions/<int:session_id>":                                                "  L 200 200 200 404 200 200 200",
    "GET /sessions/<int:session_id>/agenda":                                         "  L 403 403 403 404 200 200 200",
    "POST /sessions/<int:session_id>/agenda/publish":                                "  L 403 403 403 404 403   A   A",
    "GET /sessions/<int:session_id>/calendar.ics":                                   "  L 200 404 200 404 404 200 200",
    "POST /sessions/<int:session_id>/cancel":                                        "  L 403 403 403 404 403   A   A",
    "GET /sessions/<int:session_id>/edit":                                           "  L 403 403 403 404 403 200 200",
    "GET /sessions/<int:session_id>/minutes":                                        "  L 404 404 404 404 200 200 200",
    "POST /sessions/<int:session_id>/minutes/publish":                               "  L 403 403 403 404 403   A   A",
    "GET /sessions/<int:session_id>/participants":                                   "  L 403 403 403 404 200 200 200",
    "GET /sessions/<int:session_id>/participants.csv":                               "  L 403 403 403 404 200 200 200",
    "POST /sessions/<int:session_id>/participants/<int:registration_id>/attendance": "  L 403 403 403 404 403   A   A",
    "POST /sessions/<int:session_id>/register":                                      "  L   A   A   A 404 403 403 403",
    "POST /sessions/agenda/<int:agenda_item_id>/delete":                             "  L 403 403 403 404 403   A   A",
    "POST /sessions/agenda/<int:agenda_item_id>/input":                              "  L   A   A   A 404 403 403 403",
    "POST /sessions/agenda/<int:agenda_item_id>/minutes":                            "  L 403 403 403 404 403   A   A",
    "POST /sessions/registrations/<int:registration_id>/cancel":                     "  L   A 404 404 404 404 404 404",
    "POST /sessions/registrations/<int:registration_id>/consent":                    "  L   A 404 404 404 404 404 404",
    "GET /consultations/<slug>/analysis/sessions":                                   "  L 404 404 404 404 200 200 200",
    "GET /sessions/minutes/<int:minutes_point_id>/edit":                             "  L 403 403 403 404 403 200 200",
    "POST /sessions/minutes/<int:minutes_point_id>/comments":                        "  L 404 404   A 404 403 403 403",
    "GET /sessions/comments/<int:minutes_comment_id>/edit":                          "  L 404 404 404 404 404 404 404",
    "GET /sessions/comments/<int:minutes_comment_id>/answer":                        "  L 404 404 404 404 404 200 200",
    "GET /static/<path:filename>":                                                   "200 200 200 200 200 200 200 200",
    "GET /unsubscribe/<token>":                                                      "404 404 404 404 404 404 404 404",
    "GET /verify":                                                                   "200 200 200 200 200 200 200 200",
    "GET /verify/<token>":                                                           "400 400 400 400 400 400 400 400",
    # Rounds of a trajectory
    "GET /trajectories/<trajectory_slug>":                                           "200 200 200 200 200 200 200 200",
    "GET /trajectories/<trajectory_slug>/manage":                                    "  L 403 403 403 403 403 200 200",
    "POST /trajectories/<trajectory_slug>/rounds/<int:round_id>/join":               "  L 403 403 403 403 403 403 403",
    "POST /trajectories/<trajectory_slug>/rounds/<int:round_id>/<action>":           "  L 403 403 403 403 403   A   A",
    "GET /consultations/<slug>/manage/trajectory":                                   "  L 403 403 403 403 403 302 302",
    "GET /consultations/<slug>/manage/access/requests/<int:join_id>":                "  L 403 403 403 403 403 200 200",
    "POST /responses/<int:response_id>/copy-earlier":                                "  L   A 404 404 404 404 404 404",
}


def _key(rule) -> str:
    return f"{'GET' if 'GET' in rule.methods else 'POST'} {rule.rule}"


def _walked(app) -> list:
    return [rule for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
            if rule.endpoint not in SKIP]


def test_every_route_has_an_entry(app):
    keys = {_key(rule) for rule in _walked(app)}
    assert sorted(keys - ACCESS.keys()) == [], "add these routes to ACCESS with the status each role gets"
    assert sorted(ACCESS.keys() - keys) == [], "these routes no longer exist"
    assert all(len(row.split()) == len(ROLES) for row in ACCESS.values())


def _expected(code: str):
    return LOGIN if code == "L" else int(code)


def _table_counts() -> dict[str, int]:
    from sqlalchemy import func
    from sqlalchemy import table as sql_table

    return {t.name: db.session.scalar(select(func.count()).select_from(sql_table(t.name)))
            for t in db.metadata.sorted_tables}


def test_every_route_answers_every_role_as_expected(app, world):
    ids, clients = _ids(world), _clients(app)
    wrong = []
    posts = []
    for rule in _walked(app):
        row = ACCESS[_key(rule)].split()
        if "GET" not in rule.methods:
            posts.append((rule, row))
            continue
        url = _url(rule, ids)
        for role, code in zip(ROLES, row, strict=True):
            got = _status(clients[role].get(url, buffered=True))
            if got != _expected(code):
                wrong.append(f"GET {url} as {role}: {got}, expected {code}")
    # Refused POSTs must change nothing at all.
    db.session.rollback()
    before = _table_counts()
    tokens = {role: csrf_token_from(client.get("/").get_data(as_text=True)) for role, client in clients.items()}
    for rule, row in posts:
        url = _url(rule, ids)
        for role, code in zip(ROLES, row, strict=True):
            if code == ALLOWED_CODE:
                continue
            data = {"csrf_token": tokens[role], **POST_DATA.get(rule.endpoint, {})}
            got = _status(clients[role].post(url, data=data))
            if got != _expected(code):
                wrong.append(f"POST {url} as {role}: {got}, expected {code}")
    db.session.rollback()
    after = _table_counts()
    assert wrong == []
    assert {name: (before[name], after[name]) for name in before if before[name] != after[name]} == {}


# --- a consultation closed to invited organisations -------------------------------------------------

# URL arguments that name a consultation or something inside one.
CONSULTATION_BOUND = {"slug", "thread_id", "post_id", "item_id", "advice_id", "point_id", "response_id",
                      "attachment_id", "document_id", "version_id", "theme_id", "question_id", "phase_id",
                      "segment_id", "member_id", "job_id", "draft_id", "paragraph_id", "draft_comment_id"}
# Who is outside when both demo consultations are closed to provider A's organisation and the
# council, and what they get wherever the public walk let them in: the login page, or 404 (which
# does not reveal that the page exists).
OUTSIDERS = {"anonymous": LOGIN, "provider_b": 404, "other_team": 404}


def test_a_closed_consultation_is_closed_on_every_route(app, world):
    """Closed to invited organisations, every page, fragment and download of the consultation (or
    of anything in it) refuses anonymous visitors, provider B and another consultation's team;
    the invited organisations and the team get exactly what the public walk gives them."""
    from consult.auth.models import User
    from consult.consultations.services import set_access

    ids, clients = _ids(world), _clients(app)
    editor = db.session.scalar(select(User).where(User.email == "team@example.org"))
    invited = [db.session.scalar(select(User).where(User.email == email)).memberships[0].organisation
               for email in ("zorg1@example.org", "adviesraad@example.org")]
    for consultation in (world["open"], world["closed"]):
        set_access(db.session.merge(consultation), invited_only=True, invited=invited, by=editor)
    db.session.commit()
    wrong = []
    for rule in _walked(app):
        if "GET" not in rule.methods or not CONSULTATION_BOUND & set(rule.arguments) or _key(rule) not in ACCESS:
            continue  # a route without an entry fails test_every_route_has_an_entry
        url = _url(rule, ids)
        for role, code in zip(ROLES, ACCESS[_key(rule)].split(), strict=True):
            expected = _expected(code)
            if role in OUTSIDERS and expected not in (LOGIN, 400):
                expected = OUTSIDERS[role]
            if rule.endpoint.startswith("api."):
                expected = 404  # the open data API reads as nobody: for it the consultation does not exist
            got = _status(clients[role].get(url, buffered=True))
            if got != expected:
                wrong.append(f"GET {url} as {role}: {got}, expected {expected}")
    assert wrong == []


# --- limits: every route that checks a secret is limited -------------------------------------------

# Every route that checks a secret (password, two-step or recovery code, a token in a link, a
# receipt code) or that sends mail to an address someone types in, with the limits it counts
# towards (names of consult.core.limits.RULES; "secret_guess" is the per-account count of
# consult.auth.lockout). The walk below finds the routes that check a secret by watching the
# checks themselves; one without an entry here fails the suite, and so does an entry whose
# route no longer checks or counts what it says.
LIMITS = {
    "orgs.accept_invitation":     ("token",    {"token_link"}),
    "auth.change_password":       ("password", {"secret_guess"}),
    "auth.forgot_password":       ("mail",     {"reset_request", "reset_request_email"}),
    "auth.login":                 ("password", {"secret_guess"}),
    "auth.login_code":            ("code",     {"secret_guess"}),
    "auth.resend_verification":   ("mail",     {"verification_request", "verification_request_email"}),
    "auth.reset_password":        ("token",    {"token_link"}),
    "auth.two_factor":            ("code",     {"two_factor_setup"}),
    "auth.two_factor_new_codes":  ("code",     {"secret_guess"}),
    "auth.two_factor_off":        ("code",     {"secret_guess"}),
    "auth.verify_email":          ("token",    {"token_link"}),
    "notify.unsubscribe":         ("token",    {"token_link"}),
    "orgs.register":              ("mail",     {"registration", "registration_email"}),
    "responses.verify":           ("receipt",  {"receipt_check"}),
}

# Form fields of every form that checks a secret or sends mail, so a POST gets as far as the check.
PROBE_PASSWORD = "probe passphrase that is long"
PROBE = {"email": "probe@example.org", "password": PROBE_PASSWORD, "password_repeat": PROBE_PASSWORD,
         "code": "000000", "codes-code": "000000", "pw-current_password": "not the password",
         "pw-password": PROBE_PASSWORD, "pw-password_repeat": PROBE_PASSWORD, "name": "Probe",
         "org_name": "Probe BV", "kvk_number": "99999999", "website": ""}
PROBE_QUERY = "code=" + "0" * 32 + "&email=probe%40example.org"
# A WHERE on these columns looks a secret up: a token, a recovery code, a receipt code.
SECRET_COLUMNS = re.compile(r"\bWHERE\b.*\b(token_hash|code_hash|receipt_code)\s*=", re.S | re.I)
SECRET_KINDS = {"token_hash": "token", "code_hash": "code", "receipt_code": "receipt"}


def _watch_secrets(app, seen: dict):
    """Record, per endpoint, the kinds of secret each request checked and the limits it counted."""
    from flask import g, has_request_context, request, request_finished
    from sqlalchemy import event

    def on_sql(_conn, _cursor, statement, _params, _context, _many):
        match = SECRET_COLUMNS.search(statement)
        if match and has_request_context():
            g.setdefault("secrets_checked", []).append(SECRET_KINDS[match.group(1).lower()])

    def on_finished(_sender, **_extra):
        kinds, counted = seen.setdefault(request.endpoint, (set(), set()))
        kinds.update(g.get("secrets_checked", []))
        if "token" in (request.view_args or {}):  # a signed token is checked without the database
            kinds.add("token")
        counted.update(g.get("limits_counted", []))

    event.listen(db.engine, "before_cursor_execute", on_sql)
    request_finished.connect(on_finished, app)

    def stop():
        event.remove(db.engine, "before_cursor_execute", on_sql)
        request_finished.disconnect(on_finished, app)

    return stop


def _with_two_step(app, email: str):
    """A client logged in as ``email`` with two-step login on (password, then the code)."""
    import pyotp

    from consult.auth.models import User
    from consult.core.time import utcnow

    user = db.session.scalar(select(User).where(User.email == email))
    user.totp_secret, user.totp_enabled_at = pyotp.random_base32(), utcnow()
    db.session.commit()
    client = app.test_client()
    assert login(client, email, DEMO_PASSWORD).headers["Location"] == "/login/code"
    token = csrf_token_from(client.get("/login/code").get_data(as_text=True))
    assert client.post("/login/code", data={"csrf_token": token,
                                            "code": pyotp.TOTP(user.totp_secret).now()}).status_code == 302
    return client


def test_every_route_that_checks_a_secret_has_a_limit(app, world):
    ids, seen = _ids(world), {}
    stop = _watch_secrets(app, seen)
    try:
        clients = [app.test_client(), _with_two_step(app, "zorg1@example.org")]
        provider_b = app.test_client()
        assert login(provider_b, "zorg2@example.org", DEMO_PASSWORD).status_code == 302
        clients.append(provider_b)
        for rule in _walked(app):
            url = _url(rule, ids)
            for client in clients:
                if "GET" in rule.methods:
                    client.get(f"{url}?{PROBE_QUERY}", buffered=True)
                if "POST" in rule.methods:
                    token = csrf_token_from(client.get("/").get_data(as_text=True))
                    client.post(url, data={"csrf_token": token, **PROBE})
    finally:
        stop()
    # The open data API counts every request of an address (a volume limit, no secret), and only it does.
    volume = {endpoint for endpoint, (_kinds, counted) in seen.items() if "open_data" in counted}
    assert volume == {rule.endpoint for rule in _walked(app) if rule.endpoint.startswith("api.")}
    seen = {endpoint: (kinds, counted - {"open_data"}) for endpoint, (kinds, counted) in seen.items()}
    found = {endpoint: (kinds, counted) for endpoint, (kinds, counted) in seen.items() if kinds or counted}
    with_token = {rule.endpoint for rule in app.url_map.iter_rules() if "token" in rule.arguments}
    assert sorted(with_token - LIMITS.keys()) == [], "links with a token need an entry in LIMITS"
    assert sorted(found.keys() - LIMITS.keys()) == [], "these routes check a secret: add them to LIMITS"
    assert sorted(LIMITS.keys() - found.keys()) == [], "these routes no longer check or count anything"
    assert {endpoint: counted for endpoint, (_kinds, counted) in found.items()} == \
        {endpoint: rules for endpoint, (_kind, rules) in LIMITS.items()}
    assert {endpoint: kinds or {"mail"} for endpoint, (kinds, _counted) in found.items()} == \
        {endpoint: {kind} for endpoint, (kind, _rules) in LIMITS.items()}


def test_every_limit_in_the_table_is_a_rule_with_a_value(app):
    from limits import parse

    from consult.core.limits import RULES, config_key

    named = set().union(*(rules for _kind, rules in LIMITS.values()))
    assert sorted(named - RULES.keys()) == []
    assert {name: parse(app.config[config_key(name)]).amount > 0 for name in named} == {name: True for name in named}
