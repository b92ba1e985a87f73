"""The consultation report: the HTML page at a stable address, its downloads, and the editor."""
from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from consult.audit.services import record_event
from consult.consultations.models import Consultation, Theme
from consult.consultations.views import load_consultation
from consult.core.access import deny_hidden
from consult.core.conflicts import STALE_SAVE, form_version
from consult.extensions import db
from consult.reports import bp
from consult.consultations.permissions import is_team
from consult.reports.exporters import EXPORTERS, BulletList, Heading, Paragraph, Table, model_from_dict
from consult.reports.models import Report
from consult.reports.permissions import can_read_report, can_write_report
from consult.reports.report import build_report, report_for
from consult.reports.services import ReportRefused, StaleTexts, publish, save_texts

KINDS = {"heading": Heading, "paragraph": Paragraph, "list": BulletList, "table": Table}


def _load(slug: str) -> Consultation:
    consultation = load_consultation(slug, selectinload(Consultation.themes).selectinload(Theme.questions),
                                     team_users=False)
    if not can_read_report(current_user, consultation):
        deny_hidden()
    return consultation


def _model(consultation: Consultation):
    """The published version as published; the team previews the current data with ?preview=1."""
    report = report_for(consultation)
    preview = request.args.get("preview") == "1" and is_team(current_user, consultation)
    if report is not None and report.published and not preview:
        language = str(get_locale())
        return report, model_from_dict(report.published.get(language) or next(iter(report.published.values()))), False
    return report, build_report(consultation, report or Report(consultation_id=consultation.id)), True


@bp.route("/consultations/<slug>/report")
def show(slug: str):
    consultation = _load(slug)
    report, model, live = _model(consultation)
    return render_template("reports/report.html", consultation=consultation, model=model, kinds=KINDS,
                           report=report, live=live, formats=list(EXPORTERS),
                           may_write=can_write_report(current_user, consultation))


@bp.route("/consultations/<slug>/report.<fmt>")
def download(slug: str, fmt: str):
    consultation = _load(slug)
    exporter_class = EXPORTERS.get(fmt)
    if exporter_class is None:
        abort(404)
    _report, model, _live = _model(consultation)
    exporter = exporter_class(model)
    result = make_response(exporter.render())
    result.headers["Content-Type"] = exporter.content_type
    result.headers["Content-Disposition"] = f'attachment; filename="{exporter.filename}"'
    if current_user.is_authenticated:
        record_event("report_exported", actor=current_user, obj=consultation, format=fmt)
        db.session.commit()
    return result


@bp.route("/consultations/<slug>/report/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    consultation = load_consultation(slug)
    if not can_write_report(current_user, consultation):
        abort(403 if can_read_report(current_user, consultation) else 404)
    report = report_for(consultation)
    error, conflict = None, False
    if request.method == "POST":
        try:
            save_texts(consultation, summary=request.form.get("summary", ""),
                       introduction=request.form.get("introduction", ""),
                       next_steps=request.form.get("next_steps", ""), by=current_user, version=form_version())
            if request.form.get("action") == "publish":
                report = publish(consultation, by=current_user)
        except StaleTexts:
            db.session.rollback()
            error, conflict = str(STALE_SAVE), True
            report = report_for(consultation)
        except ReportRefused as refused:
            db.session.rollback()
            error = str(refused.message)
        else:
            db.session.commit()
            if request.form.get("action") == "publish":
                flash(_("The report has been published (version %(n)s). Everyone can read it now.", n=report.version), "ok")
                return redirect(url_for("reports.show", slug=slug))
            flash(_("The report texts have been saved."), "ok")
            return redirect(url_for("reports.edit", slug=slug))
    return render_template("reports/edit.html", consultation=consultation, report=report, error=error,
                           form=request.form if error else None, conflict=conflict), 409 if conflict else 200


@bp.route("/consultations/<slug>/answers.<variant>.<fmt>")
def answers(slug: str, variant: str, fmt: str):
    """All submitted answers as CSV or XLSX: public (after publication) or internal (the team)."""
    import os

    from flask import Response as FlaskResponse, send_file, stream_with_context

    from consult.reports.data import VARIANTS, csv_stream, xlsx_file

    if variant not in VARIANTS or fmt not in ("csv", "xlsx"):
        abort(404)
    consultation = load_consultation(slug, team_users=False)
    allowed = is_team(current_user, consultation) if variant == "internal" else can_read_report(current_user, consultation)
    if not allowed:
        deny_hidden()
    if current_user.is_authenticated:
        record_event("answers_exported", actor=current_user, obj=consultation, variant=variant, format=fmt)
        db.session.commit()
    filename = f"antwoorden-{consultation.slug}-{'intern' if variant == 'internal' else 'openbaar'}.{fmt}"
    disposition = f'attachment; filename="{filename}"'
    get_locale()  # decided now, while the user is loaded, and kept for the streamed rows
    if fmt == "csv":
        return FlaskResponse(stream_with_context(csv_stream(consultation, variant)),
                             headers={"Content-Type": "text/csv; charset=utf-8", "Content-Disposition": disposition})
    path = xlsx_file(consultation, variant)
    handle = open(path, "rb")  # noqa: SIM115 (closed by the server after sending)
    os.unlink(path)  # the open handle keeps the data until it is closed; nothing is left behind
    return send_file(handle, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     as_attachment=True, download_name=filename, max_age=0)


def _may_export(consultation, variant: str) -> bool:
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
    if variant not in VARIANTS or fmt not in ("csv", "xlsx"):
        abort(400)
    if not _may_export(consultation, variant):
        deny_hidden()
    job = ExportJob(consultation_id=consultation.id, user_id=current_user.id, variant=variant, fmt=fmt)
    db.session.add(job)
    db.session.flush()
    enqueue_after_commit(prepare_export, job.id)
    db.session.commit()
    return redirect(url_for("reports.export_status", job_id=job.id))


def _own_job(job_id: int):
    from consult.reports.models import ExportJob

    job = db.session.get(ExportJob, job_id)
    if job is None or job.user_id != current_user.id:
        abort(404)
    return job


@bp.route("/exports/<int:job_id>")
@login_required
def export_status(job_id: int):
    job = _own_job(job_id)
    consultation = db.session.get(Consultation, job.consultation_id)
    template = "reports/_export_status.html" if request.headers.get("HX-Request") == "true" else "reports/export.html"
    return render_template(template, job=job, consultation=consultation)


@bp.route("/exports/<int:job_id>/download")
@login_required
def export_download(job_id: int):
    from flask import send_file

    from consult.core.uploads import stored_path

    job = _own_job(job_id)
    if job.status != "done":
        abort(404)
    consultation = db.session.get(Consultation, job.consultation_id)
    record_event("answers_exported", actor=current_user, obj=consultation, variant=job.variant, format=job.fmt,
                 job=job.id)
    db.session.commit()
    mimetype = "text/csv" if job.fmt == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = f"antwoorden-{consultation.slug}-{'intern' if job.variant == 'internal' else 'openbaar'}.{job.fmt}"
    return send_file(stored_path(job.stored_name), mimetype=mimetype, as_attachment=True, download_name=name,
                     max_age=0)
