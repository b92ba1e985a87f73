"""Configuration and edges an attacker tried (issue 19), each reproduced and shown refused:

* the report's files are rendered once per published version and then only sent (ETag, 304,
  Cache-Control), never while a visitor waits; what is still made on request (the team's preview,
  answer exports, receipts) is limited per user and per address;
* production refuses a published or short secret key, and gunicorn never runs the development
  configuration by accident;
* an integer in a URL beyond what the database holds is 404, not 500;
* a prepared internal export asks for the current permission on every look;
* using one password-reset link, or changing the password, ends all others;
* a PDF with markup anywhere in it is refused, and a zip is measured by what it really inflates to.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from config import ProductionConfig
from consult import create_app
from consult.auth.models import AccountToken, User
from consult.consultations.models import Consultation, TeamMember, TeamRole
from consult.core import uploads
from consult.core.documents import EXPORTERS, DocumentModel, Paragraph
from consult.core.jobs import run_committed_jobs
from consult.core.time import utcnow
from consult.core.uploads import UploadRejected, sniff_type, stored_path
from consult.extensions import db
from consult.reports.models import ExportJob, ReportFile
from consult.reports.services import publish as publish_report
from consult.reports.services import save_texts
from tests.conftest import get_csrf, login, make_user, post_form, text_of
from tests.test_access import ROUTE_VALUES, _ids, _url
from tests.test_access import world as access_world  # noqa: F401  (fixture)
from tests.test_auth import reset_link
from tests.test_reports import publish
from tests.test_reports import world as report_world  # noqa: F401  (fixture)
from tests.test_responses import world as responses_world  # noqa: F401  (fixture)
from tests.test_uploads import _attachments, _upload

ROOT = Path(__file__).resolve().parents[1]
ALL_FILES = {"odt": 2, "pdf": 2, "docx": 2}  # every format once per language (nl, en)


# --- the report's files: rendered once per version, then only sent --------------------------------

@pytest.fixture
def renders(monkeypatch) -> Counter:
    """How often each report format is rendered (the real exporters still run)."""
    counts: Counter = Counter()
    for fmt, exporter in EXPORTERS.items():
        def counting(self, _render=exporter.render, _fmt=fmt):
            counts[_fmt] += 1
            return _render(self)
        monkeypatch.setattr(exporter, "render", counting)
    return counts


def _get(client, url: str, **kwargs):
    response = client.get(url, buffered=True, **kwargs)
    response.close()
    return response


def test_twenty_parallel_pdf_requests_render_nothing_after_publication(app, report_world, renders):
    assert publish(report_world).status_code == 302
    assert renders == ALL_FILES  # rendered at publication, once each
    stored = db.session.scalar(select(ReportFile).where(ReportFile.fmt == "pdf", ReportFile.language == "nl"))
    barrier = threading.Barrier(20)
    answers = []

    def fetch():
        client = app.test_client()
        barrier.wait()
        answers.append(_get(client, "/consultations/wmo/report.pdf"))

    threads = [threading.Thread(target=fetch) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [answer.status_code for answer in answers] == [200] * 20
    assert {hashlib.sha256(answer.data).hexdigest() for answer in answers} == {stored.sha256}
    assert renders == ALL_FILES  # twenty downloads, zero renders
    assert stored_path(stored.stored_name).read_bytes().startswith(b"%PDF-")


def _publish_by_command(report_world) -> None:
    """Publish as a command would: outside a request, so the queued files wait for a job."""
    consultation = report_world["consultation"]
    editor = db.session.scalar(select(User).where(User.email == "editor@example.org"))
    save_texts(consultation, summary="Men wil minder administratieve lasten.", introduction="", next_steps="",
               by=editor)
    publish_report(consultation, by=editor)
    db.session.commit()


def test_a_file_not_stored_yet_is_being_prepared_instead_of_rendered(app, report_world, renders):
    _publish_by_command(report_world)
    assert db.session.scalar(select(func.count()).select_from(ReportFile).where(ReportFile.status == "queued")) == 6
    client = app.test_client()
    waiting = client.get("/consultations/wmo/report.pdf")
    assert waiting.status_code == 503
    assert waiting.headers["Retry-After"] == "10"
    assert waiting.headers["Cache-Control"] == "no-store"
    assert ("Het bestand wordt klaargemaakt Dit bestand met versie 1 van het verslag wordt gemaakt. Dat duurt even; "
            "probeer het over 10 seconden opnieuw.") in text_of(waiting)
    assert renders == {}  # nothing rendered while the visitor waits
    run_committed_jobs()  # the job queue's turn
    assert renders == ALL_FILES
    ready = _get(client, "/consultations/wmo/report.pdf")
    assert ready.status_code == 200 and ready.data.startswith(b"%PDF-")
    assert renders == ALL_FILES


def test_a_version_published_before_files_were_stored_gets_each_file_rendered_once(app, report_world, renders):
    assert publish(report_world).status_code == 302
    db.session.execute(ReportFile.__table__.delete())  # as after the upgrade that added stored files
    db.session.commit()
    renders.clear()
    client = app.test_client()
    assert client.get("/consultations/wmo/report.docx").status_code == 503  # queued; runs after this request
    assert renders == {"docx": 1}
    assert [_get(client, "/consultations/wmo/report.docx").status_code for _ in range(5)] == [200] * 5
    assert renders == {"docx": 1}


def test_a_stored_file_has_an_etag_and_a_conditional_get_gets_304(app, report_world):
    assert publish(report_world).status_code == 302
    client = app.test_client()
    first = _get(client, "/consultations/wmo/report.pdf")
    etag = f'"{hashlib.sha256(first.data).hexdigest()}"'
    assert first.headers["ETag"] == etag
    assert first.headers["Cache-Control"] == "no-cache"  # this address shows the next version too
    again = _get(client, "/consultations/wmo/report.pdf", headers={"If-None-Match": etag})
    assert (again.status_code, again.data, again.headers["ETag"]) == (304, b"", etag)
    # The report page links the version itself, which never changes: cached for a year.
    page = client.get("/consultations/wmo/report").get_data(as_text=True)
    assert 'href="/consultations/wmo/report.pdf?v=1&amp;lang=nl"' in page
    frozen = _get(client, "/consultations/wmo/report.pdf?v=1&lang=nl")
    assert frozen.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert frozen.headers["ETag"] == etag
    english = _get(client, "/consultations/wmo/report.pdf?v=1&lang=en")
    assert english.headers["ETag"] != etag and english.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert _get(client, "/consultations/wmo/report.pdf?v=1&lang=en",
                headers={"If-None-Match": english.headers["ETag"]}).status_code == 304
    # A logged-in reader's copy is for their browser only.
    mine = _get(report_world["editor"], "/consultations/wmo/report.pdf?v=1&lang=nl")
    assert (mine.headers["Cache-Control"], mine.headers["ETag"]) == ("private, max-age=31536000, immutable", etag)


def test_a_new_version_replaces_the_stored_files_and_the_old_address_is_not_cached(app, report_world):
    assert publish(report_world).status_code == 302
    old = {row.fmt + row.language: row.stored_name for row in db.session.scalars(select(ReportFile))}
    assert publish(report_world, summary="Een tweede, herziene samenvatting.").status_code == 302
    assert {(row.version, row.status) for row in db.session.scalars(select(ReportFile))} == {(2, "done")}
    assert [name for name in old.values() if stored_path(name).exists()] == []
    stale = _get(app.test_client(), "/consultations/wmo/report.odt?v=1&lang=nl")
    assert stale.headers["Cache-Control"] == "no-cache"
    new = db.session.scalar(select(ReportFile).where(ReportFile.fmt == "odt", ReportFile.language == "nl"))
    assert hashlib.sha256(stale.data).hexdigest() == new.sha256


def test_with_redis_the_files_are_rendered_by_the_worker(app, report_world, renders, monkeypatch):
    from tests.conftest import require_redis

    require_redis()
    from redis import Redis
    from rq import Queue, SimpleWorker

    queue_name = f"consult-report-test-{os.getpid()}"
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setitem(app.config, "RQ_QUEUE", queue_name)
    queue = Queue(queue_name, connection=Redis.from_url("redis://127.0.0.1:6379/0"))
    def queued_renders() -> int:
        return sum(job.func_name == "consult.reports.services.render_report_file" for job in queue.jobs)

    try:
        assert publish(report_world).status_code == 302
        assert queued_renders() == 6 and renders == {}
        client = app.test_client()
        assert [client.get("/consultations/wmo/report.pdf").status_code for _ in range(3)] == [503] * 3
        assert queued_renders() == 6 and renders == {}
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        assert renders == ALL_FILES
        assert _get(client, "/consultations/wmo/report.pdf").status_code == 200
    finally:
        queue.empty()
        queue.delete(delete_jobs=True)


# --- what is still made on request: limited per user and per address ------------------------------

def test_the_teams_preview_renders_on_request_a_limited_number_of_times(app, report_world, renders, monkeypatch):
    monkeypatch.setitem(app.config, "GENERATE_LIMIT_PER_USER", "3 per 10 minutes")
    monkeypatch.setitem(app.config, "GENERATE_LIMIT_PER_ADDRESS", "4 per 10 minutes")
    editor = report_world["editor"]
    assert [_get(editor, "/consultations/wmo/report.pdf").status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = editor.get("/consultations/wmo/report.pdf")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Te veel pogingen" in text_of(refused)
    assert renders == {"pdf": 3}
    # A colleague on the same address may render once more, then the address is at its limit.
    colleague = app.test_client()
    other = make_user("collega@example.org", name="Cor Collega")
    db.session.add(TeamMember(consultation_id=report_world["consultation"].id, user_id=other.id, role=TeamRole.EDITOR))
    db.session.commit()
    login(colleague, "collega@example.org")
    assert [_get(colleague, "/consultations/wmo/report.odt").status_code for _ in range(2)] == [200, 429]
    assert renders == {"pdf": 3, "odt": 1}


def test_answer_exports_are_limited_per_user_and_per_address(app, report_world, monkeypatch):
    monkeypatch.setitem(app.config, "GENERATE_LIMIT_PER_USER", "2 per 10 minutes")
    monkeypatch.setitem(app.config, "GENERATE_LIMIT_PER_ADDRESS", "3 per 10 minutes")
    editor = report_world["editor"]
    assert [_get(editor, f"/consultations/wmo/answers.internal.{fmt}").status_code
            for fmt in ("csv", "xlsx", "csv")] == [200, 200, 429]
    refused = post_form(editor, "/consultations/wmo/exports", {"variant": "internal", "fmt": "xlsx"})
    assert refused.status_code == 429  # preparing one in the background counts the same
    assert db.session.scalar(select(func.count()).select_from(ExportJob)) == 0
    assert publish(report_world).status_code == 302
    visitor = app.test_client()
    assert [_get(visitor, "/consultations/wmo/answers.public.csv").status_code for _ in range(2)] == [200, 429]


def test_receipt_pdfs_are_limited_per_user(app, report_world, monkeypatch):
    monkeypatch.setitem(app.config, "GENERATE_LIMIT_PER_USER", "2 per 10 minutes")
    response = report_world["responses"]["Zorg Genoemd"]
    provider = app.test_client()
    login(provider, "11111111@example.org")
    url = f"/responses/{response.id}/submissions/1/receipt.pdf"
    answers = [_get(provider, url) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[0].data.startswith(b"%PDF-")
    assert "Te veel pogingen" in answers[2].get_data(as_text=True)


# --- configuration ----------------------------------------------------------------------------------

def _production(tmp_path, key):
    return type("Prod", (ProductionConfig,), {"SECRET_KEY": key, "INSTANCE_DIR": tmp_path,
                                              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})


@pytest.mark.parametrize("key", ["dev-only-not-secret", "test-only-not-secret", "change-me", "Rush"])
def test_production_refuses_a_published_secret_key(tmp_path, key):
    with pytest.raises(RuntimeError, match="SECRET_KEY is a published example or development key"):
        create_app(_production(tmp_path, key))


@pytest.mark.parametrize("key", ["a", "x" * 31, "é" * 15])
def test_production_refuses_a_secret_key_shorter_than_32_bytes(tmp_path, key):
    with pytest.raises(RuntimeError, match="SECRET_KEY is shorter than 32 bytes"):
        create_app(_production(tmp_path, key))


def test_production_starts_with_a_random_key_of_32_bytes(tmp_path):
    key = secrets.token_hex(16)
    assert create_app(_production(tmp_path, key)).config["SECRET_KEY"] == key


def test_without_consult_env_the_app_refuses_to_start_outside_the_flask_command(monkeypatch):
    monkeypatch.delenv("CONSULT_ENV", raising=False)
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    with pytest.raises(RuntimeError, match="CONSULT_ENV is not set"):
        create_app()


def _clean_env(tmp_path, **extra) -> dict:
    env = {name: value for name, value in os.environ.items()
           if name not in {"CONSULT_ENV", "FLASK_RUN_FROM_CLI", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    return {**env, "INSTANCE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT), **extra}


def test_without_consult_env_the_flask_command_runs_the_development_configuration(tmp_path):
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "consult", "routes"],
                          cwd=ROOT, env=_clean_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "reports.download" in done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _gunicorn(tmp_path, key: str):
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = _clean_env(tmp_path, SECRET_KEY=key, DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}",
                     WEB_CONCURRENCY="1", BIND=f"127.0.0.1:{port}")
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                                    "consult:create_app()"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return process, port, log


def test_gunicorn_without_consult_env_runs_production_and_refuses_the_development_key(tmp_path):
    process, _port, log = _gunicorn(tmp_path, "dev-only-not-secret")
    try:
        assert process.wait(timeout=60) != 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "SECRET_KEY is a published example or development key" in log.read_text()

    process, port, log = _gunicorn(tmp_path, secrets.token_hex(32))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                    status, hsts = answer.status, answer.headers["Strict-Transport-Security"]
                break
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert (status, hsts) == (200, "max-age=63072000; includeSubDomains")  # HSTS: production only
    # Its control socket lives in this installation's instance folder, named after its address (or,
    # where that path is too long for a unix socket, under a name derived from it).
    own = tmp_path / f"gunicorn-127-0-0-1-{port}.ctl"
    expected = str(own) if len(str(own)) <= 100 else \
        f"/tmp/consult-{hashlib.sha256(str(own).encode()).hexdigest()[:16]}.ctl"
    assert f"Control socket listening at {expected}\n" in log.read_text(), log.read_text()
    # gunicorn writes through the app's logging configuration: timestamp, level, request id, logger.
    assert re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} INFO \[-\] gunicorn\.error: warmed up: \d+ templates compiled$",
                     log.read_text(), re.MULTILINE), log.read_text()


# --- integers in URLs ---------------------------------------------------------------------------------

HUGE = 99999999999999999999  # past SQLite's 64 bits and PostgreSQL's 32-bit ids


def test_the_reported_response_address_is_404_not_500(app, responses_world):
    client = responses_world["clients"]["a"]
    assert client.get(f"/responses/{HUGE}").status_code == 404
    assert client.get("/responses/2147483648").status_code == 404  # one past PostgreSQL's INTEGER


def test_integer_route_parts_beyond_the_database_are_404_on_every_route(app, access_world):
    clients = {"provider": app.test_client(), "admin": app.test_client()}
    assert login(clients["provider"], "zorg1@example.org", "consult-demo-2026").status_code == 302
    assert login(clients["admin"], "beheer@example.org", "consult-demo-2026").status_code == 302
    tokens = {role: get_csrf(client) for role, client in clients.items()}
    ids = _ids(access_world)
    walked, wrong = 0, []
    for rule in app.url_map.iter_rules():
        numbers = [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]
        if not numbers:
            continue
        huge = {slug: {**values, **ROUTE_VALUES.get(rule.endpoint, {}), **{name: HUGE for name in numbers}}
                for slug, values in ids.items()}
        url = _url(rule, huge)
        assert str(HUGE) in url
        for role, client in clients.items():
            if "GET" in rule.methods:
                got = client.get(url).status_code
            else:
                got = client.post(url, data={"csrf_token": tokens[role]}).status_code
            walked += 1
            if got != 404:
                wrong.append(f"{url} as {role}: {got}")
    assert wrong == []
    assert walked > 100


# --- a prepared export asks again -----------------------------------------------------------------

def test_a_finished_internal_export_is_refused_once_its_requester_left_the_team(app, report_world):
    editor = report_world["editor"]
    assert post_form(editor, "/consultations/wmo/exports", {"variant": "internal", "fmt": "csv"}).status_code == 302
    job = db.session.scalar(select(ExportJob))
    assert job.status == "done"
    assert _get(editor, f"/exports/{job.id}/download").status_code == 200
    membership = db.session.scalar(select(TeamMember).where(TeamMember.consultation_id == job.consultation_id))
    role, user_id = membership.role, membership.user_id
    db.session.delete(membership)
    db.session.commit()
    assert _get(editor, f"/exports/{job.id}/download").status_code == 404
    assert editor.get(f"/exports/{job.id}").status_code == 404
    # It is the permission that is asked, not the job that is gone: back on the team, it works again.
    db.session.add(TeamMember(consultation_id=job.consultation_id, user_id=user_id, role=role))
    db.session.commit()
    assert _get(editor, f"/exports/{job.id}/download").status_code == 200
    assert db.session.get(Consultation, job.consultation_id).slug == "wmo"


# --- password-reset links -------------------------------------------------------------------------

def _reset_links(client, mail, count: int) -> list[str]:
    links = []
    for _ in range(count):
        assert post_form(client, "/password/forgot", {"email": "anna@example.org"}).status_code == 200
        links.append(reset_link(mail))
    assert len(set(links)) == count
    return links


def test_using_one_reset_link_ends_every_other(app, client, mail):
    make_user("anna@example.org")
    first, used, last = _reset_links(client, mail, 3)
    new = "another long passphrase"
    assert post_form(client, used, {"password": new, "password_repeat": new}, csrf_from=used).status_code == 302
    for link in (first, last):
        page = app.test_client().get(link)
        assert page.status_code == 400
        assert "Deze link is verlopen. Vraag een nieuwe aan." in text_of(page)
    assert login(app.test_client(), "anna@example.org", new).status_code == 302


def test_changing_the_password_ends_every_reset_link(app, client, mail):
    make_user("anna@example.org")
    links = _reset_links(app.test_client(), mail, 2)
    login(client, "anna@example.org")
    new = "another long passphrase"
    changed = post_form(client, "/account/password", {"pw-current_password": "correct horse battery staple",
                                                      "pw-password": new, "pw-password_repeat": new},
                        csrf_from="/account")
    assert changed.status_code == 302
    assert [app.test_client().get(link).status_code for link in links] == [400, 400]
    open_tokens = select(func.count()).select_from(AccountToken).where(AccountToken.expires_at > utcnow())
    assert db.session.scalar(open_tokens) == 0


# --- uploads: markup anywhere in a PDF, and zips measured by what they inflate to ------------------

def test_markup_in_the_middle_of_a_pdf_is_refused(responses_world):
    content = (b"%PDF-1.4\n%" + b"0" * 8000 + b"\n<html><body><script>alert(document.cookie)</script></body></html>\n%"
               + b"0" * 8000 + b"\n%%EOF\n")
    assert b"<" not in content[:1024] + content[-1024:]  # nothing where the check used to look
    _resp, _question, page = _upload(responses_world, content, "stukken.pdf")
    assert "Het bestand is geen geldig document." in page
    assert _attachments() == 0


def test_a_pdf_made_by_the_report_passes_the_whole_file_scan(app):
    model = DocumentModel(title="Verslag", subtitle="Wmo", blocks=[Paragraph("Tekst " * 2000)], filename_stem="v")
    data = EXPORTERS["pdf"](model).render()
    assert sniff_type(io.BytesIO(data)) == "pdf"


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def _deflated_zeros(mebibytes: int) -> bytes:
    """Raw deflate data of that many MiB of zero bytes, made quickly from one repeated block: after
    a full flush the compressor starts afresh, so the same input gives the same bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = compressor.compress(b"\0" * 2**20) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * mebibytes + compressor.flush()


