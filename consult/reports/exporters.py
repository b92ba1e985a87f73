"""The answers of a consultation as a download (CSV, XLSX). The document exporters (ODT, PDF,
DOCX) and the content types are in ``consult/core/documents.py``.
"""
from __future__ import annotations

from consult.core.documents import CONTENT_TYPES


class AnswersExporter:
    """The answers of a consultation as a table, in one variant (public or internal): streamed or
    sent at once while someone waits, or written to a file by the background export job."""

    identifier = ""
    extension = ""
    content_type = ""

    def __init__(self, consultation, variant: str):
        self.consultation = consultation
        self.variant = variant

    @property
    def filename(self) -> str:
        kind = "intern" if self.variant == "internal" else "openbaar"
        return f"antwoorden-{self.consultation.slug}-{kind}.{self.extension}"

    def write(self, path: str) -> None:
        """Write the whole export to ``path``."""
        raise NotImplementedError

    def response(self):
        """The download, without keeping a copy on this node."""
        raise NotImplementedError


class AnswersCsvExporter(AnswersExporter):
    identifier, extension = "csv", "csv"
    content_type = CONTENT_TYPES["csv"]

    def write(self, path: str) -> None:
        from consult.reports.data import csv_stream

        with open(path, "wb") as out:
            for chunk in csv_stream(self.consultation, self.variant):
                out.write(chunk)

    def response(self):
        from flask import Response, stream_with_context

        from consult.reports.data import csv_stream

        return Response(stream_with_context(csv_stream(self.consultation, self.variant)),
                        headers={"Content-Type": self.content_type,
                                 "Content-Disposition": f'attachment; filename="{self.filename}"'})


class AnswersXlsxExporter(AnswersExporter):
    identifier, extension = "xlsx", "xlsx"
    content_type = CONTENT_TYPES["xlsx"]

    def write(self, path: str) -> None:
        import shutil

        from consult.reports.data import xlsx_file

        shutil.move(xlsx_file(self.consultation, self.variant), path)

    def response(self):
        import os

        from flask import send_file

        from consult.reports.data import xlsx_file

        path = xlsx_file(self.consultation, self.variant)
        handle = open(path, "rb")  # noqa: SIM115 (closed by the server after sending)
        os.unlink(path)  # the open handle keeps the data until it is closed; nothing is left behind
        return send_file(handle, mimetype=self.content_type, as_attachment=True, download_name=self.filename,
                         max_age=0)


ANSWER_EXPORTERS = {cls.identifier: cls for cls in (AnswersCsvExporter, AnswersXlsxExporter)}
