"""Advice pages: requests and overview, the council's draft, submission, the team's reply,
published advice, and council comments on themes and questions."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from consult.advice import bp
from consult.advice.forms import CommentForm, FileForm, IntroductionForm, PointForm, RequestForm, SubmitForm, reply_form
from consult.advice.models import (
    Advice,
    AdvicePoint,
    AdviceRequest,
    AdviceSubject,
    Disposition,
)
from consult.advice.permissions import (
    advice_or_404,
    can_comment_as_council,
    can_draft_advice,
    can_read_council_comments,
    can_reply_advice,
    can_request_advice,
    can_see_advice,
    can_see_advice_page,
    can_submit_advice,
    council_ids,
    council_memberships,
)
from consult.advice.services import (
    AdviceConflict,
    AdviceRefused,
    add_comment,
    add_point,
    attach_file,
    comment_page,
    comment_page_of,
    delete_point,
    move_point,
    page_of_point,
    point_number,
    point_page,
    publish_reply,
    remove_file,
    reply_problems,
    request_advice,
    save_introduction,
    save_point,
    save_reply,
    submit,
    submit_problems,
)
from consult.consultations.loaders import load_consultation
from consult.consultations.models import Theme
from consult.consultations.permissions import is_team
from consult.core.access import deny_hidden
from consult.core.conflicts import keep_on_conflict, restart_from
from consult.core.documents import EXPORTERS, DocumentModel, Paragraph, section, send_export, written
from consult.core.evidence import informed_parts
from consult.core.paging import arg_page
from consult.core.receipts import format_receipt_code
from consult.core.refused import refuse_on
from consult.core.templating import format_moment
from consult.core.uploads import UploadRejected, store_upload
from consult.disclosure.advice import may_show_reply
from consult.extensions import db
from consult.orgs.models import Organisation, OrgKind

ADVICE_FILE_TYPES = ("pdf", "odt", "docx")


# --- the overview per consultation ----------------------------------------------------------

@bp.route("/consultations/<slug>/advice", methods=["GET", "POST"])
def index(slug: str):
    consultation = load_consultation(slug)
    if not can_see_advice_page(current_user, consultation):
        deny_hidden()
    may_request = can_request_advice(current_user, consultation)
    form = RequestForm()
    councils = db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.COUNCIL)
                                  .order_by(Organisation.name)).all()
    form.councils.choices = [(c.id, c.name) for c in councils]
    if request.method == "POST":
        if not may_request:
            abort(403)
        if form.validate_on_submit():
            chosen = [c for c in councils if c.id in form.councils.data]
            try:
                request_advice(consultation, question=form.question.data, due_on=form.due_on.data,
                               councils=chosen, by=current_user, subject=AdviceSubject(form.subject.data))
            except AdviceRefused as refused:
                refuse_on(form.question, refused)
            else:
                db.session.commit()
                flash(_("The advice has been requested. The councils have been notified."), "ok")
                return redirect(url_for("advice.index", slug=slug))
    requests = db.session.scalars(
        select(AdviceRequest).where(AdviceRequest.consultation_id == consultation.id)
        .options(selectinload(AdviceRequest.advices).selectinload(Advice.council))
        .order_by(AdviceRequest.created_at.desc(), AdviceRequest.id.desc())).all()
    rows = [(req, [a for a in req.advices if can_see_advice(current_user, a)]) for req in requests]
    shown = [a.id for _req, advices in rows for a in advices]
    point_counts = dict(db.session.execute(select(AdvicePoint.advice_id, func.count()).where(
        AdvicePoint.advice_id.in_(shown)).group_by(AdvicePoint.advice_id)).all()) if shown else {}
    team = is_team(current_user, consultation)
    own = council_ids(current_user)
    return render_template("advice/index.html", consultation=consultation, form=form,
                           rows=[(req, advices) for req, advices in rows if advices or team or
                                 any(a.council_id in own for a in req.advices)],
                           has_councils=bool(councils), point_counts=point_counts)


# --- one advice: draft, submitted, published ------------------------------------------------

def _conflict_message():
    return _l("Someone else in your council saved this text in the meantime. Their version is shown "
              "below; your text is kept in the field. Combine the two and save again.")


def _reply_conflict_message():
    return _l("Someone else in the team saved this reply in the meantime, so this change was not saved. "
              "The saved reply is shown below and the text in the form is kept. Combine the two and save again.")


def _page_asked() -> int:
    """The page of advice points asked for: in the address, or sent along by a form of the page."""
    return arg_page(values=request.values)


def _show(advice: Advice, *, intro_form=None, point_form=None, edit_forms=None, file_form=None,
          reply=None, reply_errors=None, status=200, conflict=None, reply_conflict=False, points=None,
          elsewhere=None):
    draft = can_draft_advice(current_user, advice)
    intro_form = intro_form or IntroductionForm(formdata=None, introduction=advice.introduction,
                                                version=advice.version)
    point_form = point_form or PointForm(formdata=None)
    file_form = file_form or FileForm(formdata=None)
    # One page of the points: a reply form (or a draft's buttons) for each of 400 points is too much.
    points = points or point_page(advice, _page_asked())
    if reply is None and can_reply_advice(current_user, advice):
        reply = reply_form(advice, numbered=points.numbered)
        if request.args.get("missing"):  # followed from the error summary of another page
            elsewhere = _mark_missing(advice, reply, points)
    consultation = advice.request.consultation
    return render_template(
        "advice/show.html",
        informed=informed_parts(consultation, "advice_point") if is_team(current_user, consultation) else {},
        advice=advice, consultation=advice.request.consultation, points=points,
        intro_form=intro_form, point_form=point_form, file_form=file_form, submit_form=SubmitForm(),
        reply=reply, reply_errors=reply_errors or [], elsewhere=elsewhere or [],
        code=format_receipt_code(advice.receipt_code) if advice.receipt_code else None,
        problems=submit_problems(advice) if draft else [], conflict=conflict, reply_conflict=reply_conflict,
        reply_shown=may_show_reply(advice, current_user)), status


@bp.route("/advice/<int:advice_id>")
def show(advice_id: int):
    return _show(advice_or_404(current_user, advice_id, points=False))


def advice_document(advice: Advice, *, reply: bool) -> DocumentModel:
    """The advice as a document (the same content in every format): the request, the council's
    introduction and points, and with ``reply`` the municipality's reply per point."""
    consultation = advice.request.consultation
    blocks = section(_("Request for advice"), advice.request.question, markdown=True)
    blocks += section(_("Advice of %(council)s", council=advice.council.name), advice.introduction, markdown=True,
                      meta=_("Submitted %(when)s", when=format_moment(advice.submitted_at)) if advice.submitted_at
                      else "")
    for number, point in enumerate(advice.points, start=1):
        blocks += section(f"{number}. {point.title}", point.body, level=3, markdown=True)
        if reply and point.disposition is not None:
            blocks.append(Paragraph(_("Response of the municipality: %(disposition)s", disposition=point.disposition.label)))
            blocks += written(point.reply, level=4)
    if reply:
        blocks += section(_("Reply of the municipality"), advice.reply_introduction, markdown=True,
                          meta=_("Published %(when)s", when=format_moment(advice.published_at)) if advice.published_at
                          else "")
    return DocumentModel(title=_("Advice of %(council)s", council=advice.council.name), subtitle=consultation.title,
                         blocks=blocks, filename_stem=f"advies-{consultation.slug}-{advice.id}",
                         language=str(get_locale()))