def _handmade_zip(members: list[tuple[str, bytes, int]]) -> bytes:
    """A zip archive written byte by byte from (name, raw deflate data, declared size): the
    declared sizes say whatever the maker wants."""
    out, directory = io.BytesIO(), []
    for name, data, declared in members:
        offset, encoded = out.tell(), name.encode()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, 0, len(data), declared,
                              len(encoded), 0) + encoded + data)
        directory.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, 0, len(data), declared,
                                     len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    out.write(b"".join(directory))
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), out.tell() - start, start, 0))
    return out.getvalue()


def _docx_with(name: str, data: bytes, declared: int) -> bytes:
    return _handmade_zip([("[Content_Types].xml", _deflate(b"<Types/>"), 8),
                          ("word/document.xml", _deflate(b"<w:document/>"), 13), (name, data, declared)])


class CountingReader(io.BytesIO):
    """A file that counts the bytes read from it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.count = 0

    def read(self, size=-1):
        data = super().read(size)
        self.count += len(data)
        return data


def test_a_zip_whose_declared_sizes_lie_is_stopped_by_the_bytes_it_inflates(responses_world):
    bomb = _docx_with("word/media/zeros.bin", _deflated_zeros(1024), 1000)  # 1 GiB that says 1000 bytes
    declared = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(bomb)).infolist())
    assert declared == 1021 < uploads.MAX_UNPACKED_BYTES  # the archive's own account passes the limit
    stream = CountingReader(bomb)
    with pytest.raises(UploadRejected):
        sniff_type(stream)
    # Inflating stopped at the limit (200 MiB, about a fifth of the member): most was never read.
    assert stream.count < len(bomb) // 2
    _resp, _question, page = _upload(responses_world, bomb, "plan.docx")
    assert "Het bestand is geen geldig document." in page
    assert _attachments() == 0


def test_a_zip_member_larger_than_declared_is_refused_under_the_limit(responses_world):
    liar = _docx_with("word/media/image.bin", _deflate(b"x" * 5000), 50)
    assert sniff_type(io.BytesIO(_docx_with("word/media/image.bin", _deflate(b"x" * 5000), 5000))) == "docx"
    _resp, _question, page = _upload(responses_world, liar, "plan.docx")
    assert "Het bestand is geen geldig document." in page
    assert _attachments() == 0
