"""Analysis pages for the team: overview with response rates, per question the submitted answers
(filters, paging, tags, excerpts, quotes, statistics, synthesis), per theme the synthesis, tags."""
from __future__ import annotations

from functools import partial

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from consult.analysis import bp
from consult.analysis.forms import (
    BULK_ACTIONS,
    BulkForm,
    ExcerptForm,
    PostActionForm,
    RemoveCodingForm,
    RemoveQuoteForm,
    SynthesisForm,
    TagDeleteForm,
    TagForm,
    UndoBulkForm,
)
from consult.analysis.models import TAG_COLOURS, Coding, Quote, SynthesisStatus, Tag
from consult.analysis.permissions import can_analyse
from consult.analysis.rounds import earlier_answer_page, quote_earlier_answer
from consult.analysis.rounds_forms import EarlierQuoteForm
from consult.analysis.services import (
    STAKEHOLDER_LABELS,
    STAKEHOLDERS,
    AnalysisRefused,
    Filters,
    LotFigures,
    StaleSynthesis,
    add_quote,
    answer_counts,
    answer_item,
    answer_page,
    answered_response_ids,
    bulk_tag,
    bulk_untag,
    delete_tag,
    matching_response_ids,
    participant_post,
    post_page,
    question_figures,
    quote_post,
    remove_coding,
    response_rates,
    save_synthesis,
    save_tag,
    syntheses_by_scope,
    synthesis_for,
    tag_excerpt,
    tag_post,
    tag_tallies,
    tags_with_last_bulk,
    undo_bulk,
    value_groups,
)
from consult.analysis.session_input import (
    quote_session_entry,
    remove_session_quote,
    session_coding,
    session_entry,
    session_input_page,
    session_quote,
    tag_session_entry,
)
from consult.analysis.session_input_forms import SessionInputActionForm
from consult.audit.services import record_event
from consult.consultations.loaders import load_consultation
from consult.consultations.models import Consultation, Theme
from consult.consultations.trajectory_services import earlier_ref
from consult.core.access import deny_hidden
from consult.core.conflicts import STALE_SAVE, form_version
from consult.core.evidence import strategy_links
from consult.core.forms import arg_int
from consult.core.paging import Page, arg_page
from consult.core.refused import refuse_on
from consult.extensions import db

PAGE_SIZE = 25


def _load(slug: str) -> Consultation:
    # The themes with their questions in one statement; the team's names are not shown here.
    consultation = load_consultation(slug, selectinload(Consultation.themes).joinedload(Theme.questions),
                                     team_users=False)
    if not can_analyse(current_user, consultation):
        deny_hidden()
    return consultation


def _strategy(consultation: Consultation, refs: dict[str, set[str]]):
    """For the input a page shows (refs per source type): which parts of the strategy each informed,
    and whether the person can link input from here (there is a draft they may write)."""
    return strategy_links(consultation, current_user, refs)


def tag_options(tags: list[Tag], selected: int | None = None) -> Markup:
    """The ``<option>`` elements of a tag chooser, ``selected`` chosen. Built once per request: an
    analysis page has a chooser in every answer's form, each with every tag of the consultation."""
    built = g.get("tag_options")
    if built is None or built[0] is not tags:
        built = (tags, "".join(f'<option value="{tag.id}">{escape(tag.name)}</option>' for tag in tags))
        g.tag_options = built
    html = built[1]
    if selected is not None:
        html = html.replace(f'<option value="{selected}">', f'<option value="{selected}" selected>', 1)
    return Markup(html)


def tag_chips(codings, form_id: str, remove: str, label: str) -> Markup:
    """An answer's tags as list items: each tag's chip and its Remove button, which sends the form
    ``form_id`` with the tag's coding; ``label`` (a translated "tag %(tag)s from this answer") names
    the button for screen readers. Built in one go, as an answer may carry many tags."""
    return Markup("".join(
        f'<li><span class="tag-chip tag-chip--{escape(c.tag.colour)}">{escape(c.tag.name)}</span> '
        f'<span class="inline-form"><button type="submit" form="{escape(form_id)}" name="coding" value="{c.id}" '
        f'class="utrecht-link-button utrecht-link-button--html-button">{escape(remove)}'
        f'<span class="visually-hidden"> {escape(label % {"tag": c.tag.name})}</span></button></span></li>'
        for c in codings))


