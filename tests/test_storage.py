"""Files in S3-compatible object storage: against a real S3 protocol server (moto's standalone
server in its own process), uploads land in the bucket and nowhere on the node's disk, another
node serves them after the same permission checks, and an outage of the store refuses the
upload with a clear message, leaves no row and no object, and the same upload succeeds once
the store is back."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import boto3
import pytest
from sqlalchemy import func, select

from consult.core import storage as storage_module
from consult.core.storage import LocalStorage, S3Storage, StorageUnavailable, storage, storage_from_url
from consult.core.uploads import store_generated, upload_dir
from consult.extensions import db
from consult.responses.models import Attachment
from tests.conftest import build_app, login, post_form, text_of
from tests.test_reports import publish
from tests.test_reports import world as report_world  # noqa: F401  (fixture)
from tests.test_responses import PDF, answer_of, world  # noqa: F401
from tests.test_uploads import _upload

BUCKET = "consult-test"
NOT_STORED = "Het bestand kon niet worden opgeslagen. Er is niets bewaard; probeer het later opnieuw."


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class S3Server:
    """moto's S3 server as a separate process on a fixed port, which can be stopped (an outage)
    and started again on the same address."""

    def __init__(self):
        self.port = _free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("moto server did not start")
        self.client().create_bucket(Bucket=BUCKET)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def keys(self) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=BUCKET)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client().get_object(Bucket=BUCKET, Key=key)["Body"].read()


@pytest.fixture(scope="module")
def s3_server():
    server = S3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def bucket(app, s3_server, monkeypatch):
    """The session's app keeps its files in a fresh bucket (prefix ``files/``) for one test."""
    if s3_server.process is None:
        s3_server.start()
    client = s3_server.client()
    for key in s3_server.keys():
        client.delete_object(Bucket=BUCKET, Key=key)
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    url = f"s3://{BUCKET}/files?endpoint_url={s3_server.endpoint}&attempts=2&timeout=1"
    monkeypatch.setitem(app.config, "STORAGE_URL", url)
    app.extensions.pop("consult_storage", None)
    yield s3_server
    app.extensions.pop("consult_storage", None)


def _attachments() -> int:
    return db.session.scalar(select(func.count()).select_from(Attachment))


def test_storage_url_names_the_backend(tmp_path):
    local = storage_from_url(None, str(tmp_path))
    assert isinstance(local, LocalStorage) and local.root == tmp_path / "uploads"
    assert storage_from_url("file:///srv/consult/files", str(tmp_path)).root.as_posix() == "/srv/consult/files"
    s3 = storage_from_url("s3://bucket/a/b?endpoint_url=http://127.0.0.1:9&region=eu-west-1", str(tmp_path))
    assert isinstance(s3, S3Storage)
    assert (s3.bucket, s3.prefix, s3.client.meta.endpoint_url, s3.client.meta.region_name) == \
        ("bucket", "a/b/", "http://127.0.0.1:9", "eu-west-1")
    with pytest.raises(ValueError):
        storage_from_url("ftp://somewhere/files", str(tmp_path))


def test_an_upload_goes_to_the_bucket_and_not_to_the_disk(world, bucket):
    before = set(os.listdir(upload_dir()))
    resp, question, page = _upload(world, PDF, "visie.pdf")
    assert "Het bestand is toegevoegd." in page
    attachment = answer_of(resp, question).attachments[0]
    assert bucket.keys() == [f"files/{attachment.stored_name}"]
    assert bucket.read(f"files/{attachment.stored_name}") == PDF
    assert set(os.listdir(upload_dir())) == before

    download = world["clients"]["a2"].get(f"/responses/{resp.id}/files/{attachment.id}", buffered=True)
    assert download.status_code == 200
    assert download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == "attachment; filename=visie.pdf"
    # The bucket changes nothing about who may have the file: another provider does not.
    assert world["clients"]["b"].get(f"/responses/{resp.id}/files/{attachment.id}").status_code == 404


