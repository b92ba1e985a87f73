"""Strategy pages: overview grid, general part, segments, evidence, revisions, comments."""
from __future__ import annotations

from math import ceil

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from consult.advice.models import Disposition
from consult.advice.permissions import council_memberships
from consult.consultations.loaders import load_consultation
from consult.consultations.models import Consultation, Theme
from consult.core.access import deny_hidden
from consult.core.conflicts import STALE_SAVE, form_version
from consult.core.forms import arg_int
from consult.core.paging import Page, arg_page
from consult.core.refused import flash_refused, refuse_on
from consult.drafts.forms import OpenDraftForm
from consult.extensions import db
from consult.strategy import bp
from consult.strategy.forms import (
    STATUS_ACTIONS,
    CommentForm,
    EvidenceForm,
    GeneralForm,
    HandleForm,
    RemoveSegmentForm,
    RestoreForm,
    SegmentForm,
    StatusForm,
)
from consult.strategy.models import (
    EvidenceLink,
    Revision,
    Segment,
    StrategyComment,
)
from consult.strategy.permissions import can_comment_strategy, can_read_strategy, can_see_evidence, can_write_strategy
from consult.strategy.services import (
    GENERAL,
    NOT_CONSIDERED_PAGE_SIZE,
    SEGMENT_CHOICES,
    SOURCE_LABELS,
    StrategyConflict,
    StrategyRefused,
    add_comment,
    add_segment,
    adopt,
    choice_label,
    choices_of,
    comment_draft_of,
    comment_page_of,
    compare,
    create_draft,
    differing_fields,
    draft_for,
    evidence_by_choice,
    find_source,
    handle_comment,
    link_evidence,
    linked_choices,
    live_segments,
    local_choice_text,
    not_considered_count,
    not_considered_page,
    open_for_comment,
    part_comments_page,
    part_key,
    part_labels,
    part_links_page,
    remove_segment,
    restore,
    revisions,
    save_general,
    save_segment,
    share,
    sources,
    sources_by_key,
    unlink_evidence,
)


def _load(slug: str):
    consultation = load_consultation(slug, selectinload(Consultation.themes).selectinload(Theme.questions))
    draft = draft_for(consultation)
    if not can_read_strategy(current_user, consultation, draft):
        deny_hidden()
    return consultation, draft


def _require_draft(draft):
    if draft is None:
        abort(404)
    return draft


def _require_write(consultation, draft):
    if not can_write_strategy(current_user, consultation, draft):
        abort(403)


def _segment(draft, segment_id: int) -> Segment:
    segment = next((s for s in draft.segments if s.id == segment_id and s.deleted_at is None), None)
    if segment is None:
        abort(404)
    return segment


def _kept_pages() -> dict[str, int]:
    """The pages of a part's input and comments the person is on (past the first), so that saving
    the part, or a refused save, comes back to them."""
    return {name: number for name in ("evidence_page", "comments_page")
            if (number := arg_page(name)) > 1}


def _part_context(consultation, draft, part: str, comments_page: int | None = None):
    """The input behind a part and the councils' comments on it, each a page of its own list
    (``evidence_page``, ``comments_page``), so the part costs the same with 4 or 400 of either."""
    context = {"source_labels": SOURCE_LABELS, "comment_form": CommentForm(formdata=None), "handle_form": None,
               "links": [], "links_by_choice": [], "links_whole": [], "kept_pages": _kept_pages(),
               "unsupported_choices": [], "whole_elsewhere": False, "links_page": None,
               "part_endpoint": "strategy.general" if part == GENERAL else "strategy.segment",
               "part_args": {"slug": consultation.slug} if part == GENERAL else {
                   "slug": consultation.slug, "segment_id": int(part.split(":", 1)[1])}}
    comments = part_comments_page(draft, part, comments_page or arg_page("comments_page"))
    context.update(comments=comments.items, comments_page=comments)
    if not can_see_evidence(current_user, consultation):
        return context
    links = part_links_page(draft, part, arg_page("evidence_page"))
    titles = sources_by_key(consultation, {(link.source_type, link.source_ref) for link in links.items},
                            user=current_user)
    pairs = [(link, titles.get((link.source_type, link.source_ref))) for link in links.items]
    context.update(links=pairs, links_page=links, links_whole=pairs)
    if choices_of(part):
        # A segment's evidence per choice it supports, the evidence for the segment as a whole apart;
        # which choices have none is asked of every page, not only this one.
        linked = linked_choices(draft, part)
        by_choice, whole, _unsupported = evidence_by_choice(part, pairs)
        context.update(links_by_choice=by_choice, links_whole=whole, whole_elsewhere="" in linked and not whole,
                       unsupported_choices=[choice_label(c) for c in choices_of(part) if c not in linked])
    return context