@bp.context_processor
def _tag_helpers():
    return {"tag_options": tag_options, "tag_chips": tag_chips}


def _tags(consultation: Consultation) -> list[Tag]:
    return list(db.session.scalars(select(Tag).where(Tag.consultation_id == consultation.id).order_by(Tag.name)))


def _question(consultation: Consultation, question_id: int):
    for theme in consultation.themes:
        for number, question in enumerate(theme.questions, start=1):
            if question.id == question_id:
                return theme, question, number
    abort(404)


@bp.route("/consultations/<slug>/analysis")
@login_required
def overview(slug: str):
    consultation = _load(slug)
    # By lot and municipality: the figures of the care providers that offered it when they submitted.
    offered = Filters(lot_id=arg_int("lot"), municipality_id=arg_int("municipality"))
    per_question, per_theme = tag_tallies(consultation, offered=offered)
    # Only the few tags each row shows (a consultation may have hundreds; the tags page lists them all).
    shown = {tag_id for tally in (*per_question.values(), *per_theme.values()) for tag_id, _count in tally.shown}
    return render_template("analysis/overview.html", consultation=consultation,
                           rates=response_rates(consultation, offered), answered=answer_counts(consultation, offered),
                           filters=offered,
                           per_question=per_question, per_theme=per_theme, tags={t.id: t for t in db.session.scalars(
                               select(Tag).where(Tag.id.in_(shown)))} if shown else {},
                           syntheses=syntheses_by_scope(consultation), labels=STAKEHOLDER_LABELS,
                           stakeholders=STAKEHOLDERS)


@bp.route("/consultations/<slug>/analysis/questions/<int:question_id>")
@login_required
def question(slug: str, question_id: int):
    consultation = _load(slug)
    return _question_page(consultation, *_question(consultation, question_id))


def _question_page(consultation, theme, question_obj, number, *, refused=None, synthesis_form=None,
                   synthesis_error=None, status=200):
    """The answers to one question with their tags, excerpts, statistics and synthesis; after a
    refused action (``refused``: its form) with each message at its field and what the person typed,
    chose or selected kept."""
    question_id = question_obj.id
    tags, bulk, bulk_tag = tags_with_last_bulk(consultation, current_user, question_id)
    errors = refused.page_errors() if refused is not None else {}
    bulk_form = refused if isinstance(refused, BulkForm) else None
    excerpt_form = refused if isinstance(refused, ExcerptForm) else None
    filters = _filters()
    # Filtered, counted and paged in SQL; the statistics are grouped there too.
    found = answer_page(consultation, question_id, filters, arg_page(), PAGE_SIZE,
                        tags={tag.id: tag for tag in tags})
    # The figures (of each row of a ranking, matrix or price table) follow the lot and municipality
    # filter; the disclosure rules then hold within it.
    figures = []
    if question_obj.kind.aggregates or question_obj.kind.composite:
        lot_check = None
        lot = next((lot for lot in consultation.lots if lot.id == filters.lot_id), None)
        if lot is not None and not filters.municipality_id and lot.covers(question_obj):  # as that lot's report
            lots = LotFigures(consultation, {question_obj.id})
            lot_check = partial(lots.may_publish, lot.id)
        figures = question_figures(question_obj, value_groups(consultation, question_obj, filters), lot_check)
    confidential_keys = [i.key for i in found.items if i.confidential]
    synthesis = synthesis_for(theme, question_obj)
    informed, may_link = _strategy(consultation, {"answer": {i.key for i in found.items},
                                                  "excerpt": {str(c.id) for i in found.items for c in i.excerpts}})
    # Screen-reader labels of the Remove and Link buttons, translated once and filled in per tag.
    phrases = {"tag_from_answer": _("tag %(tag)s from this answer"),
               "tag_from_excerpt": _("tag %(tag)s from this excerpt"), "the_excerpt": _("the excerpt “%(excerpt)s”")}
    html = render_template(
        "analysis/question.html", informed=informed["answer"], informed_excerpts=informed["excerpt"],
        may_link=may_link, phrases=phrases,
        consultation=consultation, theme=theme, question=question_obj, number=number,
        items=found.items, total=found.total, matched=found.matched, page=found.page,
        pages=found.pages, paging=Page(found.page, PAGE_SIZE, found.matched), filters=filters, tags=tags,
        figures=figures, stakeholders=STAKEHOLDERS,
        labels=STAKEHOLDER_LABELS, synthesis=synthesis, synthesis_error=synthesis_error,
        synthesis_form=synthesis_form or SynthesisForm.of(synthesis), synthesis_conflict=status == 409,
        errors=errors, colours=TAG_COLOURS,
        selected=set(bulk_form.answers.data or []) if bulk_form else frozenset(),
        chosen_tag=bulk_form.tag.data if bulk_form else None,
        kept=excerpt_form.answer.data if excerpt_form else None, excerpt_form=excerpt_form,
        last_bulk=bulk, last_bulk_tag=bulk_tag, args=request.args.to_dict(),
        **_earlier_rounds(consultation, question_obj, refused))
    if confidential_keys:  # every view of a confidential answer is audited
        record_event("confidential_viewed", actor=current_user, obj=consultation, question_id=question_id,
                     answers=confidential_keys)
        db.session.commit()
    return html, status