def test_a_file_stored_through_one_node_downloads_through_another(world, bucket, app, tmp_path):
    resp, question, _page = _upload(world, PDF, "visie.pdf")
    attachment = answer_of(resp, question).attachments[0]
    # Node B: its own instance folder (no shared disk), the same database and the same bucket.
    node_b = build_app(tmp_path / "node-b", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                       STORAGE_URL=app.config["STORAGE_URL"])
    client = node_b.test_client()
    login(client, world["users"]["a2"].email)
    download = client.get(f"/responses/{resp.id}/files/{attachment.id}", buffered=True)
    assert download.status_code == 200
    assert download.data == PDF
    other = node_b.test_client()
    login(other, world["users"]["b"].email)
    assert other.get(f"/responses/{resp.id}/files/{attachment.id}").status_code == 404
    assert not (tmp_path / "node-b" / "uploads").exists() or os.listdir(tmp_path / "node-b" / "uploads") == []


def test_an_outage_refuses_the_upload_keeps_nothing_and_a_retry_succeeds(world, bucket):
    bucket.stop()
    started = time.monotonic()
    resp, question, page = _upload(world, PDF, "visie.pdf")
    assert time.monotonic() - started < 20
    assert NOT_STORED in page
    assert _attachments() == 0

    bucket.start()  # back, and empty: nothing of the failed attempt was kept anywhere
    assert bucket.keys() == []
    resp, question, page = _upload(world, PDF, "visie.pdf")
    assert "Het bestand is toegevoegd." in page
    attachment = answer_of(resp, question).attachments[0]
    assert bucket.keys() == [f"files/{attachment.stored_name}"]
    assert world["clients"]["a"].get(f"/responses/{resp.id}/files/{attachment.id}", buffered=True).data == PDF


def test_a_download_during_an_outage_says_to_try_again(world, bucket):
    resp, question, _page = _upload(world, PDF, "visie.pdf")
    attachment = answer_of(resp, question).attachments[0]
    bucket.stop()
    try:
        download = world["clients"]["a"].get(f"/responses/{resp.id}/files/{attachment.id}")
        assert download.status_code == 503
        page = text_of(download)
        assert "Bestand niet beschikbaar" in page
        assert "De bestandsopslag was even niet bereikbaar. Er is niets veranderd; probeer het downloaden zo opnieuw." in page
    finally:
        bucket.start()


def test_a_generated_file_is_stored_whole_or_not_at_all(bucket):
    stored = store_generated(b"%PDF-1.4 verslag", name="verslag.pdf", file_type="pdf")
    assert bucket.read(f"files/{stored.stored_name}") == b"%PDF-1.4 verslag"
    assert storage_module.read_stored(stored.stored_name) == b"%PDF-1.4 verslag"
    storage_module.delete_stored(stored.stored_name)
    assert bucket.keys() == []
    with pytest.raises(FileNotFoundError):
        storage_module.read_stored(stored.stored_name)

    bucket.stop()
    try:
        with pytest.raises(StorageUnavailable):
            store_generated(b"%PDF-1.4 verslag", name="verslag.pdf", file_type="pdf")
        with pytest.raises(StorageUnavailable):
            storage().check()
    finally:
        bucket.start()
    assert bucket.keys() == []


def test_answer_exports_and_published_reports_are_kept_in_the_bucket(report_world, bucket):
    from consult.reports.models import ExportJob, ReportFile

    before = set(os.listdir(upload_dir()))
    assert publish(report_world).status_code == 302
    started = post_form(report_world["editor"], "/consultations/wmo/exports", {"variant": "public", "fmt": "csv"})
    assert started.status_code == 302
    job = db.session.scalar(select(ExportJob))
    assert job.status == "done"
    stored = bucket.read(f"files/{job.stored_name}")
    assert len(stored) == job.size
    download = report_world["editor"].get(f"/exports/{job.id}/download", buffered=True)
    assert download.status_code == 200
    assert download.data == stored
    files = db.session.scalars(select(ReportFile).where(ReportFile.status == "done")).all()
    assert len(files) >= 1  # publishing rendered the report's files, into the bucket as well
    assert sorted(bucket.keys()) == sorted(f"files/{name}" for name in [job.stored_name, *(f.stored_name for f in files)])
    assert set(os.listdir(upload_dir())) == before
