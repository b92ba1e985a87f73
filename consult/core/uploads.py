"""Uploaded files: type checked by content (not by name), stored under a random name.

Files live in the file store (``consult/core/storage.py``: ``<instance>/uploads`` or an S3
bucket), outside ``static/``, and are only ever sent back as attachments (``send_stored``) by
views that checked access.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app
from flask_babel import lazy_gettext as _l

from consult.core.refused import Refused
from consult.core.storage import StorageUnavailable, put_stored

DOCUMENT_TYPES = ("pdf", "odt", "ods", "docx", "xlsx")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Guards against zip bombs disguised as office documents.
MAX_ZIP_ENTRIES = 2000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


class UploadRejected(Refused):
    pass


@dataclass
class StoredFile:
    original_name: str
    stored_name: str
    file_type: str
    size: int
    sha256: str


def upload_dir() -> Path:
    """The local folder of the instance's files (the file store without STORAGE_URL)."""
    path = Path(current_app.instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def clean_filename(name: str | None) -> str:
    """Keep only the last path part, without control characters; never empty."""
    name = (name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name)
                   if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    return name[:200] or "document"


def _zip_type(stream: IO[bytes]) -> str | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
                raise UploadRejected(_l("The file is not a valid document."))
            _check_inflated_sizes(stream, infos)
            names = {i.filename for i in infos}
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    mimetype = member.read(100).decode("ascii", "replace").strip()
                return {CONTENT_TYPES["odt"]: "odt", CONTENT_TYPES["ods"]: "ods"}.get(mimetype)
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return "docx"
                if "xl/workbook.xml" in names:
                    return "xlsx"
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, zlib.error):
        return None
    return None


_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # a zip member's local file header (30 bytes)
_CHUNK = 64 * 1024


def _check_inflated_sizes(stream: IO[bytes], infos: list[zipfile.ZipInfo]) -> None:
    """Inflate every member and count the bytes that actually come out, whatever the archive
    declares; stop as soon as the total passes MAX_UNPACKED_BYTES.

    The sizes in a zip's directory are written by whoever made the file: a bomb can declare a
    few bytes and still unpack to gigabytes in the program that opens it later. A member whose
    real size differs from its declared one makes the file invalid as well.
    """
    budget = MAX_UNPACKED_BYTES
    stream.seek(0, os.SEEK_END)
    end = stream.tell()
    for info in infos:
        stream.seek(info.header_offset)
        header = stream.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size:
            raise UploadRejected(_l("The file is not a valid document."))
        fields = _LOCAL_HEADER.unpack(header)
        if fields[0] != b"PK\x03\x04":
            raise UploadRejected(_l("The file is not a valid document."))
        stream.seek(fields[-2] + fields[-1], os.SEEK_CUR)  # the name and extra field
        left = min(info.compress_size, end - stream.tell())
        if info.compress_type == zipfile.ZIP_STORED:
            inflated = left
            if inflated > budget:
                raise UploadRejected(_l("The file is not a valid document."))
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            inflated = _inflate(stream, left, budget)
        else:  # office documents are stored or deflated; anything else is not one
            raise UploadRejected(_l("The file is not a valid document."))
        if inflated != info.file_size:
            raise UploadRejected(_l("The file is not a valid document."))
        budget -= inflated
    stream.seek(0)


