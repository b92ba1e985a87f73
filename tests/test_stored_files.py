"""One stored-file mixin for every model that keeps a file (issue #21): a council's advice document
is a row of its own (replaced, not added to, by the next one; gone with "remove"), shown and sent
from that row; exports and report files share the same columns, empty until the file is done."""
from __future__ import annotations

import hashlib
import io
import json

from sqlalchemy import func, inspect, select, update

from consult.advice.models import Advice, AdviceFile
from consult.consultations.models import DocumentVersion
from consult.core.storage import StoredContentMixin, StoredFileMixin, storage
from consult.extensions import db
from consult.reports.models import ExportJob, ReportFile
from consult.responses.models import Attachment
from tests.conftest import post_form, text_of
from tests.test_advice import add_point, advice_of, request_advice, world  # noqa: F401  (fixture)
from tests.test_reports import publish
from tests.test_reports import world as report_world  # noqa: F401  (fixture)
from tests.test_storage import BUCKET, bucket, s3_server  # noqa: F401  (fixtures)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OTHER_PDF = b"%PDF-1.4\n% another version\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _attach(client, advice: Advice, data: bytes, name: str):
    return post_form(client, f"/advice/{advice.id}/file", {"file": (io.BytesIO(data), name)},
                     content_type="multipart/form-data")


def _files() -> list[tuple]:
    return [tuple(row) for row in db.session.execute(
        select(AdviceFile.advice_id, AdviceFile.original_name, AdviceFile.file_type, AdviceFile.size, AdviceFile.sha256))]


def test_every_stored_file_model_shares_the_mixin_columns():
    for model in (DocumentVersion, Attachment, AdviceFile):
        assert issubclass(model, StoredFileMixin)
        columns = inspect(model).columns
        assert {name: columns[name].nullable for name in ("original_name", "stored_name", "file_type", "size",
                                                          "sha256")} == dict.fromkeys(
            ("original_name", "stored_name", "file_type", "size", "sha256"), False)
        assert columns["stored_name"].unique
    for model in (ExportJob, ReportFile):
        assert issubclass(model, StoredContentMixin) and not issubclass(model, StoredFileMixin)
        columns = inspect(model).columns
        assert {name: columns[name].nullable for name in ("stored_name", "size", "sha256")} == \
            {"stored_name": True, "size": True, "sha256": True}
        assert columns["stored_name"].unique


def test_an_advice_document_is_one_row_replaced_by_the_next_and_removed(world):
    request_advice(world)
    advice = advice_of(world)
    member, contact = world["clients"]["member"], world["clients"]["contact"]
    assert _attach(member, advice, PDF, "advies.pdf").status_code == 302
    assert _files() == [(advice.id, "advies.pdf", "pdf", len(PDF), hashlib.sha256(PDF).hexdigest())]
    first = db.session.scalar(select(AdviceFile.stored_name))
    page = text_of(contact.get(f"/advice/{advice.id}"))
    assert "advies.pdf (PDF, 45 bytes)" in page

    assert _attach(member, advice, OTHER_PDF, "advies v2.pdf").status_code == 302
    db.session.expire_all()
    assert _files() == [(advice.id, "advies v2.pdf", "pdf", len(OTHER_PDF), hashlib.sha256(OTHER_PDF).hexdigest())]
    assert db.session.scalar(select(AdviceFile.stored_name)) != first
    download = contact.get(f"/advice/{advice.id}/file", buffered=True)
    assert (download.status_code, download.data, download.mimetype) == (200, OTHER_PDF, "application/pdf")
    assert download.headers["Content-Disposition"] == "attachment; filename=\"advies v2.pdf\""
    # A row without a type the platform knows (migration 0030 writes '' where a type was missing)
    # still downloads, as plain bytes under its own name.
    db.session.execute(update(AdviceFile).values(file_type=""))
    db.session.commit()
    download = contact.get(f"/advice/{advice.id}/file", buffered=True)
    assert (download.status_code, download.data, download.mimetype) == (200, OTHER_PDF, "application/octet-stream")

    assert post_form(member, f"/advice/{advice.id}/file/remove", {"introduction": "", "version": "3"}).status_code == 302
    db.session.expire_all()
    assert _files() == []
    assert advice_of(world).file is None
    assert contact.get(f"/advice/{advice.id}/file").status_code == 404
    assert "advies v2.pdf" not in text_of(contact.get(f"/advice/{advice.id}"))


