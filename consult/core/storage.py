"""Where stored files live: the instance folder, or an S3-compatible bucket.

``STORAGE_URL`` unset (or ``file:`` with a folder) keeps every uploaded and generated file in
``<instance>/uploads`` as before. ``s3://bucket/optional/prefix?endpoint_url=...&region=...``
puts them in object storage (boto3; credentials from the usual ``AWS_*`` environment), so any
node behind a load balancer can serve a file another node stored.

Files are written under a random name and only ever become visible whole: the local backend
writes a ``.part`` file and renames it, and an S3 PUT either stores the complete object or
nothing. A store that cannot be reached raises :class:`StorageUnavailable` (an ``OSError``)
after the client's own retries; callers tell the user that nothing was saved.

Downloads go through :func:`send_stored`, called by views after they checked access; the
bucket is never exposed to browsers.
"""
from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import IO, ClassVar
from urllib.parse import parse_qs, urlsplit

from flask import abort, current_app, send_file
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

_CHUNK = 64 * 1024


class StorageUnavailable(OSError):
    """The file store could not be reached or refused the request; nothing was written."""


class LocalStorage:
    """Files in one folder of the local disk (the embedded default)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, name: str) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root / name

    def put(self, name: str, stream: IO[bytes]) -> None:
        target = self._path(name)
        partial = target.with_suffix(".part")
        try:
            with open(partial, "wb") as out:
                shutil.copyfileobj(stream, out, _CHUNK)
            partial.replace(target)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise StorageUnavailable(str(error)) from error

    def open(self, name: str) -> IO[bytes]:
        """The file for reading; FileNotFoundError when there is none."""
        return open(self._path(name), "rb")

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def exists(self, name: str) -> bool:
        return self._path(name).exists()

    def check(self) -> None:
        """Raise StorageUnavailable when files cannot be written here."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageUnavailable(str(error)) from error
        if not os.access(self.root, os.W_OK):
            raise StorageUnavailable(f"{self.root} is not writable")


class S3Storage:
    """Objects in one bucket (under an optional key prefix) of an S3-compatible store."""

    def __init__(self, bucket: str, *, prefix: str = "", endpoint_url: str | None = None,
                 region: str | None = None, attempts: int = 3, timeout: float = 5.0):
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region or os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            config=Config(retries={"max_attempts": attempts, "mode": "standard"}, connect_timeout=timeout,
                          read_timeout=timeout * 6, s3={"addressing_style": "path"}))

    def _key(self, name: str) -> str:
        return self.prefix + name

    def _call(self, method: str, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(kwargs.get("Key")) from error
            raise StorageUnavailable(str(error)) from error
        except BotoCoreError as error:
            raise StorageUnavailable(str(error)) from error

    def put(self, name: str, stream: IO[bytes]) -> None:
        # One PUT with the whole body (uploads are at most MAX_UPLOAD_MB): the object appears
        # complete or not at all, and the client retries it as a whole.
        data = stream.read()
        self._call("put_object", Key=self._key(name), Body=data)

    def open(self, name: str) -> IO[bytes]:
        return self._call("get_object", Key=self._key(name))["Body"]

    def open_sized(self, name: str) -> tuple[IO[bytes], int | None]:
        """The object for reading and its length in bytes (for the download's Content-Length)."""
        found = self._call("get_object", Key=self._key(name))
        return found["Body"], found.get("ContentLength")

    def delete(self, name: str) -> None:
        self._call("delete_object", Key=self._key(name))

    def exists(self, name: str) -> bool:
        try:
            self._call("head_object", Key=self._key(name))
        except FileNotFoundError:
            return False
        return True

    def check(self) -> None:
        self._call("head_bucket")


def storage_from_url(url: str | None, instance_path: str):
    """The backend a STORAGE_URL names (see the module's docstring)."""
    if not url:
        return LocalStorage(Path(instance_path) / "uploads")
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalStorage(Path(parts.path or Path(instance_path) / "uploads"))
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"STORAGE_URL must be s3://bucket[/prefix][?endpoint_url=...] or file:///path, not {url!r}")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    return S3Storage(parts.netloc, prefix=parts.path, endpoint_url=query.get("endpoint_url"),
                     region=query.get("region"), attempts=int(query.get("attempts", 3)),
                     timeout=float(query.get("timeout", 5)))


def storage():
    """The current application's file store (made once per application)."""
    found = current_app.extensions.get("consult_storage")
    if found is None:
        found = storage_from_url(current_app.config.get("STORAGE_URL"), current_app.instance_path)
        current_app.extensions["consult_storage"] = found
    return found


