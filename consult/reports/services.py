"""Writing and publishing the consultation report, and rendering each published version's files once."""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from consult.analysis.services import LotFigures
from consult.audit.services import record_event
from consult.auth.models import User
from consult.consultations.models import Consultation, Status
from consult.core.db import insert_unless_exists, update_if_version
from consult.core.documents import EXPORTERS, model_from_dict, model_to_dict
from consult.core.jobs import enqueue_after_commit
from consult.core.refused import Refused
from consult.core.storage import delete_stored
from consult.core.time import utcnow
from consult.core.uploads import store_generated
from consult.extensions import db
from consult.notify.models import Kind
from consult.notify.services import audience, notify, url_path
from consult.reports.models import Report, ReportFile
from consult.reports.report import build_report, report_for

log = logging.getLogger(__name__)


class ReportRefused(Refused):
    pass


MAX_TEXT = 20_000  # characters in each of the report's own texts


def clean_text(value: str | None) -> str:
    """A report text as it is stored: trimmed, without NUL bytes (databases refuse them)."""
    return (value or "").replace("\x00", "").strip()


class StaleTexts(Exception):
    """Someone saved the report's texts (or published it) after the version the person started
    from; nothing was written. ``report`` is the report as stored now."""

    def __init__(self, report: Report):
        super().__init__("stale report texts")
        self.report = report


def save_texts(consultation: Consultation, *, summary: str, introduction: str, next_steps: str, by: User,
               version: int | None = None) -> Report:
    """Save the report's own texts.

    ``version`` is the texts version the person's form started from (0: there was no report yet;
    None: the one loaded here). They are written only while that is still the stored version, in
    one conditional UPDATE (the first save in one INSERT that skips an existing row); otherwise
    StaleTexts is raised and nothing is written.
    """
    values = {}
    for name, value in (("summary", summary), ("introduction", introduction), ("next_steps", next_steps)):
        value = clean_text(value)
        if len(value) > MAX_TEXT:
            raise ReportRefused(_l("Use at most %(n)d characters.", n=MAX_TEXT), field=name)
        values[name] = value
    now = utcnow()
    report = report_for(consultation)
    if report is None:
        report = insert_unless_exists(Report, consultation_id=consultation.id, texts_version=1, updated_at=now,
                                      updated_by_id=by.id, **values)
        if report is not None:
            record_event("report_saved", actor=by, obj=report)
            return report
        report = report_for(consultation)  # a colleague's first save came first
    if all(getattr(report, name) == value for name, value in values.items()):
        return report
    base = report.texts_version if version is None else version
    if not update_if_version(report, base, version="texts_version", updated_at=now, updated_by_id=by.id, **values):
        db.session.refresh(report)
        raise StaleTexts(report)
    record_event("report_saved", actor=by, obj=report)
    return report


def publish(consultation: Consultation, *, by: User) -> Report:
    """The report becomes public at a stable address and the consultation's status 'published'."""
    if not consultation.status.is_closed:
        raise ReportRefused(_l("The report can be published once the consultation has closed."))
    report = report_for(consultation)
    if report is None or not report.summary.strip():
        raise ReportRefused(_l("Write the summary before publishing the report."), field="summary")
    # The publication number is raised in one conditional UPDATE, and only while the texts are
    # the ones loaded here: nobody publishes a colleague's newer text unseen, or the same number twice.
    if not update_if_version(report, report.version, where=(Report.texts_version == report.texts_version,),
                             published_at=utcnow(), published_by_id=by.id):
        db.session.refresh(report)
        raise StaleTexts(report)
    consultation.status = Status.PUBLISHED
    db.session.flush()
    snapshots, per_lot = {}, {}
    lot_figures = LotFigures(consultation) if consultation.lots else None
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            snapshots[language] = model_to_dict(build_report(consultation, report))
            for lot in consultation.lots:
                per_lot.setdefault(str(lot.id), {})[language] = model_to_dict(
                    build_report(consultation, report, lot, lot_figures))
    report.published, report.published_lots = snapshots, per_lot
    queue_report_files(report)
    record_event("report_published", actor=by, obj=consultation, version=report.version)
    notify(audience(consultation), Kind.REPORT, consultation=consultation,
           data={"consultation": consultation.title, "version": report.version},
           link=url_path("reports.show", slug=consultation.slug))
    return report


# --- the published version's files: rendered once, in the background, then only sent ---------------

# A file still queued this long after it was queued is queued again (its job was lost, e.g. when
# the report was published by a command, which runs no jobs). The job takes a file on only once,
# so queueing it twice never renders it twice.
QUEUE_PATIENCE_INLINE = timedelta(seconds=10)
QUEUE_PATIENCE_WORKER = timedelta(minutes=5)
# A render that has not finished after this long died with its worker.
RENDER_STALE_AFTER = timedelta(minutes=15)
# After a failed render, the next download queues it again, but not sooner than this.
RENDER_RETRY_AFTER = timedelta(minutes=1)


