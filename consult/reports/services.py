"""Writing and publishing the consultation report."""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, lazy_gettext as _l

from consult.audit.services import record_event
from consult.auth.models import User
from consult.consultations.models import Consultation, Status
from consult.core.db import insert_unless_exists, update_if_version
from consult.core.time import utcnow
from consult.extensions import db
from consult.notify.models import Kind
from consult.notify.services import notify, participants, url_path
from consult.reports.models import Report
from consult.reports.exporters import model_to_dict
from consult.reports.report import build_report, report_for


class ReportRefused(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


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
        value = (value or "").replace("\x00", "").strip()
        if len(value) > 20_000:
            raise ReportRefused(_l("Use at most %(n)d characters.", n=20_000))
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
        raise ReportRefused(_l("Write the summary before publishing the report."))
    # The publication number is raised in one conditional UPDATE, and only while the texts are
    # the ones loaded here: nobody publishes a colleague's newer text unseen, or the same number twice.
    if not update_if_version(report, report.version, where=(Report.texts_version == report.texts_version,),
                             published_at=utcnow(), published_by_id=by.id):
        db.session.refresh(report)
        raise StaleTexts(report)
    consultation.status = Status.PUBLISHED
    db.session.flush()
    snapshots = {}
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            snapshots[language] = model_to_dict(build_report(consultation, report))
    report.published = snapshots
    record_event("report_published", actor=by, obj=consultation, version=report.version)
    notify(participants(consultation), Kind.REPORT, consultation=consultation,
           data={"consultation": consultation.title, "version": report.version},
           link=url_path("reports.show", slug=consultation.slug))
    return report
