"""The response flow for providers and councils, the receipt, and the team's view.

Views: load through the scoping helpers (404) → authorise (named predicate) → act (service)
→ respond (page, or the fragment for htmx).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from consult.audit.services import record_event
from consult.consultations.conditions import SIZE_LABELS, question_numbers, referenced_questions
from consult.consultations.loaders import load_consultation
from consult.consultations.models import OfferedLot, Question, QuestionKind
from consult.consultations.permissions import is_team
from consult.consultations.trajectory_services import since_earlier
from consult.core.forms import arg_int, db_int
from consult.core.htmx import current_url, htmx_redirect, is_htmx
from consult.core.limits import limit_route
from consult.core.ondemand import limit_generation
from consult.core.paging import arg_page
from consult.core.receipts import format_receipt_code
from consult.core.time import utcnow
from consult.core.uploads import UploadRejected, store_upload
from consult.extensions import db
from consult.orgs.models import Organisation, OrgKind
from consult.responses import bp
from consult.responses.answers import (
    AnswerError,
    IncompleteAnswer,
    as_typed,
    form_value,
    parse_answer,
    posted_values,
    sheet_lines,
)
from consult.responses.forms import PageProblems, ReviewForm, StartForm, WithdrawForm, offer_form, try_out_form
from consult.responses.models import Answer, Response, ResponseStatus
from consult.responses.permissions import (
    can_edit_response,
    own_response_and_question_or_404,
    own_response_or_404,
    responding_organisations,
    submitted_response_for_team_or_404,
    team_response_page,
)
from consult.responses.prefill import copied_from, copy_earlier_answers, copyable_answers
from consult.responses.services import (
    Asking,
    DeadlinePassed,
    OfferRefused,
    StaleAnswer,
    SubmitBlocked,
    add_attachment,
    answers_per_lot,
    has_unsubmitted_changes,
    hidden_answers,
    is_asked,
    is_eligible,
    is_skipped,
    lot_pairs,
    needs_offer,
    needs_size,
    offer_summary,
    page_questions,
    profile_missing,
    progress,
    question_for,
    remove_attachment,
    save_answer,
    set_offer,
    set_publication,
    start_response,
    submit,
    submit_problems,
    verify_receipt,
    withdraw,
)

RESPONSE_FILE_TYPES = ("pdf", "odt", "docx")
_MERGED = _l("Both texts are now in the field, one after the other, and saved as a draft. Merge them into one answer.")


@bp.after_request
def _private(response):
    """Response pages hold an organisation's (possibly confidential) input: never cache them."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(CSRFError)
def _expired_form(error):
    """An expired form during editing: back to the form, where the autosaved text waits."""
    back = current_url() or request.referrer or url_for("home.index")
    if is_htmx():
        return htmx_redirect(back)
    flash(_("The page had expired, so your last change was not saved. Your saved answers are "
            "below; check them and save again."), "warning")
    return redirect(back if back.startswith(request.host_url) else url_for("home.index"))


# --- the state of one question on the page --------------------------------------------------

@dataclass
class QuestionState:
    question: Question
    value: Any = None          # what the form shows (str or list)
    confidential: bool = False
    skipped: bool = False      # "we do not answer this question" (optional questions only)
    version: int = 0
    error: str | None = None
    incomplete: bool = False   # the error is an answer still being filled in (IncompleteAnswer)
    conflict: Any = None       # the colleague's stored answer when a save was stale
    changed: bool = False      # this request wrote a new version (not just "already saved")
    attachments: list = field(default_factory=list)


def _states(response: Response, questions: list[Question]) -> dict[int, QuestionState]:
    states = {}
    for question in questions:
        answer = response.answer_for(question.id)
        states[question.id] = QuestionState(
            question=question,
            value=form_value(question, answer.value if answer else None),
            confidential=answer.confidential if answer else question.confidential_default,
            skipped=bool(answer and answer.skipped) and not question.required,
            version=answer.version if answer else 0,
            attachments=answer.current_attachments if answer and question.kind == QuestionKind.FILE else [],
        )
    return states


def _base_version(question: Question) -> int | None:
    return db_int(request.form.get(f"v-{question.id}"))


