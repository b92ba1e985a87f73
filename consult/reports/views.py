"""The consultation report: the HTML page at a stable address, its downloads, and the editor."""
from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from consult.audit.services import record_event
from consult.consultations.loaders import load_consultation
from consult.consultations.models import Consultation, Lot, Theme
from consult.consultations.permissions import is_team
from consult.core.access import deny_hidden
from consult.core.conflicts import STALE_SAVE, form_version
from consult.core.documents import EXPORTERS, BulletList, Heading, Paragraph, Table, model_from_dict, send_export
from consult.core.forms import arg_int
from consult.core.htmx import is_htmx
from consult.core.limits import Throttled, too_many_response
from consult.core.ondemand import count_generation
from consult.core.refused import refuse_on
from consult.extensions import db
from consult.reports import bp
from consult.reports.exporters import ANSWER_EXPORTERS
from consult.reports.forms import ReportTextsForm
from consult.reports.models import ExportStatus, Report, ReportFile
from consult.reports.permissions import can_read_report, can_write_report
from consult.reports.report import build_report, current_report, left_out_of_report, report_for
from consult.reports.services import ReportRefused, StaleTexts, publish, save_texts, stored_report_file

KINDS = {"heading": Heading, "paragraph": Paragraph, "list": BulletList, "table": Table}


def _load(slug: str) -> Consultation:
    consultation = load_consultation(slug, selectinload(Consultation.themes).selectinload(Theme.questions),
                                     team_users=False)
    if not can_read_report(current_user, consultation):
        deny_hidden()
    return consultation


def _previewing(consultation: Consultation) -> bool:
    return request.args.get("preview") == "1" and is_team(current_user, consultation)


def _published_language(report: Report) -> str:
    """The language of the published version to show: the one the address asks for (``lang``),
    else the reader's, else the first one published."""
    for language in (request.args.get("lang"), str(get_locale())):
        if language in report.published:
            return language
    return next(iter(report.published))


def _lot(consultation: Consultation) -> Lot | None:
    """The lot whose report the address asks for (``?lot=``), or None for the whole consultation."""
    lot_id = arg_int("lot")
    if lot_id is None:
        return None
    lot = next((lot for lot in consultation.lots if lot.id == lot_id), None)
    if lot is None:
        abort(404)
    return lot


def _model(consultation: Consultation, lot: Lot | None):
    """The published version as published (of the whole consultation or of ``lot``); the team
    previews the current data with ?preview=1, and sees the concept of a lot the published version
    has no report of (added since). Nobody else gets a lot's report before it is published."""
    report = report_for(consultation)
    if report is not None and report.published and not _previewing(consultation):
        published = report.published_model(_published_language(report), lot.id if lot else 0)
        if published is not None:
            return report, model_from_dict(published), False
        if not is_team(current_user, consultation):
            abort(404)
    return report, current_report(consultation, report or Report(consultation_id=consultation.id), lot), True


def _download_args(report: Report | None, live: bool, lot: Lot | None) -> dict:
    """Query arguments of the download links: a published version's links name the version and
    the language, so that address always means the same file and may be cached for long."""
    scope = {"lot": lot.id} if lot is not None else {}
    if not live:
        return {"v": report.version, "lang": _published_language(report), **scope}
    return {"preview": 1, **scope} if report is not None and report.published else scope


def _lot_reports(consultation: Consultation, report: Report | None, live: bool) -> list[Lot]:
    """The lots with a report to choose: every lot in the concept; in a published version the lots it
    has a report of."""
    if live or report is None:
        return list(consultation.lots)
    return [lot for lot in consultation.lots if str(lot.id) in (report.published_lots or {})]


@bp.route("/consultations/<slug>/report")
def show(slug: str):
    consultation = _load(slug)
    lot = _lot(consultation)
    report, model, live = _model(consultation, lot)
    page = render_template("reports/report.html", consultation=consultation, model=model, kinds=KINDS,
                           report=report, live=live, formats=list(EXPORTERS), lot=lot,
                           lots=_lot_reports(consultation, report, live), preview=_previewing(consultation),
                           download_args=_download_args(report, live, lot))
    db.session.commit()  # a live model built just now is kept for the next reader
    return page


# A published version never changes: under an address that names the version and the language
# its file may be kept by browsers and caches for a year.
FROZEN_MAX_AGE = 365 * 24 * 3600
# Seconds after which someone told "being prepared" should try again.
PREPARING_RETRY_AFTER = 10