def _filters() -> Filters:
    return Filters(stakeholder=request.args.get("type", ""), tag_id=arg_int("tag"),
                   text=request.args.get("q", ""), lot_id=arg_int("lot"), municipality_id=arg_int("municipality"))


class _Invalid(AnalysisRefused):
    """The action's form names what is wrong at its fields already."""

    def __init__(self):
        super().__init__("")


def _checked(form) -> None:
    """Go on only with a valid form; otherwise the page comes back with the messages at their fields."""
    if not form.validate():
        raise _Invalid()


def question_action(name: str, form_class):
    """A POST route for one action on a question's page (``/questions/<id>/<name>``), sent with its
    own form (``form_class``). The action returns the message for the person; a refused action shows
    the page again with the message at its field and the person's selection and text kept (a
    refusal of the service is shown at the form's main field). The filters of the page travel in the
    query string, so the page comes back as it was."""
    def register(act):
        @bp.route(f"/consultations/<slug>/analysis/questions/<int:question_id>/{name}", methods=["POST"],
                  endpoint=f"question_{name.replace('-', '_')}")
        @login_required
        def view(slug: str, question_id: int):
            consultation = _load(slug)
            theme, question_obj, number = _question(consultation, question_id)
            form = form_class() if form_class is SynthesisForm else form_class(consultation)
            try:
                message = act(consultation, theme, question_obj, form)
            except StaleSynthesis:
                db.session.rollback()
                form.refused(STALE_SAVE)
                return _question_page(consultation, theme, question_obj, number, synthesis_form=form,
                                      synthesis_error=str(STALE_SAVE), status=409)
            except AnalysisRefused as refused:
                db.session.rollback()
                if form_class is SynthesisForm:
                    form.refused(refused.message)
                    return _question_page(consultation, theme, question_obj, number, synthesis_form=form,
                                          synthesis_error=str(refused.message))
                if not isinstance(refused, _Invalid):
                    show_refusal(form, refused)
                return _question_page(consultation, theme, question_obj, number, refused=form)
            db.session.commit()
            flash(message, "ok")
            return redirect(url_for("analysis.question", slug=slug, question_id=question_id,
                                    **request.args.to_dict()) + (form.anchor.data or ""))
        return view
    return register


# Where a refusal of the service is shown: the bulk tag chooser, the excerpt's text.
REFUSED_AT = {BulkForm: "tag", ExcerptForm: "excerpt"}