def _merging(question: Question) -> bool:
    """The person chose "Keep both texts" on this open question's conflict screen."""
    return question.kind == QuestionKind.OPEN and request.form.get("merge") == str(question.id)


def _apply_answer(response: Response, question: Question, state: QuestionState, *, only_answer: bool = False) -> bool:
    """Read one question from the form and save it; fills ``state`` with errors or conflicts.
    ``only_answer``: the request saves no other answer (an autosave; see ``save_answer``).

    "Keep both texts" saves the person's text followed by the stored one, for them to merge."""
    values = posted_values(question, request.form)
    if _merging(question):
        stored = response.answer_for(question.id)
        texts = [values[0] if values else "", (stored.value or "") if stored else ""]
        values = ["\n\n".join(text for text in texts if text.strip())]
    confidential = request.form.get(f"c-{question.id}") == "1"
    skipped = _skipping(question)
    state.value = as_typed(question, values)
    state.confidential, state.skipped = confidential, skipped
    try:
        value = parse_answer(question, values)
        answer, changed = save_answer(response, question, value, confidential, _base_version(question),
                                      by=current_user, skipped=skipped, only_answer=only_answer)
    except AnswerError as problem:
        state.error, state.incomplete = str(problem.message), isinstance(problem, IncompleteAnswer)
        return False
    except StaleAnswer as stale:
        state.conflict = stale.answer
        state.version = stale.answer.version
        return False
    state.version = answer.version
    state.changed = changed
    if changed:
        state.value = form_value(question, answer.value)
    return True


def _skipping(question: Question) -> bool:
    """The person ticked "we do not answer this question" (offered for optional questions only)."""
    return not question.required and request.form.get(f"s-{question.id}") == "1"


def _apply_skip(response: Response, question: Question, state: QuestionState) -> None:
    """A file question has no text to save with the page, only whether it is skipped: its files
    come and go by upload, so the mark is written from the version loaded here."""
    answer = response.answer_for(question.id)
    state.skipped = _skipping(question)
    confidential = answer.confidential if answer else question.confidential_default
    saved, _changed = save_answer(response, question, None, confidential, None, by=current_user,
                                  skipped=state.skipped)
    state.version = saved.version


def _apply_file_action(response: Response, questions: list[Question], states: dict[int, QuestionState]):
    """The theme form's "Upload file" or "Remove" button (one form, so the answers typed on the page
    are saved with it, also without JavaScript). Returns None when neither was pressed, else the
    file question, whether it worked, and what to tell the person; a refused file is the question's
    error on the page."""
    action = request.form.get("action", "")
    kind, _sep, raw = action.partition("-")
    number = db_int(raw)  # a question's or an attachment's id; none that a row can have: no button
    if kind not in ("upload", "remove") or number is None:
        return None
    files = {q.id: q for q in questions if q.kind == QuestionKind.FILE}
    if kind == "upload":
        question = files.get(number) or abort(404)
        state = states[question.id]
        try:
            stored = store_upload(request.files.get(f"file-{question.id}"), allowed=RESPONSE_FILE_TYPES,
                                  type_message=_l("This kind of file is not accepted. Upload a PDF, ODT or DOCX file."))
        except UploadRejected as rejected:
            state.error = str(rejected.message)
            return question, False, None
        add_attachment(response, question, stored, by=current_user)
        state.attachments = response.answer_for(question.id).current_attachments
        return question, True, _l("The file has been added.")
    attachment = _own_attachment(response, number)
    question = files.get(attachment.answer.question_id) or abort(404)
    remove_attachment(attachment, by=current_user)
    states[question.id].attachments = [a for a in states[question.id].attachments if a.id != attachment.id]
    return question, True, _l("The file has been removed.")


def _theme_context(response: Response, theme_id: int):
    items = progress(response)
    index = next((i for i, item in enumerate(items) if item.theme.id == theme_id), None)
    if index is None:
        abort(404)
    return items, index


# --- starting and the overview --------------------------------------------------------------