@bp.route("/consultations/<slug>/strategy", methods=["GET", "POST"])
@login_required
def overview(slug: str):
    consultation, draft = _load(slug)
    error = None
    form = StatusForm()
    if request.method == "POST":
        _require_write(consultation, draft)
        action = form.action.data
        if action not in STATUS_ACTIONS:
            abort(400)
        if form.validate():
            try:
                if action == "create":
                    draft = create_draft(consultation, by=current_user)
                    message = _("The strategy draft has been created.")
                elif action == "share":
                    share(_require_draft(draft), by=current_user)
                    message = _("The draft is shared with the advisory councils; they can read it and comment.")
                else:
                    adopt(_require_draft(draft), form.name.data, by=current_user)
                    message = _("The draft has been adopted and frozen.")
            except StrategyRefused as refused:
                if action == "adopt":
                    refuse_on(form.name, refused)  # said at the name, which stays typed
                else:
                    db.session.rollback()
                    error = str(refused.message)
            else:
                db.session.commit()
                flash(message, "ok")
                return redirect(url_for("strategy.overview", slug=slug))
        draft = draft_for(consultation)
    return render_template("strategy/overview.html", consultation=consultation, draft=draft, error=error, form=form,
                           segments=live_segments(draft) if draft else [], local_choice_text=local_choice_text,
                           comment_draft=comment_draft_of(draft) if draft else None,
                           open_items=not_considered_count(consultation, draft) if draft and can_see_evidence(
                               current_user, consultation) else None), 200


@bp.route("/consultations/<slug>/strategy/open-for-comment", methods=["POST"])
@login_required
def open_draft_for_comment(slug: str):
    """Put the strategy's current text before participants as the draft for comment (per part and
    paragraph): the first time, then the team sets the period; later, the team's explicit update."""
    consultation, draft = _load(slug)
    _require_write(consultation, draft)
    if not OpenDraftForm().validate_on_submit():
        flash(_("The form had expired. Send it again."), "error")
        return redirect(url_for("strategy.overview", slug=slug))
    try:
        comment_draft, first = open_for_comment(_require_draft(draft), by=current_user)
    except StrategyRefused as refused:
        flash_refused(refused)
        return redirect(url_for("strategy.overview", slug=slug))
    db.session.commit()
    if first:
        return redirect(url_for("drafts.open_period", draft_id=comment_draft.id))
    flash(_("The draft for comment now has the text of the strategy as it is now."), "ok")
    return redirect(url_for("drafts.show", draft_id=comment_draft.id))


@bp.route("/consultations/<slug>/strategy/general", methods=["GET", "POST"])
@login_required
def general(slug: str):
    consultation, draft = _load(slug)
    draft = _require_draft(draft)
    if request.method != "POST":
        return _render_general(consultation, draft, GeneralForm(obj=draft))
    _require_write(consultation, draft)
    form = GeneralForm()
    if not form.validate():
        return _render_general(consultation, draft, form)
    try:
        changed = save_general(draft, principles=form.principles.data, change_tasks=form.change_tasks.data,
                               by=current_user, version=form_version())
    except StrategyConflict as stale:
        db.session.rollback()
        return _render_general(consultation, draft, form, str(STALE_SAVE), conflict=stale)
    except StrategyRefused as refused:
        db.session.rollback()
        return _render_general(consultation, draft, form, str(refused.message))
    db.session.commit()
    flash(_("The general part has been saved.") if changed else _("Nothing was changed."), "ok")
    return redirect(url_for("strategy.general", slug=slug, **_kept_pages()))


def _render_general(consultation, draft, form, error=None, conflict=None, **extra):
    """The general part: the form as submitted (with its errors) or as saved; after a conflict
    with the saved version beside the person's text."""
    return render_template("strategy/general.html", consultation=consultation, draft=draft, error=error,
                           form=form, part=GENERAL,
                           error_target="conflict" if conflict else extra.pop("error_target", None),
                           version=conflict.version if conflict else draft.version,
                           conflict_fields=differing_fields(conflict.stored, form.data) if conflict else [],
                           **{**_part_context(consultation, draft, GENERAL, extra.pop("comments_page", None)),
                              **extra}), 409 if conflict else 200