def show_refusal(form, refused: AnalysisRefused) -> None:
    """Put a refusal of the service on the action's form: at the field it names, else at the form's
    main field (``REFUSED_AT``), else (a form of one button: undo, remove) as a message of the whole
    form, which ``page_errors`` shows in the page's error summary."""
    name = refused.field or REFUSED_AT.get(type(form))
    if name is not None and name in form:
        refuse_on(form[name], refused)
    else:
        db.session.rollback()
        form.form_errors.append(str(refused.message))


@question_action("synthesis", SynthesisForm)
def synthesis(consultation, theme, question, form: SynthesisForm) -> str:
    if not form.validate():
        raise AnalysisRefused(form.first_error() or _("The form had expired. Send it again."))
    save_synthesis(theme, question, text=form.synthesis.data, status=SynthesisStatus(form.status.data),
                   by=current_user, version=form_version())
    return _("The synthesis has been saved.")


@question_action("undo-bulk", UndoBulkForm)
def undo(consultation, theme, question, form: UndoBulkForm) -> str:
    _checked(form)
    undone = undo_bulk(current_user, question.id)
    if undone is None:  # undone already (the button sent twice, or in another tab)
        return _("There is nothing to undo: the last bulk action has been undone already.")
    if undone.removed:
        return ngettext("Undone: tag “%(tag)s” is back on %(num)d answer.",
                        "Undone: tag “%(tag)s” is back on %(num)d answers.", undone.count, tag=undone.tag.name)
    return ngettext("Undone: tag “%(tag)s” has been taken off %(num)d answer again.",
                    "Undone: tag “%(tag)s” has been taken off %(num)d answers again.", undone.count,
                    tag=undone.tag.name)


@question_action("bulk", BulkForm)
def bulk(consultation, theme, question, form: BulkForm) -> str:
    """Tag or untag the selected answers, or all answers the page's filters match (the button says which)."""
    if form.action.data not in BULK_ACTIONS:
        abort(400)  # not one of the four buttons
    _checked(form)
    tag = form.chosen_tag
    if form.on_selection:
        response_ids = answered_response_ids(consultation, question.id, form.response_ids(question.id))
        if not response_ids:
            raise AnalysisRefused(_("Select at least one answer."), field="answers")
    else:
        response_ids = matching_response_ids(consultation, question.id, _filters())
    if form.action.data.startswith("untag"):
        removed = bulk_untag(tag, question.id, response_ids, by=current_user)
        return ngettext("Tag “%(tag)s” removed from %(num)d answer.", "Tag “%(tag)s” removed from %(num)d answers.",
                        removed, tag=tag.name)
    added = bulk_tag(tag, question.id, response_ids, by=current_user)
    return _("Tag “%(tag)s” added to %(n)s answers.", tag=tag.name, n=added)


@question_action("remove-coding", RemoveCodingForm)
def remove_answer_coding(consultation, theme, question, form: RemoveCodingForm) -> str:
    coding = db.session.get(Coding, form.coding.data or 0) if form.validate() else None
    if coding is None or coding.tag.consultation_id != consultation.id:
        abort(404)
    remove_coding(coding, by=current_user)
    return _("The tag has been removed.")


@question_action("remove-quote", RemoveQuoteForm)
def remove_answer_quote(consultation, theme, question, form: RemoveQuoteForm) -> str:
    quote = db.session.get(Quote, form.quote.data or 0) if form.validate() else None
    if quote is None or quote.consultation_id != consultation.id:
        abort(404)
    db.session.delete(quote)
    record_event("quote_removed", actor=current_user, obj=consultation, quote_id=quote.id)
    return _("The quote has been removed.")


@question_action("excerpt", ExcerptForm)
def excerpt(consultation, theme, question, form: ExcerptForm) -> str:
    item = answer_item(consultation, question.id, form.answer.data or "")
    if item is None:
        abort(404)
    _checked(form)
    text, at = form.excerpt.data or "", form.at.data
    if form.chosen_tag is not None:
        tag_excerpt(form.chosen_tag, item, text, by=current_user, at=at)
    if form.quote.data:
        add_quote(consultation, item, text, by=current_user, at=at)
    return _("The excerpt has been marked.")