@bp.route("/consultations/<slug>/respond", methods=["POST"])
@login_required
def start(slug: str):
    consultation = load_consultation(slug)
    orgs = {org.id: org for org in responding_organisations(current_user)}
    form = StartForm()
    form.validate()  # a number that is not one reads as none
    org = orgs.get(form.organisation_id.data or 0) or (
        next(iter(orgs.values())) if len(orgs) == 1 else None)
    if org is None:
        abort(403)
    try:
        response = start_response(consultation, org, by=current_user)
    except DeadlinePassed:
        flash(_("This consultation is closed; responses can no longer be started."), "error")
        return redirect(url_for("consultations.show", slug=slug))
    db.session.commit()
    if profile_missing(response):  # first: which lots, and where (and how large the organisation is)
        return redirect(url_for("responses.offer", response_id=response.id))
    return redirect(url_for("responses.overview", response_id=response.id))


@bp.route("/responses/<int:response_id>/offer", methods=["GET", "POST"])
@login_required
def offer(response_id: int):
    """Which lots the organisation offers and in which municipalities: the questions follow."""
    response = own_response_or_404(current_user, response_id)
    if not needs_offer(response):
        abort(404)
    editable = can_edit_response(current_user, response)
    form = offer_form(response)
    lots = response.consultation.lots
    if request.method == "POST":
        if not editable:  # the offer as stored, not as sent
            db.session.rollback()
            return render_template("responses/offer.html", response=response, form=offer_form(response, formdata=None),
                                   editable=False, closed=True), 409
        if form.validate_on_submit():
            try:
                added = set_offer(response, form.pairs(lots), size=form.size.data if "size" in form else None,
                                  by=current_user)
            except DeadlinePassed:
                db.session.rollback()
                return render_template("responses/offer.html", response=response,
                                       form=offer_form(response, formdata=None), editable=False, closed=True), 409
            except OfferRefused as refused:  # about the offer as a whole: shown above the lots
                db.session.rollback()
                return render_template("responses/offer.html", response=response, form=form, editable=editable,
                                       closed=False, problem=str(refused.message), answered=answers_per_lot(response))
            else:
                db.session.commit()
                flash(_("Your lots have been saved. The questions follow what you offer.") if lots
                      else _("Saved. The questions follow the size of your organisation."), "ok")
                if added:
                    flash(ngettext("A question was added for you: %(questions)s", "%(num)d questions were added for you: "
                                   "%(questions)s", len(added), questions="; ".join(q.text for q in added)), "ok")
                return redirect(url_for("responses.overview", response_id=response.id))
    return render_template("responses/offer.html", response=response, form=form, editable=editable, closed=False,
                           answered=answers_per_lot(response))


@bp.route("/responses/<int:response_id>")
@login_required
def overview(response_id: int):
    response = own_response_or_404(current_user, response_id)
    items = progress(response)
    editable = can_edit_response(current_user, response)
    return render_template("responses/overview.html", response=response, items=items,
                           editable=editable, unsubmitted=has_unsubmitted_changes(response),
                           needs_offer=needs_offer(response), offered=offer_summary(response),
                           hidden=hidden_answers(response), size=_size(response),
                           copyable=copyable_answers(current_user, response) if editable else [],
                           since=since_earlier(current_user, response.consultation, [q for i in items for q in i.questions]))


@bp.route("/responses/<int:response_id>/copy-earlier", methods=["POST"])
@login_required
def copy_earlier(response_id: int):
    """Copy the organisation's own submitted answers of an earlier round (consult.responses.prefill)."""
    response = own_response_or_404(current_user, response_id)
    if not can_edit_response(current_user, response):
        abort(403)
    try:
        count = copy_earlier_answers(current_user, response)
    except DeadlinePassed:
        db.session.rollback()
        abort(403)
    db.session.commit()
    flash(ngettext("%(num)d answer has been copied from the earlier round. Check it before you submit.",
                   "%(num)d answers have been copied from the earlier round. Check them before you submit.", count)
          if count else _("There was nothing to copy: every marked question has an answer already."), "ok")
    return redirect(url_for("responses.overview", response_id=response.id))


# --- one theme per page -----------------------------------------------------------------------

