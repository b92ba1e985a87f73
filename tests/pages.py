"""Every main page type of the demo, per role: the pages the whole-site checks walk.

``load_demo()`` must have run and been committed; the paths are built from its rows, so they follow
the demo when it changes. The lists mirror the pages that tests/e2e/test_accessibility.py and
tests/e2e/test_html_valid.py check, grouped by the account that sees them.
"""
from __future__ import annotations

from sqlalchemy import select

from consult.advice.models import Advice, AdvicePoint, AdviceStatus
from consult.analysis.models import Tag
from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.dialogue.models import Post, Thread
from consult.drafts.models import Draft, DraftComment
from consult.extensions import db
from consult.qa.models import QaItem, QaStatus
from consult.responses.models import Response
from consult.sessions.models import DialogueSession
from consult.strategy.models import Segment

OPEN = "marktconsultatie-wmo-leidse-regio"
CLOSED = "dialoog-dagbesteding-2025"

PUBLIC_PAGES = ["/", "/login", "/register", "/password/forgot", "/verify", "/accessibility",
                "/privacy", "/contact", "/api/v1/docs"]

# The demo account behind each role (None: not logged in).
ACCOUNTS = {
    "anonymous": None,
    "provider": "zorg1@example.org",        # submitted responses, takes part in the discussion
    "provider-drafting": "zorg4@example.org",  # a response still in draft
    "council": "adviesraad@example.org",    # submitted advice, comments on the strategy
    "council-drafting": "clientenraad@example.org",  # advice still being written
    "team": "team@example.org",
    "admin": "beheer@example.org",
}