def test_the_advice_receipt_names_the_document_digest_and_the_document_stays_with_the_advice(world):
    request_advice(world)
    advice = advice_of(world)
    member, contact = world["clients"]["member"], world["clients"]["contact"]
    assert _attach(member, advice, PDF, "advies.pdf").status_code == 302
    add_point(member, advice)
    assert post_form(contact, f"/advice/{advice.id}/submit").status_code == 302
    db.session.expire_all()
    advice = advice_of(world)
    assert json.loads(advice.canonical)["file_sha256"] == hashlib.sha256(PDF).hexdigest()
    # The team reads the submitted advice with its document; another council does not get it.
    page = text_of(world["clients"]["editor"].get(f"/advice/{advice.id}"))
    assert "Bijgevoegd document: advies.pdf" in page
    assert world["clients"]["editor"].get(f"/advice/{advice.id}/file", buffered=True).data == PDF
    assert world["clients"]["other_council"].get(f"/advice/{advice.id}/file").status_code == 404
    assert world["clients"]["provider"].get(f"/advice/{advice.id}/file").status_code == 404
    # Deleting the advice takes its document row with it.
    db.session.delete(advice)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AdviceFile)) == 0


def test_an_advice_document_gone_from_the_store_is_a_404(world):
    request_advice(world)
    advice = advice_of(world)
    assert _attach(world["clients"]["member"], advice, PDF, "advies.pdf").status_code == 302
    storage().delete(db.session.scalar(select(AdviceFile.stored_name)))
    assert world["clients"]["contact"].get(f"/advice/{advice.id}/file").status_code == 404


def _report_file_and_export(report_world):
    assert publish(report_world).status_code == 302
    started = post_form(report_world["editor"], "/consultations/wmo/exports", {"variant": "public", "fmt": "csv"})
    assert started.status_code == 302
    job = db.session.scalar(select(ExportJob))
    pdf = db.session.scalar(select(ReportFile).where(ReportFile.fmt == "pdf", ReportFile.status == "done"))
    return job, pdf


def test_exports_and_report_files_in_the_bucket_download_whole_with_their_digest(report_world, bucket):
    job, pdf = _report_file_and_export(report_world)
    stored = bucket.read(f"files/{job.stored_name}")
    assert (job.size, job.sha256) == (len(stored), hashlib.sha256(stored).hexdigest())
    download = report_world["editor"].get(f"/exports/{job.id}/download", buffered=True)
    assert (download.status_code, download.data, download.content_length) == (200, stored, len(stored))
    assert download.headers["Content-Disposition"] == "attachment; filename=antwoorden-wmo-openbaar.csv"

    rendered = bucket.read(f"files/{pdf.stored_name}")
    client = report_world["editor"]
    sent = client.get("/consultations/wmo/report.pdf", buffered=True)
    assert (sent.status_code, sent.data, sent.content_length) == (200, rendered, len(rendered))
    assert sent.headers["ETag"] == f'"{pdf.sha256}"' == f'"{hashlib.sha256(rendered).hexdigest()}"'
    part = client.get("/consultations/wmo/report.pdf", headers={"Range": "bytes=0-7"}, buffered=True)
    assert (part.status_code, part.data) == (206, rendered[:8])
    again = client.get("/consultations/wmo/report.pdf", headers={"If-None-Match": f'"{pdf.sha256}"'}, buffered=True)
    assert (again.status_code, again.data) == (304, b"")


def test_a_report_file_gone_from_the_bucket_is_being_prepared_and_an_export_gone_is_a_404(report_world, bucket):
    job, pdf = _report_file_and_export(report_world)
    bucket.client().delete_object(Bucket=BUCKET, Key=f"files/{pdf.stored_name}")
    bucket.client().delete_object(Bucket=BUCKET, Key=f"files/{job.stored_name}")
    gone = report_world["editor"].get("/consultations/wmo/report.pdf", buffered=True)
    assert (gone.status_code, gone.headers["Retry-After"]) == (503, "10")
    assert report_world["editor"].get(f"/exports/{job.id}/download", buffered=True).status_code == 404


def test_an_export_during_an_outage_of_the_store_says_to_try_again(report_world, bucket):
    job, _pdf = _report_file_and_export(report_world)
    bucket.stop()
    try:
        download = report_world["editor"].get(f"/exports/{job.id}/download", buffered=True)
        assert download.status_code == 503
        assert "De bestandsopslag was even niet bereikbaar." in text_of(download)
        report = report_world["editor"].get("/consultations/wmo/report.pdf", buffered=True)
        assert report.status_code == 503
        assert "De bestandsopslag was even niet bereikbaar." in text_of(report)
    finally:
        bucket.start()