def _render_segment(consultation, draft, segment, form=None, error=None, status=200, conflict=None, **extra):
    """The segment page: the form as submitted (with its errors) or as saved; after a conflict with
    the saved version beside the person's text. A refused local choice is named at its municipality's
    fields (``error_target`` "local_choices:<municipality id>")."""
    target = str(extra.get("error_target") or "")
    if form is not None and error and target.startswith("local_choices:"):
        entry = next((e for e in form.local_choices if str(e.municipality.data) == target.split(":", 1)[1]), None)
        if entry is not None:
            entry.organisation_form.errors = [*entry.organisation_form.errors, error]
            form.local_choices.errors = [e.errors for e in form.local_choices.entries]
            error, extra["error_target"] = None, None
    if form is None:
        form = SegmentForm.of(segment, formdata=None).scoped(consultation)
    if conflict is not None:
        extra.update(error_target="conflict", version=conflict.version,
                     conflict_fields=differing_fields(conflict.stored, form.fields_for_service()))
    elif segment is not None:
        extra.setdefault("version", segment.version)
    return render_template(
        "strategy/segment.html", consultation=consultation, draft=draft, segment=segment, error=error, form=form,
        local_choice_text=local_choice_text,
        lot_municipalities={lot.id: [m.id for m in lot.municipalities] for lot in consultation.lots},
        part=part_key(segment) if segment else None,
        **{**(_part_context(consultation, draft, part_key(segment), extra.pop("comments_page", None)) if segment else {}),
           **extra}), status


@bp.route("/consultations/<slug>/strategy/segments/new", methods=["GET", "POST"])
@login_required
def new_segment(slug: str):
    consultation, draft = _load(slug)
    draft = _require_draft(draft)
    _require_write(consultation, draft)
    form = SegmentForm().scoped(consultation)
    if form.validate_on_submit():
        try:
            segment = add_segment(draft, by=current_user, **form.fields_for_service())
        except StrategyRefused as refused:
            db.session.rollback()
            return _render_segment(consultation, draft, None, form, str(refused.message), error_target=refused.field)
        db.session.commit()
        flash(_("The segment has been added."), "ok")
        return redirect(url_for("strategy.segment", slug=slug, segment_id=segment.id))
    return _render_segment(consultation, draft, None, form)


@bp.route("/consultations/<slug>/strategy/segments/<int:segment_id>", methods=["GET", "POST"])
@login_required
def segment(slug: str, segment_id: int):
    consultation, draft = _load(slug)
    draft = _require_draft(draft)
    segment_obj = _segment(draft, segment_id)
    if request.method != "POST":
        return _render_segment(consultation, draft, segment_obj)
    _require_write(consultation, draft)
    removing = RemoveSegmentForm()
    if removing.action.data == "remove":
        return _remove(slug, segment_obj, removing)
    form = SegmentForm().scoped(consultation)
    if not form.validate():
        return _render_segment(consultation, draft, segment_obj, form)
    try:
        changed = save_segment(segment_obj, by=current_user, version=form_version(),
                               **form.fields_for_service())
    except StrategyConflict as stale:
        db.session.rollback()
        return _render_segment(consultation, draft, _segment(draft_for(consultation), segment_id), form,
                               str(STALE_SAVE), status=409, conflict=stale)
    except StrategyRefused as refused:
        db.session.rollback()
        draft = draft_for(consultation)
        current = next((s for s in live_segments(draft) if s.id == segment_id), None)
        # Removed in the meantime: the text stays in the form for a new segment.
        return _render_segment(consultation, draft, current, form, str(refused.message),
                               status=200 if current else 409, error_target=refused.field)
    db.session.commit()
    flash(_("The segment has been saved.") if changed else _("Nothing was changed."), "ok")
    return redirect(url_for("strategy.segment", slug=slug, segment_id=segment_id, **_kept_pages()))


def _remove(slug: str, segment_obj: Segment, form: RemoveSegmentForm):
    segment_id = segment_obj.id
    form.validate()  # a version that is not a number reads as none: the service checks the one it loads
    try:
        remove_segment(segment_obj, by=current_user, version=form.version.data)
    except (StrategyConflict, StrategyRefused) as refused:
        db.session.rollback()
        flash(str(getattr(refused, "message", None) or _(
            "Someone else changed this segment in the meantime, so it was not removed. "
            "Check the saved version below and remove it again if it should go.")), "error")
        return redirect(url_for("strategy.segment", slug=slug, segment_id=segment_id))
    db.session.commit()
    flash(_("The segment has been removed. You can bring it back from the revisions."), "ok")
    return redirect(url_for("strategy.overview", slug=slug))


def _part_url(slug: str, part: str, comments_page: int = 1) -> str:
    """A part's page; ``comments_page``: the page of its comments to show (the first is the default)."""
    page = comments_page if comments_page > 1 else None
    if part == GENERAL:
        return url_for("strategy.general", slug=slug, comments_page=page)
    return url_for("strategy.segment", slug=slug, segment_id=int(part.split(":", 1)[1]), comments_page=page)