def put_stored(name: str, data: bytes | IO[bytes]) -> None:
    """Store ``data`` under ``name``; StorageUnavailable when that failed (nothing is left)."""
    storage().put(name, io.BytesIO(data) if isinstance(data, bytes | bytearray) else data)


def read_stored(name: str) -> bytes:
    """The whole content; FileNotFoundError when the file is gone."""
    with storage().open(name) as handle:
        return handle.read()


def delete_stored(name: str | None) -> None:
    """Remove a stored file if it is there; an unreachable store is logged, not raised (the row
    that named the file is gone already, and a left-over object under a random name is harmless)."""
    if not name:
        return
    try:
        storage().delete(name)
    except StorageUnavailable as error:
        current_app.logger.warning("stored file %s not removed: %s", name, error)


def unavailable_page():
    """503 for a download while the file store cannot be reached: nothing changed, try again."""
    from flask import g, make_response, render_template
    from flask_babel import gettext as _

    return make_response(render_template(
        "errors/error.html", code=503, title=_("File not available"),
        message=_("The file store could not be reached for a moment. Nothing has changed; "
                  "try the download again in a moment."),
        detail=None, reference=g.get("request_id")), 503)


def send_stored(name: str | None, *, mimetype: str, download_name: str, whole: bool = False,
                missing: Callable | None = None, **options):
    """The download of a stored file as an attachment (``max_age=0`` unless given; other options
    such as ``etag`` and ``conditional`` go to ``send_file``). Call it only after the view checked
    that the user may have the file: this function checks nothing. 404 when the file is gone (or
    what ``missing()`` returns then), 503 when the store cannot be reached.

    ``whole=True`` reads the file into memory first (for files known to be small, such as a
    report): range requests work from every backend and no handle stays open while it is sent."""

    def gone():
        return missing() if missing is not None else abort(404)

    if not name:
        return gone()
    options.setdefault("max_age", 0)
    backend = storage()
    if isinstance(backend, LocalStorage) and not whole:
        path = backend.root / name
        try:  # removed between the check and the opening: gone all the same
            if path.is_file():
                return send_file(path, mimetype=mimetype, as_attachment=True, download_name=download_name, **options)
        except FileNotFoundError:
            pass
        return gone()
    try:
        if whole:
            with backend.open(name) as handle:
                body, size = io.BytesIO(handle.read()), None  # send_file takes the length from it
        else:
            body, size = backend.open_sized(name)
    except FileNotFoundError:
        return gone()
    except StorageUnavailable as error:
        current_app.logger.error("file store unreachable for %s: %s", name, error)
        return unavailable_page()
    result = send_file(body, mimetype=mimetype, as_attachment=True, download_name=download_name, **options)
    if result.status_code == 200 and size is not None:
        result.content_length = size  # as the local file's (a stream has no length of its own)
    return result


class StoredContentMixin:
    """Where one stored file's content is: the random name it is stored under, its size and the
    SHA-256 of its content. Every model that keeps a file builds on this one mixin.

    The columns are NOT NULL by default. A model whose file is generated in the background (an
    answer export, a published report's file) sets ``stored_file_optional = True``: its row
    exists first and gets these values once the file is done."""

    stored_file_optional: ClassVar[bool] = False

    @declared_attr
    def stored_name(cls) -> Mapped[str | None]:
        return mapped_column(String(64), unique=True, nullable=cls.stored_file_optional)

    @declared_attr
    def size(cls) -> Mapped[int | None]:
        return mapped_column(Integer, nullable=cls.stored_file_optional)

    @declared_attr
    def sha256(cls) -> Mapped[str | None]:
        return mapped_column(String(64), nullable=cls.stored_file_optional)

    def send_as(self, *, mimetype: str, download_name: str, **options):
        """The download of this file (see :func:`send_stored`; the caller checked access)."""
        return send_stored(self.stored_name, mimetype=mimetype, download_name=download_name, **options)


class StoredFileMixin(StoredContentMixin):
    """A file a user uploaded (a document's version, an answer's attachment, a council's advice
    document): the stored content, plus the name the user gave it and its type by content. The
    SHA-256 is printed on receipts."""

    original_name: Mapped[str] = mapped_column(String(255))
    file_type: Mapped[str] = mapped_column(String(10))

    def send(self):
        """The download of this file under its own name (the caller checked access)."""
        from consult.core.uploads import CONTENT_TYPES

        # A type the platform no longer knows (or none, from a row migrated without one) is sent
        # as plain bytes under its own name, not refused.
        return self.send_as(mimetype=CONTENT_TYPES.get(self.file_type, "application/octet-stream"),
                            download_name=self.original_name)