@bp.route("/advice/<int:advice_id>/export.<fmt>")
def export(advice_id: int, fmt: str):
    """The advice (with the reply where the reader may see it) as ODT, PDF or DOCX: for whoever may
    read the advice page; public once the consultation report is published."""
    advice = advice_or_404(current_user, advice_id)
    exporter_class = EXPORTERS.get(fmt)
    if exporter_class is None:
        abort(404)
    return send_export(exporter_class(advice_document(advice, reply=may_show_reply(advice, current_user))))


def _draft_or_refuse(advice_id: int) -> Advice:
    advice = advice_or_404(current_user, advice_id)
    if not can_draft_advice(current_user, advice):
        abort(403)
    return advice


# --- the draft page: one form, every button saves all of it ------------------------------------

def _save_typed(advice: Advice, *, point_needed: bool = False, file_needed: bool = False):
    """The draft page is one form and every button on it sends all of it, so before a button does
    its own work, what the person typed or chose anywhere on the page is saved: the introduction
    (from the version the page showed), a new advice point when its fields are filled in (or
    ``point_needed``), and a chosen document (or ``file_needed``). Pressing one button never loses
    the text typed for another.

    Returns (messages of what was saved, None), or (those messages, the page to show instead):
    the problems and the person's text kept, the button's own work not done. What could be saved
    stays in the session, for the caller to commit with either."""
    saved: list[str] = []
    intro_form = point_form = file_form = None
    conflict, status = None, 200
    if "introduction" in request.form:
        form = IntroductionForm()
        if form.validate():
            before = advice.introduction
            try:
                save_introduction(advice, form.introduction.data, version=form.version.data or 0, by=current_user)
            except AdviceConflict:
                form.introduction.errors.append(str(_conflict_message()))
                restart_from(form.version, advice.version)
                intro_form, conflict, status = form, advice.introduction, 409
            except AdviceRefused as refused:
                form.introduction.errors.append(str(refused.message))
                intro_form = form
            else:
                if advice.introduction != before:
                    saved.append(_("The introduction has been saved."))
        else:
            intro_form = form
    if point_needed or any((request.form.get(name) or "").strip() for name in ("title", "body")):
        form = PointForm()
        try:
            if not form.validate():
                point_form = form
            else:
                point = add_point(advice, title=form.title.data, body=form.body.data, by=current_user)
                saved.append(_("Advice point %(n)s has been added.", n=point.number))
        except AdviceRefused as refused:
            form.body.errors.append(str(refused.message))
            point_form = form
    upload = request.files.get("file")
    if file_needed or (upload is not None and upload.filename):
        try:
            stored = store_upload(upload, allowed=ADVICE_FILE_TYPES,
                                  type_message=_l("This kind of file is not accepted. Upload a PDF, ODT or DOCX file."))
            attach_file(advice, stored, by=current_user)
        except (UploadRejected, AdviceRefused) as refused:
            file_form = FileForm(formdata=None)
            file_form.file.errors = [str(refused.message)]
        else:
            saved.append(_("The document has been attached."))
    if intro_form is None and point_form is None and file_form is None:
        return saved, None
    for message in saved:
        flash(message, "ok")
    return saved, _show(advice, intro_form=intro_form, point_form=point_form, file_form=file_form,
                        conflict=conflict, status=status)


