"""Draft pages: the list of drafts, a draft with its numbered paragraphs and the comments the viewer
may see, writing and revising a document and opening it for comment (the team), commenting on a
paragraph, changing or withdrawing an own comment (providers and councils), and the reply (the team)."""
from __future__ import annotations

from datetime import time, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult.consultations.loaders import load_consultation
from consult.consultations.permissions import is_team
from consult.core.access import deny_hidden
from consult.core.conflicts import keep_on_conflict, restart_from
from consult.core.paging import arg_page
from consult.core.refused import flash_refused, refuse_on
from consult.core.time import combine_local, to_local, utcnow
from consult.disclosure import Protected
from consult.disclosure.comments import comment_protection, may_name_commenter
from consult.drafts import bp
from consult.drafts.forms import CloseForm, CommentForm, DocumentForm, OpenForm, ReplyForm, WithdrawForm
from consult.drafts.models import Draft, DraftComment, DraftKind
from consult.drafts.permissions import (
    can_change_comment,
    can_comment,
    can_manage_drafts,
    can_reply_to_comment,
    can_view_drafts,
    commenting_organisations,
    draft_or_404,
    managed_comment_or_404,
    own_comment_or_404,
    paragraph_or_404,
    shown_comments,
    visible_drafts_query,
)
from consult.drafts.services import (
    ANSWERED,
    DraftChangedMeanwhile,
    DraftRefused,
    add_comment,
    close_now,
    create_document,
    edit_comment,
    open_for_comment,
    paragraph_diff,
    reply_to_comment,
    revise_document,
    withdraw_comment,
)
from consult.extensions import db
from consult.sessions.services import COMMENT_DAYS  # the same default period as for minutes

PAGE_SIZE = 20


def _refuse(form, refused: DraftRefused, default: str) -> None:
    refuse_on(getattr(form, refused.field or default, None) or getattr(form, default), refused)


def _load(draft_id: int) -> Draft:
    if not current_user.is_authenticated:
        deny_hidden()
    return draft_or_404(current_user, draft_id)


@bp.route("/consultations/<slug>/drafts")
@login_required
def index(slug: str):
    consultation = load_consultation(slug, team_users=False)
    if not can_view_drafts(current_user, consultation):
        abort(404)
    paging = db.paginate(visible_drafts_query(current_user, consultation), page=arg_page(), per_page=PAGE_SIZE,
                         error_out=False)
    return render_template("drafts/index.html", consultation=consultation, paging=paging)


@bp.route("/consultations/<slug>/drafts/new", methods=["GET", "POST"])
@login_required
def new(slug: str):
    consultation = load_consultation(slug)
    if not can_manage_drafts(current_user, consultation):
        abort(403)
    form = DocumentForm()
    if form.validate_on_submit():
        try:
            draft = create_document(consultation, title=form.title.data, introduction=form.introduction.data,
                                    body=form.body.data, by=current_user)
        except DraftRefused as refused:
            _refuse(form, refused, "body")
        else:
            db.session.commit()
            flash(_("The draft has been saved. Open it for comment when it is ready."), "ok")
            return redirect(url_for("drafts.show", draft_id=draft.id))
    return render_template("drafts/form.html", consultation=consultation, form=form, draft=None)


@bp.route("/drafts/<int:draft_id>")
@login_required
def show(draft_id: int):
    draft = _load(draft_id)
    comments = shown_comments(current_user, draft)
    own_org_ids = {org.id for org in commenting_organisations(current_user, draft)}
    paragraphs = [p for p in draft.paragraphs if p.removed_at is None or comments.get(p.id)]
    return render_template("drafts/show.html", draft=draft, consultation=draft.consultation, paragraphs=paragraphs,
                           comments=comments, own_org_ids=own_org_ids, diff=paragraph_diff,
                           protection=comment_protection, may_name=may_name_commenter, Protected=Protected,
                           team=is_team(current_user, draft.consultation),
                           close_form=CloseForm(), withdraw_form=WithdrawForm())


@bp.route("/drafts/<int:draft_id>/edit", methods=["GET", "POST"])
@login_required
def edit(draft_id: int):
    draft = _load(draft_id)
    if not can_manage_drafts(current_user, draft.consultation):
        abort(403)
    if draft.kind != DraftKind.DOCUMENT:
        abort(404)
    form = DocumentForm(obj=draft)
    conflict = None
    if form.validate_on_submit():
        try:
            revise_document(draft, title=form.title.data, introduction=form.introduction.data, body=form.body.data,
                            version=form.version.data, by=current_user)
        except DraftChangedMeanwhile:
            keep_on_conflict(form.body, form.version, draft)
            conflict = draft
        except DraftRefused as refused:
            _refuse(form, refused, "body")
        else:
            db.session.commit()
            flash(_("The draft has been revised. Comments on changed paragraphs show what changed."), "ok")
            return redirect(url_for("drafts.show", draft_id=draft.id))
    return render_template("drafts/form.html", consultation=draft.consultation, form=form, draft=draft,
                           conflict=conflict), 409 if conflict else 200


