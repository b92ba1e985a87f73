"""Raw data exports of all submitted answers: CSV and XLSX, public and internal.

* public: what the disclosure gate allows the public to see (no confidential answers, no response whose
  publication choice is "do not publish", organisations named only when their choice allows it);
* internal (the project team): everything, stamped "VERTROUWELIJK — intern", audited.

Rows are read from the submitted answers' rows (``SubmittedAnswer``: the current revision's answers,
exactly as each submission's canonical copy has them), a batch of responses at a time, and written as
they come, so memory does not grow with the data:
CSV is streamed to the client, XLSX is written by openpyxl's write-only workbook to a
temporary file that is sent and then removed.
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import NamedTuple

from flask_babel import format_datetime, pgettext
from flask_babel import gettext as _
from sqlalchemy import select

from consult.consultations.models import Consultation, Question, Theme
from consult.core.cells import escape_cell
from consult.disclosure import Audience
from consult.disclosure.answers import may_show_answer, shown_name, stricter
from consult.extensions import db
from consult.orgs.models import Organisation, OrgKind
from consult.responses.models import Publication, Response, ResponseStatus, Submission, SubmittedAnswer

VARIANTS = ("public", "internal")
BATCH = 50  # responses per batch of answer rows (125 questions: about 6,000 rows)


def columns(variant: str, scoped: bool = False) -> list[str]:
    """The header row; ``scoped`` (a consultation with lots) adds the lot and municipality each
    question was asked for, after the question."""
    labels = [_("Organisation"), _("Kind of organisation"), _("Theme"), _("Question number"), _("Question"),
              *([_("Asked for")] if scoped else []), _("Answer"), _("Submitted on"), _("Revision")]
    if variant == "internal":
        labels += [_("Confidential"), _("Publication choice")]
    return labels


def scope_label(scope: dict[str, str] | None) -> str:
    """The lot and municipality an answer's question was asked for, as the export writes it."""
    if not scope:
        return _("Everyone")
    lot, municipality = scope.get("lot"), scope.get("municipality")
    if lot and municipality:
        return pgettext("procurement lot", "Lot %(lot)s, in %(municipality)s", lot=lot, municipality=municipality)
    return pgettext("procurement lot", "Lot %(lot)s", lot=lot) if lot else _("In %(municipality)s", municipality=municipality)


def stamp() -> str:
    return "VERTROUWELIJK — intern"


class ExportedResponse(NamedTuple):
    """A submitted response as the export needs it: what the gate asks (``name`` and ``kind`` of the
    organisation, the current and the submitted publication choice) and its latest revision."""

    id: int
    name: str
    kind: OrgKind
    publication: Publication | None
    submitted_publication: str | None   # the choice frozen in the latest submission
    submitted_at: datetime
    revision: int


def answer_batches(consultation_id: int) -> Iterator[tuple[list[ExportedResponse], list[tuple]]]:
    """The submitted responses in id order, ``BATCH`` at a time, each batch with its responses'
    current answer rows (the latest revision, as its receipt vouches for it) in the order of each
    submission, as tuples (response id, theme, question id, question, the answer as one line,
    confidential, the lot and municipality it was asked for). Read from the answer rows, never from
    the canonical JSON; one batch is in memory at a time, so memory does not grow with the data.
    What is the same for all of a response's answers (its submission's time, number and publication
    choice) is read once per response."""
    def of_current(column):
        return (select(column).where(SubmittedAnswer.response_id == Response.id, SubmittedAnswer.current.is_(True))
                .limit(1).correlate(Response).scalar_subquery())

    last = 0
    while True:
        responses = [ExportedResponse(*row) for row in db.session.execute(
            select(Response.id, Organisation.name, Organisation.kind, Response.publication,
                   of_current(SubmittedAnswer.publication), Submission.submitted_at, Submission.number)
            .join(Organisation, Organisation.id == Response.organisation_id)
            .join(Submission, Submission.id == of_current(SubmittedAnswer.submission_id))
            .where(Response.consultation_id == consultation_id, Response.status == ResponseStatus.SUBMITTED,
                   Response.id > last)
            .order_by(Response.id).limit(BATCH))]
        if not responses:
            return
        answers = db.session.execute(
            select(SubmittedAnswer.response_id, SubmittedAnswer.theme, SubmittedAnswer.question_id,
                   SubmittedAnswer.question, SubmittedAnswer.text, SubmittedAnswer.confidential, SubmittedAnswer.scope)
            .where(SubmittedAnswer.response_id.in_([r.id for r in responses]), SubmittedAnswer.current.is_(True))
            .order_by(SubmittedAnswer.response_id, SubmittedAnswer.position)).all()
        yield responses, answers
        last = responses[-1].id