@bp.route("/consultations/<slug>/report.<fmt>")
def download(slug: str, fmt: str):
    """A published version's file as stored (rendered once, in the background); the team's
    concept or preview is rendered now, a limited number of times per user and address."""
    consultation = _load(slug)
    if fmt not in EXPORTERS:
        abort(404)
    lot = _lot(consultation)
    report = report_for(consultation)
    lot_key = lot.id if lot is not None else 0
    if (report is None or not report.published or _previewing(consultation)
            or report.published_model(_published_language(report), lot_key) is None):
        if report is not None and report.published and not is_team(current_user, consultation):
            abort(404)  # a lot the published version has no report of
        return _render_now(consultation, report, fmt, lot)
    language = _published_language(report)
    file = stored_report_file(report, language, fmt, lot_key)
    if file.status == "done" and current_user.is_authenticated:
        record_event("report_exported", actor=current_user, obj=consultation, format=fmt, version=report.version,
                     **({"lot": lot_key} if lot_key else {}))
    db.session.commit()  # a file queued just now goes to the job queue after this
    if file.status != "done":
        return _preparing(consultation, report)
    return _send_stored(file, report, language)


def _render_now(consultation: Consultation, report: Report | None, fmt: str, lot: Lot | None):
    """The team's concept or preview from the current data, rendered while they wait: counted
    per user and per address, refused with the 429 page past the limit."""
    try:
        count_generation("report_render")
    except Throttled as error:
        return too_many_response(error.retry_at)
    result = send_export(EXPORTERS[fmt](build_report(consultation, report or Report(consultation_id=consultation.id),
                                                     lot)),
                         **{"Cache-Control": "no-store"})
    if current_user.is_authenticated:
        record_event("report_exported", actor=current_user, obj=consultation, format=fmt, preview=True,
                     **({"lot": lot.id} if lot is not None else {}))
        db.session.commit()
    return result


def _send_stored(file: ReportFile, report: Report, language: str):
    """The stored file with its content hash as ETag: a conditional request for the same content
    gets 304 without the file being read. Cached for a year under a versioned address,
    revalidated every time otherwise."""
    if request.if_none_match.contains_weak(file.sha256):
        result = make_response("", 304)
        result.set_etag(file.sha256)
    else:
        exporter_class = EXPORTERS[file.fmt]
        name = f"{report.published_model(language, file.lot_key)['filename_stem']}.{exporter_class.extension}"
        result = file.send_as(mimetype=exporter_class.content_type, download_name=name, etag=file.sha256,
                              conditional=True, last_modified=file.finished_at, max_age=None, whole=True,
                              # gone: replaced by a newer version a moment ago
                              missing=lambda: _preparing(report.consultation, report))
        if result.status_code >= 400:  # being prepared again (503), or the store unreachable (503)
            return result
        result.expires = None
    frozen = (request.args.get("v") == str(report.version) and request.args.get("lang") == language
              and arg_int("lot", 0) == file.lot_key)
    if frozen:
        result.headers["Cache-Control"] = (f"{'private' if current_user.is_authenticated else 'public'}, "
                                           f"max-age={FROZEN_MAX_AGE}, immutable")
    else:  # the same address shows the next version once it is published, in the reader's language
        result.headers["Cache-Control"] = "no-cache"
        result.vary.add("Cookie")
    return result


def _preparing(consultation: Consultation, report: Report):
    """'Being prepared, try again in a moment' (503 with Retry-After), never a render while waiting."""
    result = make_response(render_template("reports/preparing.html", consultation=consultation, report=report,
                                           retry_after=PREPARING_RETRY_AFTER), 503)
    result.headers["Retry-After"] = str(PREPARING_RETRY_AFTER)
    result.headers["Cache-Control"] = "no-store"
    return result