def demo_pages() -> dict[str, list[str]]:
    """The paths each role opens, all answering 200 for that role."""
    open_, closed = f"/consultations/{OPEN}", f"/consultations/{CLOSED}"
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == CLOSED))
    threads = db.session.scalars(select(Thread).join(Consultation).where(Consultation.slug == OPEN)
                                 .order_by(Thread.id)).all()
    first_post = db.session.scalar(select(Post).where(Post.thread_id == threads[0].id).order_by(Post.id))
    others_post = db.session.scalar(select(Post).where(Post.thread_id == threads[0].id, Post.author.has(
        User.email != ACCOUNTS["provider"])).order_by(Post.id))
    submitted = db.session.scalar(select(Response).where(
        Response.submitted_at.is_not(None), Response.organisation.has(name="Thuishulp Rijnstreek"),
        Response.consultation.has(slug=OPEN)))
    draft = db.session.scalar(select(Response).where(Response.submitted_at.is_(None)))
    waiting = db.session.scalar(select(QaItem).where(QaItem.status == QaStatus.ASKED))
    advice_submitted = db.session.scalar(select(Advice).where(Advice.status == AdviceStatus.SUBMITTED))
    advice_draft = db.session.scalar(select(Advice).where(Advice.status == AdviceStatus.DRAFT))
    point = db.session.scalar(select(AdvicePoint).where(AdvicePoint.advice_id == advice_draft.id))
    segment = db.session.scalar(select(Segment).order_by(Segment.id))
    tag = db.session.scalar(select(Tag))
    analysis, strategy = f"{closed}/analysis", f"{closed}/strategy"
    table = db.session.scalar(select(DialogueSession).order_by(DialogueSession.id))
    sessions = [f"{open_}/sessions", f"/sessions/{table.id}"]  # the provider is registered for the table
    held = db.session.scalar(select(DialogueSession).where(DialogueSession.minutes_published_at.is_not(None)))
    held_point, held_comment = held.agenda[0].minutes[0], held.agenda[0].minutes[1].comments[0]
    # The demo's drafts: the programme of requirements open for comment, the access draft answered.
    requirements, answered = db.session.scalars(select(Draft).order_by(Draft.id)).all()[:2]
    own_comment = db.session.scalar(select(DraftComment).where(DraftComment.author.has(email=ACCOUNTS["provider"]),
                                                               DraftComment.paragraph.has(draft_id=requirements.id)))
    answered_comment = db.session.scalar(select(DraftComment).where(DraftComment.replied_at.is_not(None)))
    drafts = [f"{open_}/drafts", f"/drafts/{requirements.id}", f"/drafts/{answered.id}"]
    discussion = [f"{open_}/discussion", f"{open_}/discussion/search?q=wijkteam",
                  *(f"/discussion/{t.id}" for t in threads),
                  f"/discussion/{threads[0].id}/reply?parent={first_post.id}&quote={first_post.id}"]
    return {
        "anonymous": [*PUBLIC_PAGES, "/consultations", open_, f"{open_}/qa", closed, f"{closed}/report"],
        "provider": ["/", "/account", "/account/notifications", "/account/two-factor", "/account/delete",
                     f"/organisation/{submitted.organisation_id}", "/notifications", open_, f"/responses/{submitted.id}",
                     f"/responses/{submitted.id}/submissions/1",
                     f"/receipts/verify?code={submitted.submissions[0].receipt_code}",
                     *discussion, f"/posts/{others_post.id}/report", f"{open_}/qa", f"{open_}/qa/received",
                     *sessions, *drafts, f"/drafts/comments/{own_comment.id}/edit",
                     f"/drafts/{requirements.id}/paragraphs/{requirements.paragraphs[0].id}/comment"],
        "provider-drafting": [f"/responses/{draft.id}", f"/responses/{draft.id}/review", f"/responses/{draft.id}/offer",
                              *(f"/responses/{draft.id}/themes/{t.id}" for t in draft.consultation.themes)],
        "council": [f"{open_}/advice", f"/advice/{advice_submitted.id}", f"{open_}/council-comments",
                    strategy, f"{strategy}/general", f"{strategy}/segments/{segment.id}",
                    f"/sessions/{held.id}", f"/sessions/{held.id}/minutes",  # registered for the held session
                    *drafts],
        "council-drafting": [f"/advice/{advice_draft.id}", f"/advice/points/{point.id}"],
        "team": [open_, f"{open_}/manage", f"{open_}/manage/details", f"{open_}/manage/access", f"{open_}/manage/planning",
                 f"{open_}/manage/lots", f"{open_}/manage/lots/1/delete",
                 f"{open_}/manage/documents", f"{open_}/manage/questions", f"{open_}/manage/themes/1",
                 f"{open_}/manage/questions/1", f"{open_}/manage/themes/1/questions/new",
                 f"{open_}/preview/providers", f"{open_}/preview/councils", f"{open_}/manage/try-out",
                 f"{open_}/responses", f"{open_}/responses/{submitted.id}",
                 f"{open_}/moderation", f"/posts/{first_post.id}/hide", *discussion,
                 f"{open_}/qa/manage", f"/qa/{waiting.id}",
                 f"{open_}/advice", f"/advice/{advice_submitted.id}", f"{open_}/council-comments",
                 analysis, f"{analysis}/tags", f"{analysis}/tags?edit={tag.id}",
                 f"{analysis}/themes/{consultation.themes[0].id}",
                 *(f"{analysis}/questions/{q.id}" for theme in consultation.themes for q in theme.questions),
                 f"{open_}/analysis/posts",
                 strategy, f"{strategy}/general", f"{strategy}/segments/{segment.id}", f"{strategy}/segments/new",
                 f"{strategy}/evidence?part=segment:{segment.id}&q=e", f"{strategy}/not-considered",
                 f"{strategy}/revisions", f"{strategy}/revisions?a=1&b=8",
                 f"{closed}/report", f"{closed}/report/edit", f"{open_}/report",
                 *sessions, f"{open_}/sessions/new", f"/sessions/{table.id}/edit", f"/sessions/{table.id}/participants",
                 f"/sessions/{table.id}/agenda", f"/sessions/{table.id}/minutes",
                 f"{open_}/analysis/sessions", f"/sessions/{held.id}/agenda", f"/sessions/{held.id}/minutes",
                 f"/sessions/minutes/{held_point.id}/edit", f"/sessions/comments/{held_comment.id}/answer",
                 *drafts, f"{open_}/drafts/new", f"/drafts/{requirements.id}/edit", f"/drafts/{requirements.id}/open",
                 f"/drafts/comments/{answered_comment.id}/reply"],
        "admin": ["/admin/users", "/admin/organisations", "/admin/organisations/new", "/admin/audit",
                  "/admin/erasure", "/consultations/new", f"{open_}/team", f"{open_}/audit",
                  f"{open_}/manage/retention", f"{open_}/manage/procurement"],
    }