@bp.route("/consultations/<slug>/analysis/posts", methods=["GET", "POST"])
@login_required
def posts(slug: str):
    """Discussion messages: tag them and mark key quotes, like answers."""
    consultation = _load(slug)
    tags = _tags(consultation)
    text, tag_filter = request.args.get("q", ""), arg_int("tag")
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        form = PostActionForm()
        form.validate()  # a number that is not one reads as none
        action, key = form.action.data or "", str(form.post.data or "")
        # Only a message every reader may read can be tagged or quoted (the one message is read).
        post = participant_post(consultation, form.post.data) if form.post.data else None
        try:
            if action == "remove_coding":
                coding = db.session.get(Coding, form.coding.data or 0)
                if coding is None or coding.tag.consultation_id != consultation.id or coding.post_id is None:
                    abort(404)
                remove_coding(coding, by=current_user)
                message = _("The tag has been removed.")
            elif action == "remove_quote":
                quote = db.session.get(Quote, form.quote.data or 0)
                if quote is None or quote.consultation_id != consultation.id or quote.post_id is None:
                    abort(404)
                db.session.delete(quote)
                record_event("quote_removed", actor=current_user, obj=consultation, quote_id=quote.id)
                message = _("The quote has been removed.")
            elif post is not None and action == "tag":
                tag = next((t for t in tags if t.id == form.tag.data), None)
                if tag is None:
                    raise AnalysisRefused(_("Choose a tag."))
                tag_post(tag, post, by=current_user)
                message = _("The message has been tagged “%(tag)s”.", tag=tag.name)
            elif post is not None and action == "quote":
                quote_post(consultation, post, form.excerpt.data or "", by=current_user, at=form.at.data)
                message = _("The excerpt has been marked.")
            else:
                abort(404)
        except AnalysisRefused as refused:
            db.session.rollback()
            if action == "tag":  # shown at the message's tag field, not at its key quote
                errors[f"tag-{key}"] = str(refused.message)
            else:
                errors[key] = str(refused.message)
                values[key] = form.excerpt.data or ""
        else:
            db.session.commit()
            flash(message, "ok")
            return redirect(request.full_path.rstrip("?") + f"#post-{key}" if key else request.full_path.rstrip("?"))
    shown = post_page(consultation, text, tag_filter, arg_page(), PAGE_SIZE)
    informed, may_link = _strategy(consultation, {"post": {str(i.post.id) for i in shown.items}})
    return render_template("analysis/posts.html", consultation=consultation, tags=tags, text=text,
                           tag_filter=tag_filter, items=shown.items,
                           matched=shown.matched, page=shown.page, pages=shown.pages, errors=errors, values=values,
                           paging=Page(shown.page, PAGE_SIZE, shown.matched),
                           informed=informed["post"], may_link=may_link)


@bp.route("/consultations/<slug>/analysis/themes/<int:theme_id>", methods=["GET", "POST"])
@login_required
def theme(slug: str, theme_id: int):
    consultation = _load(slug)
    theme_obj = next((t for t in consultation.themes if t.id == theme_id), None)
    if theme_obj is None:
        abort(404)
    error, conflict, form = None, False, None
    if request.method == "POST":
        form = SynthesisForm()
        try:
            if not form.validate():
                raise AnalysisRefused(form.first_error() or _("The form had expired. Send it again."))
            save_synthesis(theme_obj, None, text=form.synthesis.data, status=SynthesisStatus(form.status.data),
                           by=current_user, version=form_version())
        except StaleSynthesis:
            db.session.rollback()
            error, conflict = str(STALE_SAVE), True
            form.refused(STALE_SAVE)
        except AnalysisRefused as refused:
            db.session.rollback()
            error = str(refused.message)
            form.refused(refused.message)  # the message at its field; the text stays
        else:
            db.session.commit()
            flash(_("The synthesis has been saved."), "ok")
            return redirect(url_for("analysis.theme", slug=slug, theme_id=theme_id))
    syntheses = syntheses_by_scope(consultation)
    synthesis = syntheses.get((theme_obj.id, None))
    return render_template("analysis/theme.html", consultation=consultation, theme=theme_obj,
                           synthesis=synthesis, syntheses=syntheses, error=error,
                           synthesis_form=form if error else SynthesisForm.of(synthesis),
                           synthesis_conflict=conflict), 409 if conflict else 200