def _done(advice: Advice, saved: list[str], message: str | None, anchor: str = "", target: str | None = None,
          point: AdvicePoint | None = None):
    """Commit, say what was saved and done, and go back to the draft (or on to ``target``): to the
    page of points that shows ``point``, else to the page the form was sent from."""
    page = page_of_point(point) if point is not None else _page_asked()
    db.session.commit()
    for text in saved + ([message] if message else []):
        flash(text, "ok")
    return redirect(target or url_for("advice.show", advice_id=advice.id, page=page if page and page > 1 else None)
                    + anchor)


@bp.route("/advice/<int:advice_id>/introduction", methods=["POST"])
@login_required
def introduction(advice_id: int):
    """"Save introduction" (also what Enter in a field of the draft does), and "Change" of a point:
    everything typed is saved first, then the point's own page opens."""
    advice = _draft_or_refuse(advice_id)
    saved, page = _save_typed(advice)
    if page is not None:
        db.session.commit()
        return page
    change = next((p for p in advice.points if str(p.id) == request.form.get("change")), None)
    if change is not None:
        return _done(advice, saved, None, target=url_for("advice.edit_point", point_id=change.id))
    return _done(advice, saved, None if saved else _("The introduction has been saved."), "#intro")


@bp.route("/advice/<int:advice_id>/points", methods=["POST"])
@login_required
def add(advice_id: int):
    advice = _draft_or_refuse(advice_id)
    saved, page = _save_typed(advice, point_needed=True)
    if page is not None:
        db.session.commit()
        return page
    return _done(advice, saved, None, f"#point-{advice.points[-1].id}", point=advice.points[-1])


def _own_point(point_id: int, *, points: bool = True) -> AdvicePoint:
    point = db.session.get(AdvicePoint, point_id)
    if point is None:
        abort(404)
    advice = advice_or_404(current_user, point.advice_id, points=points)
    if not can_draft_advice(current_user, advice):
        abort(403)
    return point