@bp.route("/responses/<int:response_id>/themes/<int:theme_id>", methods=["GET", "POST"])
@login_required
def theme(response_id: int, theme_id: int):
    response = own_response_or_404(current_user, response_id)
    items, index = _theme_context(response, theme_id)
    item = items[index]
    # Every question of the page, those not asked now hidden: an answer here may show them.
    on_page = [q for q, _asked in page_questions(response, item.theme)]
    states = _states(response, on_page)
    status = 200
    if request.method == "POST":
        if not can_edit_response(current_user, response):
            for question in on_page:  # keep what was typed on the page
                states[question.id].value = as_typed(question, posted_values(question, request.form))
            db.session.rollback()
            return _render_theme(response, items, index, states, closed=True), 409
        asked_before = {q.id for q, asked in page_questions(response, item.theme) if asked}
        try:
            results = {q.id: _apply_answer(response, q, states[q.id]) for q in on_page if q.kind != QuestionKind.FILE}
            for question in on_page:
                if question.kind == QuestionKind.FILE:
                    _apply_skip(response, question, states[question.id])
            file_done = _apply_file_action(response, on_page, states)
        except DeadlinePassed:
            db.session.rollback()
            return _render_theme(response, items, index, states, closed=True), 409
        # A question the page's answers leave unasked is hidden: what cannot be read there is not held
        # against the page (it is not saved, and it is not sent).
        db.session.flush()
        db.session.expire(response, ["answers"])
        asked_now = {q.id for q, asked in page_questions(response, item.theme) if asked}
        for question_id, saved in results.items():
            if not saved and question_id not in asked_now and states[question_id].conflict is None:
                states[question_id].error, results[question_id] = None, True
        ok = all(results.values())
        appeared = [q for q in on_page if q.id in asked_now - asked_before]
        db.session.commit()
        if file_done is not None:
            file_question, file_ok, told = file_done
            if file_ok:
                flash(str(told), "ok")
            if ok and file_ok:
                return redirect(url_for("responses.theme", response_id=response.id, theme_id=theme_id)
                                + f"#question-{file_question.id}")
            ok = False  # the page again, with the problem and everything typed
        merged = next((q for q in on_page if _merging(q)), None)
        if ok and merged is not None:
            flash(str(_MERGED), "ok")
            return redirect(url_for("responses.theme", response_id=response.id, theme_id=theme_id) + f"#q-{merged.id}")
        items = progress(response)  # the answers saved may have shown or hidden questions and themes
        index = next((i for i, it in enumerate(items) if it.theme.id == theme_id), None)
        if ok:
            flash(_("Your answers have been saved."), "ok")
            if index is None:  # this theme is no longer asked (an answer here cannot do that; another tab can)
                return redirect(url_for("responses.overview", response_id=response.id))
            if appeared and request.form.get("action") == "next":  # answer these here first
                flash(ngettext("Your answers add a question on this page: %(questions)s",
                               "Your answers add %(num)d questions on this page: %(questions)s", len(appeared),
                               questions="; ".join(q.text for q in appeared)), "ok")
                return redirect(url_for("responses.theme", response_id=response.id, theme_id=theme_id)
                                + f"#question-{appeared[0].id}")
            if request.form.get("action") == "next":
                if index + 1 < len(items):
                    return redirect(url_for("responses.theme", response_id=response.id, theme_id=items[index + 1].theme.id))
                return redirect(url_for("responses.review", response_id=response.id))
            return redirect(url_for("responses.theme", response_id=response.id, theme_id=theme_id))
        if index is None:
            items, index = _theme_context(response, theme_id)
        status = 409 if any(s.conflict for s in states.values()) else 200
    return _render_theme(response, items, index, states), status


def _render_theme(response, items, index, states, closed: bool = False):
    asked = {q.id: is_asked for q, is_asked in page_questions(response, items[index].theme)}
    return render_template("responses/theme.html", response=response, items=items, index=index,
                           item=items[index], states=states, asked=asked,
                           editable=can_edit_response(current_user, response) and not closed,
                           closed=closed, now=utcnow(), copied=copied_from(response),
                           since=since_earlier(current_user, response.consultation, items[index].questions))