@bp.route("/consultations/<slug>/report/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    consultation = load_consultation(slug)
    if not can_write_report(current_user, consultation):
        abort(403 if can_read_report(current_user, consultation) else 404)
    report = report_for(consultation)
    if request.method != "POST":
        return _render_edit(consultation, report, ReportTextsForm(obj=report))
    form = ReportTextsForm()
    if not form.validate():
        return _render_edit(consultation, report, form)
    try:
        save_texts(consultation, summary=form.summary.data, introduction=form.introduction.data,
                   next_steps=form.next_steps.data, by=current_user, version=form_version())
        if form.publishing:
            report = publish(consultation, by=current_user)
    except StaleTexts:
        db.session.rollback()
        return _render_edit(consultation, report_for(consultation), form, conflict=True)
    except ReportRefused as refused:
        if refused.field:
            refuse_on(form[refused.field], refused)
        else:
            db.session.rollback()
            form.form_errors.append(str(refused.message))
        return _render_edit(consultation, report_for(consultation), form)
    db.session.commit()
    if form.publishing:
        flash(_("The report has been published (version %(n)s). Everyone can read it now.", n=report.version), "ok")
        return redirect(url_for("reports.show", slug=slug))
    flash(_("The report texts have been saved."), "ok")
    return redirect(url_for("reports.edit", slug=slug))


def _render_edit(consultation: Consultation, report: Report | None, form: ReportTextsForm, conflict: bool = False):
    """The report editor: the form as typed (with its errors) or as saved. A refused form still
    starts from the texts version it was sent with; after a conflict, with the version someone else
    saved beside it, from the one stored now."""
    stored = report.texts_version if report else 0
    posted = form_version() if request.method == "POST" and not conflict else None
    return render_template("reports/edit.html", consultation=consultation, report=report, form=form,
                           left_out=left_out_of_report(consultation), conflict=conflict,
                           version=stored if posted is None else posted,
                           error=str(STALE_SAVE) if conflict else None), 409 if conflict else 200


@bp.route("/consultations/<slug>/answers.<variant>.<fmt>")
def answers(slug: str, variant: str, fmt: str):
    """All submitted answers as CSV or XLSX: public (after publication) or internal (the team)."""
    from consult.reports.data import VARIANTS

    if variant not in VARIANTS or fmt not in ANSWER_EXPORTERS:
        abort(404)
    consultation = load_consultation(slug, team_users=False)
    if not _may_export(consultation, variant):
        deny_hidden()
    try:
        count_generation("answers_export")
    except Throttled as error:
        return too_many_response(error.retry_at)
    if current_user.is_authenticated:
        record_event("answers_exported", actor=current_user, obj=consultation, variant=variant, format=fmt)
        db.session.commit()
    get_locale()  # decided now, while the user is loaded, and kept for the streamed rows
    return ANSWER_EXPORTERS[fmt](consultation, variant).response()


def _may_export(consultation, variant: str) -> bool:
    """May the current user have this export now? Asked again on every look at a prepared export,
    so someone who left the team cannot fetch what they prepared while on it."""
    if variant == "internal":
        return is_team(current_user, consultation)
    return can_read_report(current_user, consultation)


@bp.route("/consultations/<slug>/exports", methods=["POST"])
@login_required
def start_export(slug: str):
    """Prepare an export in the background (RQ with Redis, else right after this request)."""
    from consult.core.jobs import enqueue_after_commit
    from consult.reports.data import VARIANTS, prepare_export
    from consult.reports.models import ExportJob

    consultation = load_consultation(slug, team_users=False)
    variant, fmt = request.form.get("variant", ""), request.form.get("fmt", "")
    if variant not in VARIANTS or fmt not in ANSWER_EXPORTERS:
        abort(400)
    if not _may_export(consultation, variant):
        deny_hidden()
    try:
        count_generation("answers_export")
    except Throttled as error:
        return too_many_response(error.retry_at)
    job = ExportJob(consultation_id=consultation.id, user_id=current_user.id, variant=variant, fmt=fmt)
    db.session.add(job)
    db.session.flush()
    enqueue_after_commit(prepare_export, job.id)
    db.session.commit()
    return redirect(url_for("reports.export_status", job_id=job.id))


def _own_job(job_id: int):
    """The current user's own export job and its consultation, while they may still have it."""
    from consult.reports.models import ExportJob

    job = db.session.get(ExportJob, job_id)
    if job is None or job.user_id != current_user.id:
        abort(404)
    consultation = db.session.get(Consultation, job.consultation_id)
    if not _may_export(consultation, job.variant):
        abort(404)
    return job, consultation


@bp.route("/exports/<int:job_id>")
@login_required
def export_status(job_id: int):
    job, consultation = _own_job(job_id)
    template = "reports/_export_status.html" if is_htmx() else "reports/export.html"
    return render_template(template, job=job, consultation=consultation)


@bp.route("/exports/<int:job_id>/download")
@login_required
def export_download(job_id: int):
    job, consultation = _own_job(job_id)
    if job.status != ExportStatus.DONE:
        abort(404)
    record_event("answers_exported", actor=current_user, obj=consultation, variant=job.variant, format=job.fmt,
                 job=job.id)
    db.session.commit()
    exporter = ANSWER_EXPORTERS[job.fmt](consultation, job.variant)
    return job.send_as(mimetype=exporter.content_type, download_name=exporter.filename)