TAGS_PAGE_SIZE = 30


@bp.route("/consultations/<slug>/analysis/tags", methods=["GET", "POST"])
@login_required
def tags(slug: str):
    consultation = _load(slug)
    editing = db.session.get(Tag, arg_int("edit", 0))
    if editing is not None and editing.consultation_id != consultation.id:
        abort(404)
    deleting = TagDeleteForm() if request.method == "POST" else None
    if deleting is not None:
        deleting.validate()  # a tag number that is not one reads as none
    form = TagForm(obj=editing) if deleting is None or deleting.action.data == "delete" else TagForm()
    if deleting is not None:
        if deleting.action.data == "delete":
            tag = db.session.get(Tag, deleting.tag.data or 0)
            if tag is None or tag.consultation_id != consultation.id:
                abort(404)
            delete_tag(tag, by=current_user)
            db.session.commit()
            flash(_("The tag has been deleted."), "ok")
            return redirect(url_for("analysis.tags", slug=slug, page=arg_int("page")))
        if form.validate():
            try:
                saved = save_tag(consultation, editing, name=form.name.data, colour=form.colour.data,
                                 description=form.description.data, by=current_user)
            except AnalysisRefused as refused:
                refuse_on(form.name, refused)  # a name in use already: said at the name, the text kept
            else:
                db.session.commit()
                flash(_("The tag has been saved."), "ok")
                page = _tag_page_of(saved)
                return redirect(url_for("analysis.tags", slug=slug, page=page if page > 1 else None))
    # One page of the tags by name, with how often each is used (counted for this page's tags only).
    query = select(Tag).where(Tag.consultation_id == consultation.id).order_by(Tag.name, Tag.id)
    page = db.paginate(query, page=arg_page(), per_page=TAGS_PAGE_SIZE,
                       error_out=False)
    if not page.items and page.page > 1 and page.pages:  # past the last page (an old link): the last page
        page = db.paginate(query, page=page.pages, per_page=TAGS_PAGE_SIZE, error_out=False)
    # How often each is used: by everyone, or (filtered by lot and municipality) on the answers of the
    # care providers that offered it when they submitted (messages in discussions then not counted).
    offered = Filters(lot_id=arg_int("lot"), municipality_id=arg_int("municipality"))
    used = select(Coding.tag_id, func.count(Coding.id)).where(Coding.tag_id.in_([tag.id for tag in page.items]))
    if offered.by_offer:
        used = used.where(Coding.response_id.in_(offered.offered_responses()))
    counts = dict(db.session.execute(used.group_by(Coding.tag_id)).all()) if page.items else {}
    return render_template("analysis/tags.html", consultation=consultation, tags=page.items, page=page,
                           counts=counts, editing=editing, colours=TAG_COLOURS, form=form, filters=offered,
                           scope={"lot": offered.lot_id, "municipality": offered.municipality_id})


def _tag_page_of(tag: Tag) -> int:
    """The page of the tag list that ``tag`` is on (tags are listed by name)."""
    before = db.session.scalar(select(func.count()).select_from(Tag).where(
        Tag.consultation_id == tag.consultation_id,
        or_(Tag.name < tag.name, and_(Tag.name == tag.name, Tag.id < tag.id))))
    return before // TAGS_PAGE_SIZE + 1


# --- the earlier rounds of the trajectory (consult.analysis.rounds) ------------------------------