def _visibility_header(response: Response, question: Question) -> dict[str, str]:
    """Where other questions of the page depend on this answer: which of the page's questions are
    asked now, for the page to show and hide them at once (consult.js); an event htmx sends on."""
    if question.theme_has_conditions is not None and not question.theme_has_conditions:
        # (as the autosave's query found: no question of the page depends on an answer)
        return {}
    conditions = db.session.scalars(select(Question.condition).where(
        Question.theme_id == question.theme_id, Question.condition.is_not(None)))  # one statement: most have none
    if not any(question.id in referenced_questions(condition) for condition in conditions):
        return {}
    db.session.expire(response, ["answers"])  # as just saved
    shown = {str(q.id): asked for q, asked in page_questions(response, question.theme)}
    return {"HX-Trigger-After-Settle": json.dumps({"consult:visibility": {"asked": shown}})}


@bp.route("/responses/<int:response_id>/answers/<int:question_id>", methods=["POST"])
@login_required
def autosave(response_id: int, question_id: int):
    """Save one answer while the person types (htmx); answers with a status or a conflict, and with
    which questions of the page are asked now when others depend on this one."""
    user = current_user._get_current_object()  # one lookup: this runs on every keystroke pause
    response, question = own_response_and_question_or_404(user, response_id, question_id)
    if not is_eligible(response, question):
        abort(404)
    state = _states(response, [question])[question.id]
    if not can_edit_response(user, response):
        return render_template("responses/_save_status.html", state=state, closed=True), 409
    try:
        saved = _apply_answer(response, question, state, only_answer=True)
    except DeadlinePassed:
        db.session.rollback()
        return render_template("responses/_save_status.html", state=state, closed=True), 409
    # Rendered before the commit, from objects still loaded (a commit expires them all and the
    # template would load them again); sent only once the commit has succeeded.
    status = 409 if state.conflict is not None else 200
    if _merging(question):  # the field itself changed: send the whole question back
        body = render_template("responses/_question.html", response=response, state=state, editable=True,
                               focus=True, status_message=_MERGED if saved else None,
                               number=_number_in_theme(response, question), copied=copied_from(response),
                               since=since_earlier(current_user, response.consultation, [question]))
    else:
        body = render_template("responses/_save_status.html", response=response, state=state,
                               saved=state.changed, now=utcnow())
    headers = _visibility_header(response, question) if saved else {}
    db.session.commit()
    return body, status, headers


@bp.route("/responses/<int:response_id>/answers/<int:question_id>/sheet/<int:row>", methods=["POST"])
@login_required
def cost_sum(response_id: int, question_id: int, row: int):
    """The arithmetic of one product of a cost-price sheet from the figures typed so far (htmx, while
    the person types): computed by the rules that save it, nothing written."""
    response, question = own_response_and_question_or_404(current_user, response_id, question_id)
    if question.kind != QuestionKind.COST_PRICE or not is_eligible(response, question):
        abort(404)
    lines = sheet_lines(question, posted_values(question, request.form))
    if row >= len(lines):
        abort(404)
    return render_template("responses/_cost_sum.html", line=lines[row], said_id=f"said-{question.id}-{row}")


@bp.route("/responses/<int:response_id>/answers/<int:question_id>/fresh")
@login_required
def fresh_question(response_id: int, question_id: int):
    """The question as stored now (to take a colleague's text after a conflict)."""
    response = own_response_or_404(current_user, response_id)
    question = _own_question(response, question_id)
    state = _states(response, [question])[question.id]
    return render_template("responses/_question.html", response=response, state=state,
                           editable=can_edit_response(current_user, response), focus=True,
                           number=_number_in_theme(response, question), copied=copied_from(response),
                           since=since_earlier(current_user, response.consultation, [question]))


def _number_in_theme(response: Response, question: Question) -> int:
    """The question's number on its theme page (among the questions this organisation is asked)."""
    on_page = [q for q, _asked in page_questions(response, question.theme)]
    return on_page.index(question) + 1


def _own_question(response: Response, question_id: int) -> Question:
    question = question_for(response, question_id)
    if question is None:
        abort(404)
    return question


# --- attachments ------------------------------------------------------------------------------

