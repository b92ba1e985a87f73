"""One exporter model: documents (report, Q&A, strategy) and the answers table are exporter classes
next to each other, with one table of content types, one send_export and the job status as an enum."""
from __future__ import annotations

from consult.core.documents import CONTENT_TYPES, EXPORTERS, DocumentModel, Paragraph, send_export
from consult.reports.exporters import ANSWER_EXPORTERS
from consult.reports.models import ExportJob, ExportStatus


def test_every_exporter_takes_its_content_type_from_the_one_table():
    assert set(EXPORTERS) | set(ANSWER_EXPORTERS) == set(CONTENT_TYPES) == {"odt", "pdf", "docx", "csv", "xlsx"}
    for identifier, exporter_class in {**EXPORTERS, **ANSWER_EXPORTERS}.items():
        assert exporter_class.identifier == exporter_class.extension == identifier
        assert exporter_class.content_type == CONTENT_TYPES[identifier]
    assert CONTENT_TYPES["csv"] == "text/csv; charset=utf-8"


def test_send_export_builds_the_download_with_its_name_and_extra_headers(app):
    model = DocumentModel(title="Nota", subtitle="Wmo", blocks=[Paragraph("Tekst")], filename_stem="nota-wmo")
    with app.test_request_context():
        result = send_export(EXPORTERS["docx"](model), **{"Cache-Control": "no-store"})
    assert result.status_code == 200
    assert result.headers["Content-Type"] == CONTENT_TYPES["docx"]
    assert result.headers["Content-Disposition"] == 'attachment; filename="nota-wmo.docx"'
    assert result.headers["Cache-Control"] == "no-store"
    assert result.get_data()[:2] == b"PK"  # a docx is a zip file


def test_answer_exporters_name_their_file_by_consultation_and_variant():
    consultation = type("Consultation", (), {"slug": "wmo-2027"})()
    assert ANSWER_EXPORTERS["csv"](consultation, "internal").filename == "antwoorden-wmo-2027-intern.csv"
    assert ANSWER_EXPORTERS["xlsx"](consultation, "public").filename == "antwoorden-wmo-2027-openbaar.xlsx"


def test_the_export_job_status_is_an_enum_stored_as_before():
    assert [status.value for status in ExportStatus] == ["queued", "running", "done", "failed"]
    column = ExportJob.__table__.c.status
    assert column.type.length == 10 and column.default.arg == ExportStatus.QUEUED
    assert ExportStatus.DONE == "done"  # templates compare with the plain value