def question_numbers(consultation_id: int) -> dict[int, str]:
    """question id -> its number as the questionnaire shows it ("2.3"; a theme without questions
    still takes its number), in one query."""
    numbers, theme_number, question_number, current_theme = {}, 0, 0, None
    for theme_id, question_id in db.session.execute(
            select(Theme.id, Question.id).outerjoin(Question, Question.theme_id == Theme.id)
            .where(Theme.consultation_id == consultation_id)
            .order_by(Theme.position, Theme.id, Question.position, Question.id)):
        if theme_id != current_theme:
            current_theme, theme_number, question_number = theme_id, theme_number + 1, 0
        if question_id is not None:
            question_number += 1
            numbers[question_id] = f"{theme_number}.{question_number}"
    return numbers


def rows(consultation: Consultation, variant: str, cell=escape_cell) -> Iterator[list[str]]:
    """One row per submitted answer (latest submission of each submitted response). ``cell`` makes each
    value a cell: escaped against spreadsheet formulas for the files, as it is (``str``) for the API."""
    kinds = {OrgKind.PROVIDER: _("Care provider"), OrgKind.COUNCIL: _("Advisory council"),
             OrgKind.MUNICIPALITY: _("Municipality"), OrgKind.OTHER: _("Other organisation")}
    # Everything that is the same for many rows is translated and escaped once per export (labels,
    # themes and questions) or once per response (its organisation, date and choices), not once per answer.
    anonymous = _("Anonymous")
    confidential_labels = {True: cell(_("yes")), False: cell(_("no"))}
    numbers = {question_id: cell(number) for question_id, number in question_numbers(consultation.id).items()}
    publication_labels = {publication: cell(publication.label) for publication in Publication}
    kinds = {kind: cell(label) for kind, label in kinds.items()}
    escaped: dict[str, str] = {}
    scoped = bool(consultation.lots)
    internal = variant == "internal"
    audience = Audience.TEAM if internal else Audience.PUBLIC
    for responses, answers in answer_batches(consultation.id):
        by_id = {response.id: response for response in responses}
        current_id = None
        for response_id, theme_text, question_id, question_text, text, confidential, scope in answers:
            if response_id != current_id:
                # A new response: the gate decides once for its name and for each kind of answer.
                current_id, response = response_id, by_id[response_id]
                applies = stricter(response.publication, response.submitted_publication)
                shown = {hidden: may_show_answer(applies, hidden, audience) for hidden in (False, True)}
                name = cell(shown_name(response, applies, audience) or anonymous)
                kind = kinds.get(response.kind, "")
                when = cell(format_datetime(response.submitted_at, "yyyy-MM-dd HH:mm"))
                revision = cell(response.revision)
                chosen = publication_labels[response.publication] if response.publication else ""
            if not shown[confidential]:
                continue
            theme = escaped.get(theme_text)
            if theme is None:
                theme = escaped[theme_text] = cell(theme_text)
            question = escaped.get(question_text)
            if question is None:
                question = escaped[question_text] = cell(question_text)
            row = [name, kind, theme, numbers.get(question_id, ""), question,
                   *([cell(scope_label(scope))] if scoped else []), cell(text), when, revision]
            if internal:
                row += [confidential_labels[confidential], chosen]
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
    writer.writerow(columns(variant, bool(consultation.lots)))
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
    sheet.append(columns(variant, bool(consultation.lots)))
    for row in rows(consultation, variant):
        sheet.append(row)
    handle = tempfile.NamedTemporaryFile(prefix="consult-export-", suffix=".xlsx", delete=False)
    handle.close()
    workbook.save(handle.name)
    return handle.name


def prepare_export(job_id: int) -> None:
    """Job: write an export file for an ExportJob into the file store (written to a temporary
    file of this node first, stored whole, then the job is done)."""
    import hashlib
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
            sha256 = hashlib.file_digest(made, "sha256").hexdigest()
            made.seek(0)
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
    job.status, job.finished_at = ExportStatus.DONE, utcnow()
    job.stored_name, job.size, job.sha256 = stored_name, size, sha256
    db.session.commit()