@bp.route("/drafts/<int:draft_id>/open", methods=["GET", "POST"])
@login_required
def open_period(draft_id: int):
    draft = _load(draft_id)
    if not can_manage_drafts(current_user, draft.consultation):
        abort(403)
    form = OpenForm(obj=draft)
    if request.method == "GET":
        form.version.data = draft.version
        if draft.scheduled:
            opens, closes = to_local(draft.opens_at), to_local(draft.closes_at)
            form.opens_on.data, form.opens_time.data = opens.date(), opens.time()
            form.closes_on.data, form.closes_time.data = closes.date(), closes.time()
        else:  # a proposal the team can change: open from now, for COMMENT_DAYS days, to the end of the day
            opens = to_local(utcnow()).replace(second=0, microsecond=0)
            form.opens_on.data, form.opens_time.data = opens.date(), opens.time()
            form.closes_on.data, form.closes_time.data = opens.date() + timedelta(days=COMMENT_DAYS), time(23, 59)
        form.audience.data = draft.audience.value
    stale = False
    if form.validate_on_submit():
        try:
            open_for_comment(draft, opens_at=combine_local(form.opens_on.data, form.opens_time.data),
                             closes_at=combine_local(form.closes_on.data, form.closes_time.data),
                             audience=form.audience.data, version=form.version.data, by=current_user)
        except DraftChangedMeanwhile:
            keep_on_conflict(form.opens_on, form.version, draft, message=_(
                "Someone else changed this draft in the meantime. Check the period and save again."))
            stale = True
        except DraftRefused as refused:
            _refuse(form, refused, "opens_on")
        else:
            db.session.commit()
            flash(_("The comment period has been set."), "ok")
            return redirect(url_for("drafts.show", draft_id=draft.id))
    return render_template("drafts/open.html", consultation=draft.consultation, form=form, draft=draft), \
        409 if stale else 200


@bp.route("/drafts/<int:draft_id>/close", methods=["POST"])
@login_required
def close(draft_id: int):
    draft = _load(draft_id)
    if not can_manage_drafts(current_user, draft.consultation):
        abort(403)
    form = CloseForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Send it again."), "error")
        return redirect(url_for("drafts.show", draft_id=draft.id))
    try:
        close_now(draft, version=form.version.data, by=current_user)
    except DraftChangedMeanwhile:
        db.session.rollback()
        flash(_("Someone else changed this draft in the meantime. Check the period and save again."), "error")
        return redirect(url_for("drafts.show", draft_id=draft.id))
    except DraftRefused as refused:
        flash_refused(refused)
        return redirect(url_for("drafts.show", draft_id=draft.id))
    db.session.commit()
    flash(_("The comment period has ended."), "ok")
    return redirect(url_for("drafts.show", draft_id=draft.id))


def _comment_form(draft: Draft, comment: DraftComment | None = None) -> CommentForm:
    form = CommentForm(obj=comment)
    form.organisation.choices = [(org.id, org.name) for org in commenting_organisations(current_user, draft)]
    if request.method == "GET" and comment is not None:
        form.organisation.data = comment.organisation_id
        form.publication.data = comment.publication.value
        form.version.data = comment.version
    return form


@bp.route("/drafts/<int:draft_id>/paragraphs/<int:paragraph_id>/comment", methods=["GET", "POST"])
@login_required
def comment(draft_id: int, paragraph_id: int):
    draft = _load(draft_id)
    paragraph = paragraph_or_404(draft, paragraph_id)
    if is_team(current_user, draft.consultation):
        abort(403)  # the team answers comments, it does not comment
    if not can_comment(current_user, draft):
        flash(_("The comment period is not open."), "error")
        return redirect(url_for("drafts.show", draft_id=draft.id))
    form = _comment_form(draft)
    form.body.label.text = _("Your comment on paragraph %(n)s", n=paragraph.number)
    if form.validate_on_submit():
        organisation = next(org for org in commenting_organisations(current_user, draft)
                            if org.id == form.organisation.data)
        try:
            add_comment(paragraph, organisation, body=form.body.data, confidential=form.confidential.data,
                        publication=form.publication.data, by=current_user)
        except DraftRefused as refused:
            _refuse(form, refused, "body")
        else:
            db.session.commit()
            flash(_("Your comment has been saved. You can change it until the comment period ends."), "ok")
            return redirect(url_for("drafts.show", draft_id=draft.id, _anchor=f"p-{paragraph.id}"))
    return render_template("drafts/comment.html", consultation=draft.consultation, draft=draft, paragraph=paragraph,
                           form=form, comment=None)