def _earlier_rounds(consultation, question_obj, refused) -> dict:
    """One page of the earlier rounds' answers to the question this one is the same as. A
    confidential one is shown to a person who may analyse its own round (and the view audited)."""
    answers, found = earlier_answer_page(consultation, question_obj, arg_page("earlier"), PAGE_SIZE)
    rounds = {a.earlier.consultation for a in answers}
    readable = {c.id for c in rounds if can_analyse(current_user, c)}
    shown = [a.item.key for a in answers if a.item.confidential and a.earlier.consultation.id in readable]
    if shown:
        record_event("confidential_viewed", actor=current_user, obj=consultation, question_id=question_obj.id,
                     answers=shown)
        db.session.commit()
    refs = {a.item.key: earlier_ref(a.earlier.consultation.id, "answer", a.item.key) for a in answers}
    return {"earlier_answers": answers, "earlier_paging": Page(found.page, PAGE_SIZE, found.total),
            "earlier_readable": readable, "earlier_form": refused if isinstance(refused, EarlierQuoteForm) else None,
            "earlier_refs": refs,
            "earlier_informed": _strategy(consultation, {"earlier_round": set(refs.values())})[0]["earlier_round"]}


@question_action("earlier-quote", EarlierQuoteForm)
def earlier_quote(consultation, theme, question, form: EarlierQuoteForm) -> str:
    _checked(form)
    if quote_earlier_answer(consultation, question, form.answer.data or "", form.excerpt.data or "",
                            by=current_user) is None:
        abort(404)
    return _("The key quote has been marked.")


REFUSED_AT[EarlierQuoteForm] = "excerpt"


# --- dialogue sessions: minutes points and written input -----------------------------------------

SESSIONS_PAGE_SIZE = 5


@bp.route("/consultations/<slug>/analysis/sessions", methods=["GET", "POST"])
@login_required
def sessions(slug: str):
    """The published minutes points and the written input per dialogue session: tag them and mark
    key quotes, like messages."""
    consultation = _load(slug)
    tags = _tags(consultation)
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        form = SessionInputActionForm()
        form.validate()  # a number that is not one reads as none
        action, kind = form.action.data or "", form.kind.data or ""
        key = f"{kind}-{form.entry.data}" if form.entry.data else ""
        row = session_entry(consultation, kind, form.entry.data)
        try:
            if action == "remove_coding":
                remove_coding(session_coding(consultation, form.coding.data) or abort(404), by=current_user)
                message = _("The tag has been removed.")
            elif action == "remove_quote":
                remove_session_quote(consultation, session_quote(consultation, form.quote.data) or abort(404),
                                     by=current_user)
                message = _("The quote has been removed.")
            elif row is not None and action == "tag":
                tag = next((t for t in tags if t.id == form.tag.data), None)
                if tag is None:
                    raise AnalysisRefused(_("Choose a tag."))
                tag_session_entry(tag, kind, row, by=current_user)
                message = _("The text has been tagged “%(tag)s”.", tag=tag.name)
            elif row is not None and action == "quote":
                quote_session_entry(consultation, kind, row, form.excerpt.data or "", by=current_user,
                                    at=form.at.data)
                message = _("The key quote has been marked.")
            else:
                abort(404)
        except AnalysisRefused as refused:
            db.session.rollback()
            if action == "tag":
                errors[f"tag-{key}"] = str(refused.message)
            else:
                errors[key] = str(refused.message)
                values[key] = form.excerpt.data or ""
        else:
            db.session.commit()
            flash(message, "ok")
            target = request.full_path.rstrip("?")
            return redirect(target + f"#entry-{key}" if key else target)
    shown = session_input_page(consultation, arg_page(), SESSIONS_PAGE_SIZE)
    refs = {"minutes_point": set(), "written_input": set()}
    for block in shown.blocks:
        refs["minutes_point"] |= {str(e.row.id) for e in block.points}
        refs["written_input"] |= {str(e.row.id) for e in block.inputs}
    informed, may_link = _strategy(consultation, refs)
    return render_template("analysis/sessions.html", consultation=consultation, tags=tags, blocks=shown.blocks,
                           matched=shown.matched, errors=errors, values=values,
                           paging=Page(shown.page, SESSIONS_PAGE_SIZE, shown.matched),
                           informed=informed, may_link=may_link)