def _valid_part(draft, part: str) -> str:
    if part == GENERAL or any(part_key(s) == part for s in live_segments(draft)):
        return part
    abort(404)


@bp.route("/consultations/<slug>/strategy/evidence", methods=["GET", "POST"])
@login_required
def evidence(slug: str):
    """Link input to a part of the strategy, or to one choice of a segment, with what was done with it.

    Opened from a part (``part`` given) the part is fixed and the person picks the input; opened
    from the analysis (``choose=1``, usually with the input as ``source``) the person picks the part.
    """
    consultation, draft = _load(slug)
    draft = _require_draft(draft)
    if not can_see_evidence(current_user, consultation):
        abort(404)
    choosing = request.values.get("choose") == "1"
    part = request.values.get("part", "" if choosing else GENERAL)
    if not choosing:
        part = _valid_part(draft, part)
    error = error_field = None
    form = EvidenceForm()
    if request.method == "POST":
        _require_write(consultation, draft)
        form.validate()  # a link number that is not one reads as none; the rest the service checks
        if form.action.data == "unlink":
            link = db.session.get(EvidenceLink, form.link.data or 0)
            if link is None or link.draft_id != draft.id:
                abort(404)
            unlink_evidence(link, by=current_user)
            db.session.commit()
            flash(_("The link has been removed."), "ok")
            return redirect(_part_url(slug, link.part) + "#evidence")
        source_type, _sep, ref = (form.source.data or "").partition(":")
        choice = form.choice.data or ""
        try:
            if choosing and part not in {GENERAL, *(part_key(s) for s in live_segments(draft))}:
                raise StrategyRefused(_("Choose the part of the strategy this input supports."), field="part")
            try:
                disposition = Disposition(form.disposition.data or "")
            except ValueError:
                raise StrategyRefused(_("Choose what was done with the input: adopted, partly adopted or not "
                                        "adopted."), field="disposition") from None
            link = link_evidence(draft, part, source_type, ref, disposition, form.reason.data or "",
                                 by=current_user, choice=choice)
        except StrategyRefused as refused:
            db.session.rollback()
            error, error_field = str(refused.message), refused.field
        else:
            db.session.commit()
            if link.choice:
                flash(_("The input has been linked to “%(choice)s” of this segment.",
                        choice=choice_label(link.choice)), "ok")
                return redirect(_part_url(slug, part) + f"#evidence-{link.choice}")
            flash(_("The input has been linked to this part."), "ok")
            return redirect(_part_url(slug, part) + "#evidence")
    query = request.values.get("q", "")
    chosen = request.values.get("source", "")
    found = sources(consultation, query, user=current_user) if query else []
    # The input the person chose (or came with from the analysis) stays chosen, found or not.
    if chosen and not any(f"{s.type}:{s.ref}" == chosen for s in found):
        chosen_type, _sep, chosen_ref = chosen.partition(":")
        picked = find_source(consultation, chosen_type, chosen_ref, user=current_user)
        if picked is not None:
            found.insert(0, picked)
    if request.method == "POST" and not found:
        found = sources(consultation, user=current_user)
    labels = part_labels(draft)
    choices = [(c, choice_label(c)) for c in (SEGMENT_CHOICES if choosing else choices_of(part))]
    return render_template("strategy/evidence.html", consultation=consultation, draft=draft, part=part,
                           part_label=labels.get(part, ""), choosing=choosing, query=query, found=found,
                           chosen=chosen, choice=request.values.get("choice", ""), choices=choices,
                           parts=[(GENERAL, labels[GENERAL])] + [(part_key(s), s.name) for s in live_segments(draft)],
                           error=error, error_field=error_field, form=form.values(),
                           dispositions=list(Disposition), source_labels=SOURCE_LABELS)


@bp.route("/consultations/<slug>/strategy/not-considered")
@login_required
def open_input(slug: str):
    consultation, draft = _load(slug)
    if not can_see_evidence(current_user, consultation):
        abort(404)
    page = arg_page()
    rows, total = not_considered_page(consultation, draft, page)
    pages = max(ceil(total / NOT_CONSIDERED_PAGE_SIZE), 1)
    if not rows and page > pages:  # past the last page (an old link): the last page
        page = pages
        rows, total = not_considered_page(consultation, draft, page)
    titles = sources_by_key(consultation, {(t, r) for t, r, _tags in rows}, user=current_user)
    return render_template("strategy/not_considered.html", consultation=consultation, draft=draft,
                           page=page, pages=pages, total=total, paging=Page(page, NOT_CONSIDERED_PAGE_SIZE, total),
                           rows=[(t, r, tags, titles.get((t, r))) for t, r, tags in rows], source_labels=SOURCE_LABELS)


