"""Raw data exports of all submitted answers: CSV and XLSX, public and internal.

* public: what the disclosure gate allows the public to see (no confidential answers, no response whose
  publication choice is "do not publish", organisations named only when their choice allows it);
* internal (the project team): everything, stamped "VERTROUWELIJK — intern", audited.

Rows are read in batches and written as they come, so memory does not grow with the data:
CSV is streamed to the client, XLSX is written by openpyxl's write-only workbook to a
temporary file that is sent and then removed.
"""
from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import func, select

from consult.consultations.models import Consultation, Question, Theme
from consult.core.cells import escape_cell
from consult.disclosure import Audience
from consult.disclosure.answers import may_show_answer, shown_name, stricter
from consult.extensions import db
from consult.orgs.models import Organisation, OrgKind
from consult.responses.display import snapshot_value
from consult.responses.models import Publication, Response, ResponseStatus, Submission

VARIANTS = ("public", "internal")
BATCH = 50  # responses per fetch; each holds all its answers, so keep this small


def columns(variant: str) -> list[str]:
    labels = [_("Organisation"), _("Kind of organisation"), _("Theme"), _("Question number"), _("Question"),
              _("Answer"), _("Submitted on"), _("Revision")]
    if variant == "internal":
        labels += [_("Confidential"), _("Publication choice")]
    return labels


def stamp() -> str:
    return "VERTROUWELIJK — intern"


def rows(consultation: Consultation, variant: str) -> Iterator[list[str]]:
    """One row per submitted answer (latest submission of each submitted response)."""
    numbers = {}
    for t_number, theme in enumerate(db.session.scalars(select(Theme).where(
            Theme.consultation_id == consultation.id).order_by(Theme.position, Theme.id)), start=1):
        for q_number, question_id in enumerate(db.session.scalars(select(Question.id).where(
                Question.theme_id == theme.id).order_by(Question.position, Question.id)), start=1):
            numbers[question_id] = f"{t_number}.{q_number}"
    kinds = {OrgKind.PROVIDER: _("Care provider"), OrgKind.COUNCIL: _("Advisory council"),
             OrgKind.MUNICIPALITY: _("Municipality"), OrgKind.OTHER: _("Other organisation")}
    latest = (select(Submission.response_id, func.max(Submission.number).label("number"))
              .group_by(Submission.response_id).subquery())
    query = (select(Organisation, Response.publication, Submission.canonical,
                    Submission.submitted_at, Submission.number)
             .join(latest, (latest.c.response_id == Submission.response_id) & (latest.c.number == Submission.number))
             .join(Response, Response.id == Submission.response_id)
             .join(Organisation, Organisation.id == Response.organisation_id)
             .where(Response.consultation_id == consultation.id, Response.status == ResponseStatus.SUBMITTED)
             .order_by(Response.id)
             .execution_options(yield_per=BATCH))
    # Everything that is the same for many rows is translated and escaped once per export (labels)
    # or once per response (its organisation, date and choices), not once per answer.
    anonymous = _("Anonymous")
    confidential_labels = {True: escape_cell(_("yes")), False: escape_cell(_("no"))}
    numbers = {question_id: escape_cell(number) for question_id, number in numbers.items()}
    publication_labels = {publication: escape_cell(publication.label) for publication in Publication}
    kinds = {kind: escape_cell(label) for kind, label in kinds.items()}
    internal = variant == "internal"
    audience = Audience.TEAM if internal else Audience.PUBLIC
    for organisation, publication, canonical, submitted_at, number in db.session.execute(query):
        snapshot = json.loads(canonical)
        applies = stricter(publication, snapshot.get("publication"))
        shown = {confidential: may_show_answer(applies, confidential, audience) for confidential in (False, True)}
        answers = [a for a in snapshot["answers"] if shown[bool(a["confidential"])]]
        if not answers:
            continue
        name = escape_cell(shown_name(organisation, applies, audience) or anonymous)
        kind = kinds.get(organisation.kind, "")
        when = escape_cell(format_datetime(submitted_at, "yyyy-MM-dd HH:mm"))
        revision = escape_cell(number)
        chosen = publication_labels[publication] if publication else ""
        for answer in answers:
            row = [name, kind, escape_cell(answer["theme"]), numbers.get(answer["question_id"], ""),
                   escape_cell(answer["question"]), escape_cell(snapshot_value(answer)), when, revision]
            if internal:
                row += [confidential_labels[bool(answer["confidential"])], chosen]
            yield row


def csv_stream(consultation: Consultation, variant: str) -> Iterator[bytes]:
    """UTF-8 with BOM (so spreadsheet programs read the accents right), written line by line.

    The rows are read while the response is sent, after the request's commit (and any job run after
    it) may have let go of the consultation object, so the generator takes its id now and loads it
    again when the first row is due."""
    return _csv_chunks(consultation.id, variant)


def _csv_chunks(consultation_id: int, variant: str) -> Iterator[bytes]:
    consultation = db.session.get(Consultation, consultation_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    yield "\ufeff".encode()
    if variant == "internal":
        writer.writerow([stamp()])
    writer.writerow(columns(variant))
    for row in rows(consultation, variant):
        writer.writerow(row)
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def xlsx_file(consultation: Consultation, variant: str) -> str:
    """Write the workbook to a temporary file with the write-only (streaming) writer; returns its path."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Answers")[:31])
    if variant == "internal":
        sheet.oddHeader.center.text = stamp()
        sheet.append([stamp()])
    sheet.append(columns(variant))
    for row in rows(consultation, variant):
        sheet.append(row)
    handle = tempfile.NamedTemporaryFile(prefix="consult-export-", suffix=".xlsx", delete=False)
    handle.close()
    workbook.save(handle.name)
    return handle.name


def prepare_export(job_id: int) -> None:
    """Job: write an export file for an ExportJob into the file store (written to a temporary
    file of this node first, stored whole, then the job is done)."""
    import os
    import secrets
    import tempfile

    from consult.core.storage import put_stored
    from consult.core.time import utcnow
    from consult.reports.exporters import ANSWER_EXPORTERS
    from consult.reports.models import ExportJob, ExportStatus

    job = db.session.get(ExportJob, job_id)
    if job is None or job.status != ExportStatus.QUEUED:
        return
    job.status = ExportStatus.RUNNING
    db.session.commit()
    consultation = db.session.get(Consultation, job.consultation_id)
    stored_name = secrets.token_hex(20)
    handle, target = tempfile.mkstemp(prefix="export-", suffix=".part")
    os.close(handle)
    try:
        ANSWER_EXPORTERS[job.fmt](consultation, job.variant).write(target)
        size = os.path.getsize(target)
        with open(target, "rb") as made:
            put_stored(stored_name, made)
    except Exception:
        if os.path.exists(target):
            os.unlink(target)
        db.session.rollback()
        job = db.session.get(ExportJob, job_id)
        job.status, job.finished_at = ExportStatus.FAILED, utcnow()
        db.session.commit()
        raise
    os.unlink(target)
    job.status, job.stored_name, job.size, job.finished_at = ExportStatus.DONE, stored_name, size, utcnow()
    db.session.commit()