@bp.route("/advice/points/<int:point_id>", methods=["GET", "POST"])
@login_required
def edit_point(point_id: int):
    point = _own_point(point_id, points=False)
    form = PointForm(obj=point) if request.method == "GET" else PointForm()
    conflict = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                save_point(point, title=form.title.data, body=form.body.data, version=form.version.data or 0,
                           by=current_user)
            except AdviceConflict:
                keep_on_conflict(form.body, form.version, point, message=_conflict_message())
                conflict, status = point, 409
            except AdviceRefused as refused:
                refuse_on(form.body, refused)
                status = 200
            else:
                page = page_of_point(point)
                db.session.commit()
                flash(_("Advice point %(n)s has been saved.", n=point_number(point)), "ok")
                return redirect(url_for("advice.show", advice_id=point.advice_id, page=page) + f"#point-{point.id}")
        else:
            status = 200
    return render_template("advice/point.html", point=point, advice=point.advice, form=form,
                           number=point_number(point), page=page_of_point(point),
                           consultation=point.advice.request.consultation, conflict=conflict), status


@bp.route("/advice/points/<int:point_id>/delete", methods=["POST"])
@login_required
def remove_point(point_id: int):
    point = _own_point(point_id)
    advice, number = point.advice, point.number
    saved, page = _save_typed(advice)
    if page is not None:
        db.session.commit()
        return page
    delete_point(point, by=current_user)
    return _done(advice, saved, _("Advice point %(n)s has been removed.", n=number), "#points")


@bp.route("/advice/points/<int:point_id>/move", methods=["POST"])
@login_required
def move(point_id: int):
    point = _own_point(point_id)
    saved, page = _save_typed(point.advice)
    if page is not None:
        db.session.commit()
        return page
    move_point(point, -1 if request.form.get("direction") == "up" else 1, by=current_user)
    db.session.flush()
    return _done(point.advice, saved, None, f"#point-{point.id}", point=point)


@bp.route("/advice/<int:advice_id>/file", methods=["POST"])
@login_required
def upload(advice_id: int):
    advice = _draft_or_refuse(advice_id)
    saved, page = _save_typed(advice, file_needed=True)
    if page is not None:
        db.session.commit()
        return page
    return _done(advice, saved, None, "#document")


@bp.route("/advice/<int:advice_id>/file/remove", methods=["POST"])
@login_required
def unattach(advice_id: int):
    advice = _draft_or_refuse(advice_id)
    saved, page = _save_typed(advice)
    if page is not None:
        db.session.commit()
        return page
    remove_file(advice, by=current_user)
    return _done(advice, saved, _("The document has been removed."), "#document")


@bp.route("/advice/<int:advice_id>/file")
@login_required
def download(advice_id: int):
    advice = advice_or_404(current_user, advice_id)
    if advice.file is None:
        abort(404)
    return advice.file.send()


@bp.route("/advice/<int:advice_id>/submit", methods=["POST"])
@login_required
def submit_advice(advice_id: int):
    advice = advice_or_404(current_user, advice_id)
    if not can_submit_advice(current_user, advice):
        abort(403)
    saved, page = _save_typed(advice)  # what was typed last belongs to the advice submitted
    if page is not None:
        db.session.commit()
        return page
    try:
        submit(advice, by=current_user)
    except AdviceRefused as refused:  # refused before it changed anything: what was typed is kept
        flash(str(refused.message), "error")
        return _done(advice, saved, None)
    return _done(advice, saved, _("The advice has been submitted to the project team. Your receipt code is %(code)s.",
                                  code=format_receipt_code(advice.receipt_code)))


# --- the team's reply ---------------------------------------------------------------------------

def _field_id(point: AdvicePoint) -> str:
    """The reply form's field that a point without a complete reply lacks: its choice, else its reason."""
    return f"disposition_{point.id}" if point.disposition is None else f"reply_{point.id}"


def _elsewhere(advice: Advice, others: dict[int, list[AdvicePoint]]) -> list[tuple[int, str, str]]:
    """Per other page of points that still lacks replies: (page, the address of its first field
    that lacks one, the message naming the points), for the error summary to link there."""
    return [(number, url_for("advice.show", advice_id=advice.id, page=number if number > 1 else None, missing=1,
                             _anchor=_field_id(missing[0])),
             _("Page %(page)s: advice points %(numbers)s still lack a choice or a reason.",
               page=number, numbers=", ".join(str(point.number) for point in missing)))
            for number, missing in sorted(others.items())]


