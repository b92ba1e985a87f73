"""Questions and answers pages: ask, read the published items, answer and publish, export."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from consult.audit.services import record_event
from consult.consultations.loaders import load_consultation
from consult.core.access import deny_hidden
from consult.core.documents import EXPORTERS, DocumentModel, labelled_text, section, send_export
from consult.core.forms import arg_int
from consult.core.paging import arg_page
from consult.core.refused import refuse_on
from consult.core.templating import format_moment
from consult.dialogue.models import Post
from consult.dialogue.permissions import can_moderate
from consult.disclosure.qa import Where, confirmation_code, publication_warnings
from consult.extensions import db
from consult.notify.models import Kind
from consult.notify.services import mark_read_about
from consult.qa import bp
from consult.qa.forms import AnswerForm, AskForm
from consult.qa.models import QaItem, QaStatus
from consult.qa.permissions import can_answer_qa, can_ask_question, can_read_qa, can_see_item
from consult.qa.services import (
    QaNeedsConfirmation,
    QaRefused,
    ask,
    from_post,
    initiative,
    own_page,
    page_of,
    publish,
    published_count,
    published_items,
    published_page,
    received_page,
    save,
    waiting_page,
)
from consult.responses.permissions import responding_organisations


def _require_read(consultation):
    if not can_read_qa(current_user, consultation):
        deny_hidden()


def _theme_choices(consultation, label):
    return [(0, label)] + [(t.id, t.title) for t in consultation.themes]


@bp.route("/consultations/<slug>/qa", methods=["GET", "POST"])
def index(slug: str):
    consultation = load_consultation(slug)
    _require_read(consultation)
    form = AskForm()
    form.theme.choices = _theme_choices(consultation, _("The consultation in general"))
    # The lists' place (theme, page of the answers, page of the own questions) is in the address,
    # also of the form's action: a question refused or sent comes back to the same place.
    theme_id, lot_id = arg_int("theme"), arg_int("lot")
    page_asked = arg_page()
    if request.method == "POST":
        if not current_user.is_authenticated:
            deny_hidden()  # anyone reads the published answers; asking needs an account: the login page
        if not can_ask_question(current_user, consultation):
            abort(403)
        if form.validate_on_submit():
            organisation = responding_organisations(current_user)[0]
            theme = next((t for t in consultation.themes if t.id == form.theme.data), None)
            try:
                ask(consultation, theme, form.text.data, by=current_user, organisation=organisation)
            except QaRefused as refused:
                refuse_on(form.text, refused)
            else:
                db.session.commit()
                flash(_("Your question has been sent to the project team. "
                        "The answer is published to all participants at the same time."), "ok")
                # The own questions from their first page, which holds the new one (newest first).
                return redirect(url_for("qa.index", slug=slug, theme=theme_id,
                                        page=page_asked if page_asked > 1 else None))
    if current_user.is_authenticated and mark_read_about(current_user, Kind.QA, consultation):
        db.session.commit()  # the published answers are read now: the bell and the home page stop counting them
    own_orgs = [org.id for org in responding_organisations(current_user)]
    own = own_page(consultation, own_orgs, current_user, arg_page("mine")) if own_orgs else None
    items, page, pages = published_page(consultation, theme_id, page_asked, lot_id=lot_id)
    return render_template("qa/index.html", consultation=consultation, items=items, page=page, pages=pages,
                           theme_id=theme_id, lot_id=lot_id, own=own, form=form)


@bp.route("/consultations/<slug>/qa/received")
@login_required
def received(slug: str):
    """Every published item with its publication time: what each organisation has been told."""
    consultation = load_consultation(slug)
    _require_read(consultation)
    return render_template("qa/received.html", consultation=consultation, page_of=page_of,
                           page=received_page(consultation, arg_page()))


@bp.route("/consultations/<slug>/qa/manage", methods=["GET", "POST"])
@login_required
def manage(slug: str):
    consultation = load_consultation(slug)
    if not can_answer_qa(current_user, consultation):
        abort(403 if can_read_qa(current_user, consultation) else 404)
    if request.method == "POST":  # a new item on the team's own initiative
        item = initiative(consultation, by=current_user)
        db.session.commit()
        return redirect(url_for("qa.answer", item_id=item.id))
    return render_template("qa/manage.html", consultation=consultation,
                           waiting=waiting_page(consultation, arg_page()),
                           published=published_count(consultation))


@bp.route("/qa/<int:item_id>", methods=["GET", "POST"])
@login_required
def answer(item_id: int):
    item = db.session.get(QaItem, item_id)
    if item is None or not can_see_item(current_user, item):
        abort(404)
    consultation = item.consultation
    if not can_answer_qa(current_user, consultation):
        abort(403)
    form = AnswerForm(obj=item)
    form.theme.choices = _theme_choices(consultation, _("The consultation in general"))
    if consultation.lots:
        form.lot.choices = [SelectChoice("", _("Every lot"))] + [SelectChoice(lot.id, lot.name) for lot in consultation.lots]
    if request.method == "GET":
        # The team's own wording or nothing: never the question as asked, which is shown beside it.
        form.theme.data = item.theme_id or 0
        form.lot.data = item.lot_id
        form.question.data = item.question
    lot = next((lot for lot in consultation.lots if lot.id == form.lot.data), None)
    if form.lot.data is not None and lot is None and form.is_submitted():
        form.lot.errors = [_("Choose one of the consultation's lots.")]
    elif form.validate_on_submit():
        theme = next((t for t in consultation.themes if t.id == form.theme.data), None)
        try:
            save(item, question=form.question.data, answer=form.answer.data, theme=theme, by=current_user, lot=lot)
            if request.form.get("action") == "publish":
                publish(item, by=current_user,
                        confirmed=form.confirmation.data if form.confirm_identity.data else None)
        except QaNeedsConfirmation as needed:
            refuse_on(form.confirm_identity, needed)
            form.confirm_identity.data = False
        except QaRefused as refused:
            refuse_on(form.answer, refused)
        else:
            db.session.commit()
            if item.status == QaStatus.PUBLISHED:
                flash(_("Question %(n)s and its answer have been published to all participants.", n=item.number), "ok")
                return redirect(url_for("qa.manage", slug=consultation.slug))
            flash(_("The answer has been saved as a draft."), "ok")
            return redirect(url_for("qa.answer", item_id=item.id))
    if item.status != QaStatus.PUBLISHED:
        warnings = publication_warnings(item, form.question.data or "", form.answer.data or "")
        form.confirmation.data = confirmation_code(warnings) if warnings else ""
    else:
        warnings = []
    return render_template("qa/answer.html", consultation=consultation, item=item, form=form,
                           warnings=warnings, Where=Where)


@bp.route("/posts/<int:post_id>/substantive", methods=["POST"])
@login_required
def substantive(post_id: int):
    post = db.session.get(Post, post_id)
    if post is None or not can_moderate(current_user, post.thread.consultation):
        abort(404)
    if not can_answer_qa(current_user, post.thread.consultation):
        abort(403)
    try:
        item = from_post(post, by=current_user)
    except QaRefused as refused:
        flash(str(refused.message), "error")
        return redirect(url_for("dialogue.thread", thread_id=post.thread_id))
    db.session.commit()
    flash(_("Publish this information as a question-and-answer item, so every participant gets it."), "warning")
    return redirect(url_for("qa.answer", item_id=item.id))


def qa_document(consultation) -> DocumentModel:
    items = published_items(consultation)
    blocks = []
    for item in items:
        blocks += section(_("Question %(n)s", n=item.number), item.question, markdown=True,
                          meta=_("Published %(when)s", when=format_moment(item.published_at))
                          + (f" · {item.theme.title}" if item.theme else "")
                          + (" · " + pgettext("procurement lot", "Lot %(lot)s", lot=item.lot.name) if item.lot else ""))
        blocks += labelled_text(_("Answer"), item.answer, level=3)
    municipalities = ", ".join(m.name for m in consultation.municipalities)
    return DocumentModel(title=_("Questions and answers (nota van inlichtingen)"),
                         subtitle=f"{consultation.title} — {municipalities}", blocks=blocks,
                         filename_stem=f"nota-van-inlichtingen-{consultation.slug}",
                         language=str(get_locale()))


@bp.route("/consultations/<slug>/qa/export.<fmt>")
def export(slug: str, fmt: str):
    consultation = load_consultation(slug)
    _require_read(consultation)
    exporter_class = EXPORTERS.get(fmt)
    if exporter_class is None:
        abort(404)
    result = send_export(exporter_class(qa_document(consultation)))
    if current_user.is_authenticated:
        record_event("qa_exported", actor=current_user, obj=consultation, format=fmt)
        db.session.commit()
    return result