@bp.route("/consultations/<slug>/strategy/revisions", methods=["GET", "POST"])
@login_required
def history(slug: str):
    consultation, draft = _load(slug)
    draft = _require_draft(draft)
    if not can_see_evidence(current_user, consultation):
        abort(404)  # the history is the team's working record
    if request.method == "POST":
        _require_write(consultation, draft)
        form = RestoreForm()
        revision = db.session.get(Revision, form.revision.data or 0) if form.validate() else None
        if revision is None or revision.draft_id != draft.id:
            abort(404)
        try:
            restore(draft, revision, by=current_user)
        except StrategyRefused as refused:
            db.session.rollback()
            flash(str(refused.message), "error")
        else:
            db.session.commit()
            flash(_("Revision %(n)s has been restored as a new revision.", n=revision.number), "ok")
        return redirect(url_for("strategy.history", slug=slug))
    all_revisions = revisions(draft)
    first, second = arg_int("a"), arg_int("b")
    diff = None
    if first and second:
        diff = compare(all_revisions, min(first, second), max(first, second))
    return render_template("strategy/revisions.html", consultation=consultation, draft=draft,
                           revisions=all_revisions, diff=diff, first=first, second=second)


@bp.route("/consultations/<slug>/strategy/comments", methods=["POST"])
@login_required
def comment(slug: str):
    consultation, draft = _load(slug)
    draft = _require_draft(draft)
    handling = HandleForm()  # the part and the button come with either form
    part = _valid_part(draft, handling.part.data or GENERAL)
    if handling.action.data == "handle":
        if not can_write_strategy(current_user, consultation, draft):
            abort(403)
        form = handling
        item = db.session.get(StrategyComment, form.comment.data or 0)
        if item is None or item.draft_id != draft.id:
            abort(404)
        if form.validate():
            try:
                handle_comment(item, form.reply.data, by=current_user)
            except StrategyRefused as refused:
                refuse_on(form.reply, refused)
            else:
                db.session.commit()
                flash(_("The comment is marked as handled."), "ok")
                return redirect(_part_url(slug, part, comments_page=comment_page_of(item)) + f"#comment-{item.id}")
        # The part again, on the comment's page, with the message at its reply and the typed text kept.
        message = " ".join(str(m) for messages in form.errors.values() for m in messages)
        extra = {"handle_form": form, "error_target": f"reply-{item.id}", "comments_page": comment_page_of(item)}
        draft = draft_for(consultation)
        if part == GENERAL:
            return _render_general(consultation, draft, GeneralForm(formdata=None, obj=draft), message, **extra)
        return _render_segment(consultation, draft, _segment(draft, int(part.split(":", 1)[1])), error=message, **extra)
    if not can_comment_strategy(current_user, consultation, draft):
        abort(403)
    form = CommentForm()
    if form.validate():
        try:
            created = add_comment(draft, part, form.body.data, by=current_user,
                                  organisation=council_memberships(current_user)[0].organisation)
        except StrategyRefused as refused:
            refuse_on(form.body, refused)
    if form.errors:  # show the part again, the message at the comment field and the typed text kept
        draft = draft_for(consultation)
        message = " ".join(str(m) for messages in form.errors.values() for m in messages)
        if part == GENERAL:
            return _render_general(consultation, draft, GeneralForm(formdata=None, obj=draft), message,
                                   error_target="comment-body", comment_form=form)
        return _render_segment(consultation, draft, _segment(draft, int(part.split(":", 1)[1])),
                               error=message, comment_form=form, error_target="comment-body")
    db.session.commit()
    flash(_("Your comment has been added."), "ok")
    return redirect(_part_url(slug, part, comments_page=comment_page_of(created)) + f"#comment-{created.id}")


@bp.route("/consultations/<slug>/strategy/export.<fmt>")
@login_required
def export(slug: str, fmt: str):
    """The strategy draft alone, for whoever may read it."""
    from consult.audit.services import record_event
    from consult.core.documents import EXPORTERS, send_export
    from consult.strategy.document import build_strategy_document

    consultation, draft = _load(slug)
    draft = _require_draft(draft)
    exporter_class = EXPORTERS.get(fmt)
    if exporter_class is None:
        abort(404)
    result = send_export(exporter_class(build_strategy_document(consultation, draft)))
    record_event("strategy_exported", actor=current_user, obj=draft, format=fmt)
    db.session.commit()
    return result