def _inflate(stream: IO[bytes], left: int, budget: int) -> int:
    """Bytes that ``left`` bytes of raw deflate data unpack to; raises UploadRejected the moment
    the count passes ``budget`` (output is produced at most a chunk at a time and dropped)."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    count = 0
    while left > 0 and not inflater.eof:
        data = stream.read(min(_CHUNK, left))
        if not data:
            break
        left -= len(data)
        while True:
            out = inflater.decompress(data, _CHUNK)
            count += len(out)
            if count > budget:
                raise UploadRejected(_l("The file is not a valid document."))
            data = inflater.unconsumed_tail
            if not data and len(out) < _CHUNK:
                break
    if not inflater.eof:  # the member's data ends before its deflate stream does
        raise UploadRejected(_l("The file is not a valid document."))
    return count


# Markup that has no place in a PDF: a file with it is a polyglot that a browser or another
# program could read as a web page or an image with scripts. Searched for in the whole file, in
# overlapping chunks, so it cannot hide in the middle. ("<svg" only as a tag: the four bytes
# alone turn up by chance in large compressed streams.)
MARKUP = re.compile(rb"<(?:html|!doctype|script|svg[\s/>]|iframe|body|\?xml-stylesheet)", re.IGNORECASE)
_MARKUP_OVERLAP = 32


def _is_polyglot(stream: IO[bytes]) -> bool:
    stream.seek(0)
    tail = b""
    try:
        while chunk := stream.read(_CHUNK):
            if MARKUP.search(tail + chunk):
                return True
            tail = chunk[-_MARKUP_OVERLAP:]
        return False
    finally:
        stream.seek(0)


def sniff_type(stream: IO[bytes]) -> str | None:
    """The document type by its content: pdf, odt, ods, docx, xlsx, or None."""
    stream.seek(0)
    head = stream.read(1024)
    stream.seek(0)
    if head.startswith(b"%PDF-"):
        if _is_polyglot(stream):
            raise UploadRejected(_l("The file is not a valid document."))
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        found = _zip_type(stream)
        stream.seek(0)
        return found
    return None


DOCUMENT_TYPE_MESSAGE = _l("This kind of file is not accepted. Upload a PDF, ODT, ODS, DOCX or XLSX file.")


def store_upload(file_storage, allowed: tuple[str, ...] = DOCUMENT_TYPES,
                 type_message=DOCUMENT_TYPE_MESSAGE) -> StoredFile:
    """Check and store an uploaded file; raises UploadRejected with a message for the user."""
    if file_storage is None or not file_storage.filename:
        raise UploadRejected(_l("Choose a file."))
    stream = file_storage.stream
    limit = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise UploadRejected(_l("The file is empty."))
    if size > limit:
        raise UploadRejected(_l("The file is larger than %(mb)d MB.", mb=current_app.config["MAX_UPLOAD_MB"]))
    file_type = sniff_type(stream)
    if file_type not in allowed:
        raise UploadRejected(type_message)
    scan_for_viruses(stream)
    digest = hashlib.sha256()
    while chunk := stream.read(64 * 1024):
        digest.update(chunk)
    stream.seek(0)
    stored_name = secrets.token_hex(20)
    try:
        put_stored(stored_name, stream)
    except StorageUnavailable as error:
        current_app.logger.error("upload not stored: %s", error)
        raise UploadRejected(_l("The file could not be stored. Nothing was saved; try again later.")) from error
    return StoredFile(original_name=clean_filename(file_storage.filename), stored_name=stored_name,
                      file_type=file_type, size=size, sha256=digest.hexdigest())


def store_generated(data: bytes, *, name: str, file_type: str) -> StoredFile:
    """Store a file the application made itself (a rendered report), beside the uploads and
    under a random name; it becomes visible only whole. Raises StorageUnavailable (an OSError)
    when it cannot be written (nothing is left behind)."""
    stored_name = secrets.token_hex(20)
    put_stored(stored_name, data)
    return StoredFile(original_name=clean_filename(name), stored_name=stored_name, file_type=file_type,
                      size=len(data), sha256=hashlib.sha256(data).hexdigest())


def stored_path(stored_name: str) -> Path:
    """Where the local file store keeps a file (without STORAGE_URL only; see send_stored)."""
    return upload_dir() / stored_name


def scan_for_viruses(stream: IO[bytes]) -> None:
    """With CLAMD_SOCKET set, have ClamAV's daemon scan the file (INSTREAM); refuse on a find.

    Without a scanner configured nothing happens. A configured scanner that cannot be
    reached refuses the upload rather than letting an unscanned file in.
    """
    socket_path = current_app.config.get("CLAMD_SOCKET")
    if not socket_path:
        return
    import socket
    import struct

    stream.seek(0)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(current_app.config.get("CLAMD_TIMEOUT", 30))
            conn.connect(socket_path)
            conn.sendall(b"zINSTREAM\0")
            while chunk := stream.read(64 * 1024):
                conn.sendall(struct.pack("!L", len(chunk)) + chunk)
            conn.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                data = conn.recv(4096)
                if not data:
                    break
                reply += data
    except OSError as error:
        current_app.logger.error("virus scanner unreachable at %s: %s", socket_path, error)
        raise UploadRejected(_l("The file could not be checked for viruses. Nothing was saved; "
                                "try again later.")) from error
    finally:
        stream.seek(0)
    answer = reply.rstrip(b"\0").decode("utf-8", "replace")
    if answer.endswith("FOUND"):
        current_app.logger.warning("virus scanner refused an upload: %s", answer)
        raise UploadRejected(_l("The file contains a virus or other malware and was refused."))
    if not answer.endswith("OK"):
        raise UploadRejected(_l("The file could not be checked for viruses. Nothing was saved; "
                                "try again later."))