@bp.route("/drafts/comments/<int:draft_comment_id>/edit", methods=["GET", "POST"])
@login_required
def change(draft_comment_id: int):
    comment_ = own_comment_or_404(current_user, draft_comment_id)
    paragraph = comment_.paragraph
    draft = paragraph.draft
    if not can_change_comment(current_user, comment_):
        flash(_("The comment period has ended: the comment can no longer be changed."), "error")
        return redirect(url_for("drafts.show", draft_id=draft.id))
    if comment_.replied_at is not None:
        flash(str(ANSWERED), "error")
        return redirect(url_for("drafts.show", draft_id=draft.id, _anchor=f"c-{comment_.id}"))
    form = _comment_form(draft, comment_)
    form.organisation.choices = [(comment_.organisation_id, comment_.organisation.name)]
    form.body.label.text = _("Your comment on paragraph %(n)s", n=paragraph.number)
    conflict = None
    if form.validate_on_submit():
        try:
            edit_comment(comment_, body=form.body.data, confidential=form.confidential.data,
                         publication=form.publication.data, version=form.version.data, by=current_user)
        except DraftChangedMeanwhile:
            keep_on_conflict(form.body, form.version, comment_)
            conflict = comment_
        except DraftRefused as refused:
            _refuse(form, refused, "body")
        else:
            db.session.commit()
            flash(_("Your comment has been changed."), "ok")
            return redirect(url_for("drafts.show", draft_id=draft.id, _anchor=f"p-{paragraph.id}"))
    return render_template("drafts/comment.html", consultation=draft.consultation, draft=draft, paragraph=paragraph,
                           form=form, comment=comment_, conflict=conflict), 409 if conflict else 200


@bp.route("/drafts/comments/<int:draft_comment_id>/withdraw", methods=["POST"])
@login_required
def withdraw(draft_comment_id: int):
    comment_ = own_comment_or_404(current_user, draft_comment_id)
    draft = comment_.paragraph.draft
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Send it again."), "error")
        return redirect(url_for("drafts.show", draft_id=draft.id))
    if not can_change_comment(current_user, comment_):
        flash(_("The comment period has ended: the comment can no longer be withdrawn."), "error")
        return redirect(url_for("drafts.show", draft_id=draft.id))
    try:
        withdraw_comment(comment_, version=form.version.data, by=current_user)
    except DraftChangedMeanwhile:
        db.session.rollback()
        flash(_("The comment was changed in the meantime. Read it again before you withdraw it."), "error")
        return redirect(url_for("drafts.show", draft_id=draft.id, _anchor=f"c-{comment_.id}"))
    except DraftRefused as refused:
        flash_refused(refused)
        return redirect(url_for("drafts.show", draft_id=draft.id))
    db.session.commit()
    flash(_("Your comment has been withdrawn."), "ok")
    return redirect(url_for("drafts.show", draft_id=draft.id))


@bp.route("/drafts/comments/<int:draft_comment_id>/reply", methods=["GET", "POST"])
@login_required
def reply(draft_comment_id: int):
    comment_ = managed_comment_or_404(current_user, draft_comment_id)
    draft = comment_.paragraph.draft
    if not can_reply_to_comment(current_user, comment_):
        flash(_("The comment was withdrawn."), "error")
        return redirect(url_for("drafts.show", draft_id=draft.id))
    form = ReplyForm(obj=comment_)
    if request.method == "GET":
        form.version.data = comment_.reply_version
        form.comment_version.data = comment_.version
        form.disposition.data = comment_.disposition.value if comment_.disposition else None
    conflict = None
    if form.validate_on_submit():
        try:
            reply_to_comment(comment_, disposition=form.disposition.data, reply=form.reply.data,
                             version=form.version.data, comment_version=form.comment_version.data, by=current_user)
        except DraftChangedMeanwhile:
            keep_on_conflict(form.reply, form.version, comment_, "reply_version")
            restart_from(form.comment_version, comment_.version)
            conflict = comment_
        except DraftRefused as refused:
            _refuse(form, refused, "reply")
        else:
            db.session.commit()
            flash(_("The reply has been saved."), "ok")
            return redirect(url_for("drafts.show", draft_id=draft.id, _anchor=f"c-{comment_.id}"))
    return render_template("drafts/reply.html", consultation=draft.consultation, draft=draft, comment=comment_,
                           form=form, conflict=conflict, diff=paragraph_diff(comment_),
                           protection=comment_protection(comment_), Protected=Protected), 409 if conflict else 200
