"""Writing and publishing the consultation report."""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, lazy_gettext as _l

from consult.audit.services import record_event
from consult.auth.models import User
from consult.consultations.models import Consultation, Status
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


def save_texts(consultation: Consultation, *, summary: str, introduction: str, next_steps: str, by: User) -> Report:
    report = report_for(consultation)
    if report is None:
        report = Report(consultation_id=consultation.id)
        db.session.add(report)
    for name, value in (("summary", summary), ("introduction", introduction), ("next_steps", next_steps)):
        value = (value or "").replace("\x00", "").strip()
        if len(value) > 20_000:
            raise ReportRefused(_l("Use at most %(n)d characters.", n=20_000))
        setattr(report, name, value)
    report.updated_at, report.updated_by_id = utcnow(), by.id
    db.session.flush()
    record_event("report_saved", actor=by, obj=report)
    return report


def publish(consultation: Consultation, *, by: User) -> Report:
    """The report becomes public at a stable address and the consultation's status 'published'."""
    if not consultation.status.is_closed:
        raise ReportRefused(_l("The report can be published once the consultation has closed."))
    report = report_for(consultation)
    if report is None or not report.summary.strip():
        raise ReportRefused(_l("Write the summary before publishing the report."))
    report.version += 1
    report.published_at, report.published_by_id = utcnow(), by.id
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