def queue_report_files(report: Report) -> int:
    """Queue the rendering of every format in every language of the report's published version, of
    the whole consultation and of each lot.

    One row per file, inserted only when it does not exist yet, so a version is rendered once
    however often this is called. The job runs after the transaction commits (RQ with Redis,
    right after the request otherwise). Returns the number of files queued.
    """
    queued = 0
    lot_keys = [0] + [int(key) for key in report.published_lots or {}]
    for lot_key in lot_keys:
        for language in current_app.config["LANGUAGES"]:
            for fmt in EXPORTERS:
                queued += _queue_file(report, language, fmt, lot_key) is not None
    return queued


def _queue_file(report: Report, language: str, fmt: str, lot_key: int = 0) -> ReportFile | None:
    file = insert_unless_exists(ReportFile, report_id=report.id, version=report.version, language=language,
                                fmt=fmt, lot_key=lot_key, status="queued", attempt=0, queued_at=utcnow())
    if file is not None:
        enqueue_after_commit(render_report_file, file.id)
    return file


def stored_report_file(report: Report, language: str, fmt: str, lot_key: int = 0) -> ReportFile:
    """The file of the report's published version in ``language`` and ``fmt`` (of the whole
    consultation, or with ``lot_key`` of that lot): stored (status "done") or still being prepared.

    Never renders. A file that was never queued, whose job was lost, whose worker died or whose
    render failed a while ago is queued (again) here, each by one request only however many ask
    at the same moment: the row is inserted or reset by one conditional statement.
    """
    file = _file_row(report, language, fmt, lot_key)
    if file is None:
        file = _queue_file(report, language, fmt, lot_key) or _file_row(report, language, fmt, lot_key)
    if file.status == "done":
        return file
    now = utcnow()
    patience = QUEUE_PATIENCE_WORKER if current_app.config.get("REDIS_URL") else QUEUE_PATIENCE_INLINE
    due = {"queued": (ReportFile.queued_at <= now - patience),
           "running": (ReportFile.started_at <= now - RENDER_STALE_AFTER),
           "failed": (ReportFile.finished_at <= now - RENDER_RETRY_AFTER)}[file.status]
    requeued = db.session.execute(
        update(ReportFile).where(ReportFile.id == file.id, ReportFile.status == file.status, due)
        .values(status="queued", queued_at=now).execution_options(synchronize_session=False)).rowcount
    if requeued == 1:
        log.warning("report file %s (%s) queued again", file.id, file.status)
        enqueue_after_commit(render_report_file, file.id)
        db.session.refresh(file)
    return file


def _file_row(report: Report, language: str, fmt: str, lot_key: int) -> ReportFile | None:
    return db.session.scalar(select(ReportFile).where(
        ReportFile.report_id == report.id, ReportFile.version == report.version,
        ReportFile.language == language, ReportFile.fmt == fmt, ReportFile.lot_key == lot_key))


def render_report_file(file_id: int) -> None:
    """Job: render one file of a published report version from its snapshot and store it.

    The file is taken on with one conditional UPDATE (queued -> running, attempt + 1), so two
    workers never render it both; only the attempt that took it on may mark it done. When it is
    done, the files of the report's earlier versions in that language and format are removed.
    Commits its own transactions (it runs outside any request, or after it).
    """
    attempt = db.session.execute(
        update(ReportFile).where(ReportFile.id == file_id, ReportFile.status == "queued")
        .values(status="running", started_at=utcnow(), attempt=ReportFile.attempt + 1)
        .returning(ReportFile.attempt).execution_options(synchronize_session=False)).scalar()
    db.session.commit()
    if attempt is None:
        return  # done, taken on by another worker, or gone
    file = db.session.get(ReportFile, file_id)
    report = db.session.get(Report, file.report_id)
    snapshot = report.published_model(file.language, file.lot_key) if report is not None else None
    if report is None or report.version != file.version or snapshot is None:
        db.session.delete(file)  # a newer version was published meanwhile: nobody will ask for this one
        db.session.commit()
        return
    mine = (ReportFile.id == file_id, ReportFile.status == "running", ReportFile.attempt == attempt)
    try:
        with force_locale(file.language):
            exporter = EXPORTERS[file.fmt](model_from_dict(snapshot))
            data = exporter.render()
        stored = store_generated(data, name=exporter.filename, file_type=file.fmt)
    except Exception:
        db.session.rollback()
        db.session.execute(update(ReportFile).where(*mine).values(status="failed", finished_at=utcnow())
                           .execution_options(synchronize_session=False))
        db.session.commit()
        raise
    done = db.session.execute(
        update(ReportFile).where(*mine).values(status="done", stored_name=stored.stored_name, size=stored.size,
                                               sha256=stored.sha256, finished_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if done != 1:  # taken on again meanwhile (this worker was thought dead): the other one finishes it
        delete_stored(stored.stored_name)
        return
    _remove_earlier_versions(file)


def _remove_earlier_versions(file: ReportFile) -> None:
    earlier = db.session.scalars(select(ReportFile).where(
        ReportFile.report_id == file.report_id, ReportFile.language == file.language,
        ReportFile.fmt == file.fmt, ReportFile.lot_key == file.lot_key, ReportFile.version < file.version)).all()
    names = [row.stored_name for row in earlier if row.stored_name]
    for row in earlier:
        db.session.delete(row)
    db.session.commit()
    for name in names:
        delete_stored(name)
