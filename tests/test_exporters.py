"""One exporter model: documents (report, Q&A, strategy) and the answers table are exporter classes
next to each other, with one table of content types, one send_export and the job status as an enum."""
from __future__ import annotations

from consult.core.documents import (
    CONTENT_TYPES,
    EXPORTERS,
    DocumentModel,
    Paragraph,
    Table,
    plain_paragraphs,
    send_export,
    written,
)
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


def test_line_breaks_and_numbers_of_written_text_hold_in_odt_and_docx(app):
    """A list item's second line (a nested list, an item's second paragraph) and a table cell's lines
    stay line breaks in ODT (a raw newline there reads as a space), and a numbered list keeps its
    first number in DOCX, in every list of its own."""
    import io
    import zipfile

    from docx import Document as DocxDocument

    blocks = written("- a\n  - b\n\n3. drie\n4. vier") + [Table(columns=["kolom"], rows=[["x\ny"]])]
    model = DocumentModel(title="Nota", subtitle="Wmo", blocks=blocks, filename_stem="nota")
    with app.test_request_context():
        odt, docx = EXPORTERS["odt"](model).render(), EXPORTERS["docx"](model).render()
    content = zipfile.ZipFile(io.BytesIO(odt)).read("content.xml").decode()
    assert "<text:p>a<text:line-break/>– b</text:p>" in content
    assert "<text:p>3. drie</text:p>" in content and "<text:p>x<text:line-break/>y</text:p>" in content
    numbered = [(p.style.name, p.text) for p in DocxDocument(io.BytesIO(docx)).paragraphs if p.text[:1].isdigit()]
    assert numbered == [("List Paragraph", "3. drie"), ("List Paragraph", "4. vier")]


def test_a_plain_texts_paragraphs_come_as_typed_in_a_browser_or_stored():
    assert plain_paragraphs("Eerste alinea\r\nregel twee\r\n\r\nTweede\n\n\n \nDerde\r") == [
        "Eerste alinea\nregel twee", "Tweede", "Derde"]
    assert plain_paragraphs("") == [] and plain_paragraphs(None) == []