def _mark_missing(advice: Advice, form, points) -> list[tuple[int, str, str]]:
    """Put the message of every point of this page that lacks a choice or a reason at its field of
    the reply ``form``; return the other pages that still lack some, for the error summary."""
    shown = {point.id for _number, point in points.numbered}
    others: dict[int, list[AdvicePoint]] = {}
    for point, message in reply_problems(advice):
        if point.id in shown:
            field = form[_field_id(point)]
            field.errors = list(field.errors) + [message]
        else:  # on another page of points: named in the summary, linked to that page's field
            others.setdefault((point.number - 1) // points.per_page + 1, []).append(point)
    return _elsewhere(advice, others)


@bp.route("/advice/<int:advice_id>/reply", methods=["POST"])
@login_required
def reply(advice_id: int):
    advice = advice_or_404(current_user, advice_id)
    if not can_reply_advice(current_user, advice):
        abort(403)
    points = point_page(advice, _page_asked())
    form = reply_form(advice, request.form, numbered=points.numbered)
    if not form.validate_on_submit():
        return _show(advice, reply=form, points=points, status=200)
    replies = {}
    for _number, point in points.numbered:  # the points of the page the form showed
        value = form[f"disposition_{point.id}"].data
        replies[point.id] = (Disposition(value) if value else None, form[f"reply_{point.id}"].data or "")
    try:
        save_reply(advice, introduction=form.reply_introduction.data or "", replies=replies, by=current_user,
                   version=form.version.data)
        if request.form.get("action") == "publish":
            if reply_problems(advice):
                elsewhere = _mark_missing(advice, form, points)
                restart_from(form.version, advice.reply_version)
                db.session.commit()  # the reply so far is kept
                return _show(advice, reply=form, points=points, elsewhere=elsewhere, status=200)
            publish_reply(advice, by=current_user)
    except AdviceConflict:
        keep_on_conflict(form.reply_introduction, form.version, advice, "reply_version",
                         message=_reply_conflict_message())
        return _show(advice, reply=form, points=points, status=409, reply_conflict=True)
    except AdviceRefused as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return redirect(url_for("advice.show", advice_id=advice.id))
    if request.form.get("action") == "publish":
        db.session.commit()
        flash(_("The reply has been published. Advice and reply are now visible to all participants."), "ok")
        return redirect(url_for("advice.show", advice_id=advice.id))
    db.session.commit()
    flash(_("The reply has been saved. It is not visible to others until you publish it."), "ok")
    return redirect(url_for("advice.show", advice_id=advice.id, page=points.page if points.page > 1 else None)
                    + "#reply")


# --- council comments on themes and questions ----------------------------------------------------

@bp.route("/consultations/<slug>/council-comments", methods=["GET", "POST"])
@login_required
def comments(slug: str):
    from consult.consultations.models import Consultation

    consultation = load_consultation(slug, selectinload(Consultation.themes).selectinload(Theme.questions))
    if not can_read_council_comments(current_user, consultation):
        deny_hidden()
    may_comment = can_comment_as_council(current_user, consultation)
    form = CommentForm()
    choices = [("", _("The consultation in general"))]
    for theme in consultation.themes:
        choices.append((f"t{theme.id}", _("Theme: %(title)s", title=theme.title)))
        for question in theme.questions:
            choices.append((f"q{question.id}", _("Question: %(text)s", text=question.text[:80])))
    form.target.choices = choices
    if request.method == "GET" and request.args.get("about"):
        form.target.data = request.args["about"]
    if request.method == "POST":
        if not may_comment:
            abort(403)
        if form.validate_on_submit():
            theme = question = None
            target = form.target.data or ""
            if target.startswith("t"):
                theme = next((t for t in consultation.themes if f"t{t.id}" == target), None)
            elif target.startswith("q"):
                question = next((q for t in consultation.themes for q in t.questions if f"q{q.id}" == target), None)
            organisation = council_memberships(current_user)[0].organisation
            try:
                comment = add_comment(consultation, body=form.body.data, by=current_user, organisation=organisation,
                                      theme=theme, question=question)
            except AdviceRefused as refused:
                refuse_on(form.body, refused)
            else:
                page = comment_page_of(comment)
                db.session.commit()
                flash(_("Your comment has been added. The project team and the councils can read it."), "ok")
                return redirect(url_for("advice.comments", slug=slug, page=page) + f"#comment-{comment.id}")
    items = comment_page(consultation, arg_page())
    return render_template("advice/comments.html", consultation=consultation, form=form, items=items), 200