@bp.route("/responses/<int:response_id>/answers/<int:question_id>/files", methods=["POST"])
@login_required
def upload(response_id: int, question_id: int):
    response = own_response_or_404(current_user, response_id)
    question = _own_question(response, question_id)
    if question.kind != QuestionKind.FILE:
        abort(404)
    theme_id = question.theme_id
    back = url_for("responses.theme", response_id=response.id, theme_id=theme_id) + f"#question-{question.id}"
    if not can_edit_response(current_user, response):
        flash(_("The deadline has passed; files can no longer be added."), "error")
        return redirect(back)
    try:
        stored = store_upload(request.files.get("file"), allowed=RESPONSE_FILE_TYPES,
                              type_message=_l("This kind of file is not accepted. Upload a PDF, ODT or DOCX file."))
        add_attachment(response, question, stored, by=current_user)
    except UploadRejected as rejected:
        db.session.rollback()
        flash(str(rejected.message), "error")
        return redirect(back)
    except DeadlinePassed:
        db.session.rollback()
        flash(_("The deadline has passed; files can no longer be added."), "error")
        return redirect(back)
    db.session.commit()
    flash(_("The file has been added."), "ok")
    return redirect(back)


def _own_attachment(response: Response, attachment_id: int):
    for answer in response.answers:
        for attachment in answer.attachments:
            if attachment.id == attachment_id:
                return attachment
    abort(404)


@bp.route("/responses/<int:response_id>/files/<int:attachment_id>/remove", methods=["POST"])
@login_required
def remove_file(response_id: int, attachment_id: int):
    response = own_response_or_404(current_user, response_id)
    attachment = _own_attachment(response, attachment_id)
    if not is_asked(response, attachment.answer.question):  # a hidden answer is kept as it is
        abort(404)
    try:
        remove_attachment(attachment, by=current_user)
    except DeadlinePassed:
        db.session.rollback()
        flash(_("The deadline has passed; files can no longer be removed."), "error")
    else:
        db.session.commit()
        flash(_("The file has been removed."), "ok")
    return redirect(url_for("responses.theme", response_id=response.id,
                            theme_id=attachment.answer.question.theme_id))


@bp.route("/responses/<int:response_id>/files/<int:attachment_id>")
@login_required
def download(response_id: int, attachment_id: int):
    response = own_response_or_404(current_user, response_id)
    return _send_attachment(_own_attachment(response, attachment_id))


def _send_attachment(attachment):
    return attachment.send()


# --- review, submit, receipt, withdraw --------------------------------------------------------

@bp.route("/responses/<int:response_id>/review", methods=["GET", "POST"])
@login_required
def review(response_id: int):
    response = own_response_or_404(current_user, response_id)
    items = progress(response)
    if request.method != "POST":
        return _render_review(response, items, _review_form(response, formdata=None))
    if not can_edit_response(current_user, response):
        return _render_review(response, items, _review_form(response, formdata=None), closed=True), 409
    form = _review_form(response)
    confirmed = form.validate()  # the confirmation ticked, the choice one of the options
    try:
        if form.chosen is not None:
            set_publication(response, form.chosen, by=current_user)  # kept even when submitting is refused
        if not confirmed:
            raise SubmitBlocked(submit_problems(response))
        submission, _created = submit(response, by=current_user)
    except SubmitBlocked as blocked:
        db.session.commit()  # keep the publication choice
        return _render_review(response, items, form, blocked.problems)
    except DeadlinePassed:
        db.session.rollback()
        return _render_review(response, items, _review_form(response, formdata=None), closed=True), 409
    db.session.commit()
    return redirect(url_for("responses.receipt", response_id=response.id, number=submission.number))


def _review_form(response: Response, **kwargs) -> ReviewForm:
    """The review form as sent, or (``formdata=None``) with the response's own publication choice."""
    form = ReviewForm(response.organisation.name, **kwargs)
    if form.publication.data in (None, "") and response.publication is not None:
        form.publication.data = response.publication.value  # the choice made earlier stays chosen
    return form


