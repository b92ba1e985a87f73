"""Uploads that try to be something else: polyglots, zip bombs, path tricks, oversized files,
a full disk and (optionally) viruses. Each is refused with a clear message, leaves no row behind,
and nothing uploaded is ever served for a browser to render."""
from __future__ import annotations

import io
import os
import socket
import threading
import zipfile

import pytest
from sqlalchemy import func, select

from consult.core import uploads
from consult.core.uploads import upload_dir
from consult.extensions import db
from consult.responses.models import Attachment
from tests.conftest import get_csrf, text_of
from tests.test_responses import PDF, answer_of, start, world  # noqa: F401

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def _upload(world, content: bytes, name: str):
    """POST the file as a browser would, the multipart body encoded here (the test client would
    spool a large body to a temporary file it never closes)."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import stream_encode_multipart

    client = world["clients"]["a"]
    resp = start(client, world)
    question = world["q"]["Positionpaper?"]
    fields = {"csrf_token": get_csrf(client, f"/responses/{resp.id}"),
              "file": FileStorage(io.BytesIO(content), filename=name, content_type="application/pdf")}
    stream, length, boundary = stream_encode_multipart(fields, use_tempfile=False)
    body = stream.read()
    stream.close()
    response = client.post(f"/responses/{resp.id}/answers/{question.id}/files", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    return resp, question, page


def _docx(extra: dict[str, bytes] | None = None, entries: int = 0) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for number in range(entries):
            archive.writestr(f"word/media/{number}.xml", "")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _attachments() -> int:
    return db.session.scalar(select(func.count()).select_from(Attachment))


@pytest.mark.parametrize("content", [
    PDF[:-6] + b"<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n",
    b"%PDF-1.4\n<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>\n%%EOF\n",
    b"%PDF-1.4\n" + b"0" * 4000 + b"\n<!DOCTYPE html><script>alert(1)</script>",
], ids=["html-in-pdf", "svg-in-pdf", "html-at-the-end"])
def test_polyglots_disguised_as_pdf_are_refused(world, content):
    _resp, _question, page = _upload(world, content, "stukken.pdf")
    assert "Het bestand is geen geldig document." in page
    assert _attachments() == 0


def test_svg_renamed_to_pdf_is_refused(world):
    _resp, _question, page = _upload(world, b"<svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>",
                                     "plaatje.pdf")
    assert "Dit soort bestand wordt niet geaccepteerd" in page
    assert _attachments() == 0


def test_zip_bomb_disguised_as_docx_is_refused(world, monkeypatch):
    # A 2 MiB unpacked member against a limit set to 1 MiB: the limit is checked from the
    # archive's directory, before anything is unpacked.
    monkeypatch.setattr(uploads, "MAX_UNPACKED_BYTES", 1024 * 1024)
    bomb = _docx({"word/media/zeros.bin": b"\0" * (2 * 1024 * 1024)})
    assert len(bomb) < 20 * 1024
    _resp, _question, page = _upload(world, bomb, "plan.docx")
    assert "Het bestand is geen geldig document." in page
    assert _attachments() == 0


def test_archive_with_too_many_entries_is_refused(world):
    _resp, _question, page = _upload(world, _docx(entries=uploads.MAX_ZIP_ENTRIES + 1), "plan.docx")
    assert "Het bestand is geen geldig document." in page
    assert _attachments() == 0


def test_a_path_in_the_file_name_is_dropped(world):
    before = set(os.listdir(upload_dir()))
    resp, question, page = _upload(world, PDF, "../../../etc/passwd.pdf")
    assert "Het bestand is toegevoegd." in page
    attachment = answer_of(resp, question).attachments[0]
    assert attachment.original_name == "passwd.pdf"
    assert (upload_dir() / attachment.stored_name).read_bytes() == PDF
    assert set(os.listdir(upload_dir())) - before == {attachment.stored_name}
    download = world["clients"]["a"].get(f"/responses/{resp.id}/files/{attachment.id}", buffered=True)
    assert download.headers["Content-Disposition"] == "attachment; filename=passwd.pdf"
    assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox; frame-ancestors 'none'"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "application/pdf"


def test_an_oversized_file_is_refused_with_the_limit(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    _resp, _question, page = _upload(world, PDF + b"0" * (1024 * 1024), "groot.pdf")
    assert "Het bestand is groter dan 1 MB." in page
    assert _attachments() == 0


def test_a_full_disk_gives_a_clear_message_and_no_row(world, monkeypatch):
    def full_disk(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("consult.core.storage.open", full_disk, raising=False)
    before = set(os.listdir(upload_dir()))
    _resp, _question, page = _upload(world, PDF, "paper.pdf")
    assert "Het bestand kon niet worden opgeslagen. Er is niets bewaard; probeer het later opnieuw." in page
    assert _attachments() == 0
    assert set(os.listdir(upload_dir())) == before


class Clamd:
    """A stand-in speaking clamd's INSTREAM protocol on a unix socket (ClamAV itself needs
    signature downloads, which this machine cannot make); it finds the EICAR test string."""

    def __init__(self, path: str):
        self.path = path
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                data = b""
                while not data.endswith(b"\0\0\0\0"):
                    data += conn.recv(65536)
                conn.sendall(b"stream: Eicar-Signature FOUND\0" if EICAR in data else b"stream: OK\0")

    def close(self) -> None:
        self.server.close()


def test_virus_scan_when_configured(world, app, monkeypatch, tmp_path):
    path = str(tmp_path / "clamd.sock")
    scanner = Clamd(path)
    monkeypatch.setitem(app.config, "CLAMD_SOCKET", path)
    try:
        _resp, _question, page = _upload(world, PDF[:-6] + EICAR + b"\n%%EOF\n", "virus.pdf")
        assert "Het bestand bevat een virus of andere schadelijke software en is geweigerd." in page
        assert _attachments() == 0
        _resp, _question, page = _upload(world, PDF, "schoon.pdf")
        assert "Het bestand is toegevoegd." in page
        assert _attachments() == 1
    finally:
        scanner.close()
    monkeypatch.setitem(app.config, "CLAMD_SOCKET", str(tmp_path / "missing.sock"))
    _resp, _question, page = _upload(world, PDF, "nog-een.pdf")
    assert "Het bestand kon niet op virussen worden gecontroleerd." in page
    assert _attachments() == 1