def _size(response: Response) -> tuple[str] | None:
    """The organisation's size as the profile page words it, where questions depend on it: (label,)
    or (empty,) when not said yet; None where it is not asked."""
    if not needs_size(response):
        return None
    return (str(SIZE_LABELS[response.size]) if response.size in SIZE_LABELS else "",)


def _render_review(response, items, form: ReviewForm, problems=(), closed: bool = False):
    """The review page. ``problems`` (from the service) about the publication choice are shown at
    that field; the others (a required question, nothing answered) link to the part of the page."""
    page_problems = []
    for anchor, message in problems:
        if anchor == "publication":
            if message not in form.publication.errors:
                form.publication.errors = [*form.publication.errors, message]
        elif anchor != "confirm":
            page_problems.append((anchor, message))
    asks_offer = needs_offer(response)
    anchors = {f"theme-{item.theme.id}" for item in items} | ({"offer"} if asks_offer else set())
    return render_template("responses/review.html", response=response, items=items, form=form,
                           needs_offer=asks_offer, offered=offer_summary(response), hidden=hidden_answers(response),
                           size=_size(response),
                           page_problems=PageProblems(page_problems, anchors),
                           editable=can_edit_response(current_user, response) and not closed, closed=closed,
                           unsubmitted=has_unsubmitted_changes(response), is_skipped=is_skipped)


def _own_submission(response: Response, number: int):
    submission = next((s for s in response.submissions if s.number == number), None)
    if submission is None:
        abort(404)
    return submission


@bp.route("/responses/<int:response_id>/submissions/<int:number>")
@login_required
def receipt(response_id: int, number: int):
    response = own_response_or_404(current_user, response_id)
    submission = _own_submission(response, number)
    return render_template("responses/receipt.html", response=response, submission=submission,
                           code=format_receipt_code(submission.receipt_code))


@bp.route("/responses/<int:response_id>/submissions/<int:number>/receipt.pdf")
@login_required
@limit_generation("receipt_pdf")
def receipt_pdf(response_id: int, number: int):
    response = own_response_or_404(current_user, response_id)
    submission = _own_submission(response, number)
    html = render_template("responses/receipt_pdf.html", response=response, submission=submission,
                           code=format_receipt_code(submission.receipt_code))
    from weasyprint import HTML  # imported here: only this download needs the PDF engine

    pdf = HTML(string=html, base_url=request.host_url).write_pdf(pdf_variant="pdf/a-3u")
    result = make_response(pdf)
    result.headers["Content-Type"] = "application/pdf"
    result.headers["Content-Disposition"] = f'attachment; filename="ontvangstbewijs-{submission.receipt_code[:8]}.pdf"'
    return result


@bp.route("/responses/<int:response_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_view(response_id: int):
    """Withdrawing asks first on a page of its own (so also without JavaScript); only the
    confirmation sent from that page withdraws."""
    response = own_response_or_404(current_user, response_id)
    if response.status != ResponseStatus.SUBMITTED or not can_edit_response(current_user, response):
        if request.method == "POST" and response.status == ResponseStatus.SUBMITTED:
            flash(_("The deadline has passed; the response can no longer be withdrawn."), "error")
        return redirect(url_for("responses.overview", response_id=response.id))
    form = WithdrawForm()
    if not (form.validate_on_submit() and form.confirmed):
        return render_template("responses/withdraw.html", response=response, form=form)
    try:
        withdraw(response, by=current_user)
    except DeadlinePassed:
        db.session.rollback()
        flash(_("The deadline has passed; the response can no longer be withdrawn."), "error")
    else:
        db.session.commit()
        flash(_("The response has been withdrawn. You can submit it again until the deadline."), "ok")
    return redirect(url_for("responses.overview", response_id=response.id))


@bp.route("/receipts/verify", methods=["GET", "POST"])
@limit_route("receipt_check", if_value="code")
def verify():
    """Anyone with a receipt code can check that the submission is known and unchanged."""
    result = None
    code = request.values.get("code", "").strip()[:100]
    if code:
        result = verify_receipt(code)
    return render_template("responses/verify.html", code=code, result=result)


# --- the team -----------------------------------------------------------------------------------

@bp.route("/consultations/<slug>/responses")
@login_required
def team_list(slug: str):
    consultation = load_consultation(slug)
    page = team_response_page(current_user, consultation, arg_page())
    return render_template("responses/team_list.html", consultation=consultation, page=page)


@bp.route("/consultations/<slug>/responses/<int:response_id>")
@login_required
def team_view(slug: str, response_id: int):
    consultation = load_consultation(slug)
    response = submitted_response_for_team_or_404(current_user, consultation, response_id)
    number = arg_int("revision") or response.latest_submission.number
    submission = _own_submission(response, number)
    snapshot = submission.snapshot
    # Render before committing: a commit expires the loaded objects and would reload them all.
    page = render_template("responses/team_view.html", consultation=consultation, response=response,
                           submission=submission, snapshot=snapshot,
                           code=format_receipt_code(submission.receipt_code))
    confidential = [a["question_id"] for a in snapshot["answers"] if a["confidential"]]
    if confidential:
        record_event("confidential_viewed", actor=current_user, obj=submission,
                     response_id=response.id, question_ids=confidential)
        db.session.commit()
    return page


@bp.route("/consultations/<slug>/responses/<int:response_id>/files/<int:attachment_id>")
@login_required
def team_download(slug: str, response_id: int, attachment_id: int):
    consultation = load_consultation(slug)
    response = submitted_response_for_team_or_404(current_user, consultation, response_id)
    submitted_ids = {a["id"] for s in response.submissions for ans in s.snapshot["answers"]
                     for a in ans["attachments"]}
    if attachment_id not in submitted_ids:
        abort(404)  # only files that were part of a submission
    attachment = _own_attachment(response, attachment_id)
    record_event("attachment_viewed", actor=current_user, obj=attachment, response_id=response.id)
    db.session.commit()
    return _send_attachment(attachment)


# --- trying the questions out as a profile -------------------------------------------------------

@bp.route("/consultations/<slug>/manage/try-out", methods=["GET", "POST"])
@login_required
def try_out(slug: str):
    """The project team answers as a chosen profile (a care provider of a size, offering lots in
    municipalities, or an advisory council) and sees exactly which themes and questions that
    organisation would get, as its answers show and hide them. Nothing is stored: the answers live in
    the page, sent again with every "Show what they get"."""
    consultation = load_consultation(slug)
    if not is_team(current_user, consultation):
        abort(403)
    form = try_out_form(consultation)
    form.validate_on_submit()  # a profile value that is not offered reads as none
    organisation = Organisation(name=_("Trial organisation"), kind=OrgKind.COUNCIL if form.kind.data == "councils"
                                else OrgKind.PROVIDER)
    trial = Response(consultation=consultation, organisation=organisation,
                     size=form.size.data if form.size.data in SIZE_LABELS else None)
    trial.offer = [OfferedLot(lot_id=lot_id, municipality_id=municipality_id)
                   for lot_id, municipality_id in sorted(form.pairs(consultation.lots) & lot_pairs(consultation))]
    questions = [q for theme in consultation.themes for q in theme.questions if is_eligible(trial, q)]
    states = {q.id: QuestionState(question=q, value=form_value(q, None)) for q in questions}
    if request.method == "POST":
        for question in questions:
            values = posted_values(question, request.form)
            state = states[question.id]
            state.value = as_typed(question, values)
            try:
                value = parse_answer(question, values)
            except AnswerError as problem:
                state.error = str(problem.message)
                continue
            if value is not None:
                trial.answers.append(Answer(question_id=question.id, value=value))
    asking = Asking(trial)
    themes = [(theme, asking.theme_asked(theme), [(q, asking.asked(q)) for q in theme.questions if q.id in states])
              for theme in consultation.themes]
    for _theme, theme_asked, questions in themes:  # what the answers hide is not held against them
        for question, asked in questions:
            if not (theme_asked and asked):
                states[question.id].error = None
    page = render_template("responses/try_out.html", consultation=consultation, form=form, themes=themes,
                           states=states, numbers=question_numbers(consultation),
                           asked_count=sum(1 for _t, theme_asked, qs in themes if theme_asked for _q, a in qs if a))
    db.session.rollback()  # the trial organisation and response are never stored
    return page
