"""Faults at the worst moment: the database connection dropped while saving or submitting, the
database back after a restart, and two tabs submitting at once. Nothing is half-written, the
person is told plainly, and trying again works and counts once."""
from __future__ import annotations

import threading
from contextlib import contextmanager

from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from consult.extensions import db
from consult.responses.models import Answer, Submission
from tests.conftest import csrf_token_from, login, post_form, text_of
from tests.test_responses import HX, _version, answer_of, autosave, start, world  # noqa: F401

NOT_SAVED = "Niet opgeslagen"


@contextmanager
def connection_dropped_at_commit():
    """The next commit loses its database connection. On PostgreSQL the session's own backend
    is terminated for real (pg_terminate_backend) just before COMMIT; SQLite has no server to
    lose, so the commit fails the way a lost connection makes it fail."""
    fired = []

    def drop(session):
        if fired:
            return
        fired.append(True)
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            with db.engine.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        else:
            raise OperationalError("COMMIT", {}, Exception("disk I/O error: connection lost"))

    event.listen(Session, "before_commit", drop)
    try:
        yield fired
    finally:
        event.remove(Session, "before_commit", drop)


def test_autosave_during_a_dropped_connection_says_not_saved_and_the_retry_saves(world):
    client = world["clients"]["a"]
    resp = start(client, world)
    question = world["q"]["Wat werkt?"]
    with connection_dropped_at_commit() as fired:
        response = autosave(client, resp, question, "Tekst die niet verloren mag gaan.", 0)
    assert fired == [True]
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert NOT_SAVED in text_of(response)
    assert answer_of(resp, question) is None
    again = autosave(client, resp, question, "Tekst die niet verloren mag gaan.", 0)
    assert again.status_code == 200
    assert answer_of(resp, question).value == "Tekst die niet verloren mag gaan."


def _submit(client, resp, world):
    return post_form(client, f"/responses/{resp.id}/review", {"publication": "named", "confirm": "1"},
                     csrf_from=f"/responses/{resp.id}/review")


def test_submit_during_a_dropped_connection_leaves_nothing_and_the_retry_counts_once(world):
    client = world["clients"]["a"]
    resp = start(client, world)
    question = world["q"]["Wat werkt?"]
    assert autosave(client, resp, question, "Goede samenwerking", _version(resp, question)).status_code == 200
    with connection_dropped_at_commit() as fired:
        failed = _submit(client, resp, world)
    assert fired == [True]
    assert failed.status_code == 503
    page = text_of(failed)
    assert "Niet opgeslagen" in page and "Twee keer versturen kan geen kwaad" in page
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0
    # The database is back: the very next request works (the pool checks its connections).
    first = _submit(client, resp, world)
    assert first.status_code == 302 and first.headers["Location"] == f"/responses/{resp.id}/submissions/1"
    second = _submit(client, resp, world)
    assert second.headers["Location"] == f"/responses/{resp.id}/submissions/1"
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 1
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 1


def test_the_first_request_after_the_database_restarts_succeeds(app, world):
    """Every pooled connection dies (PostgreSQL: terminated by the server; SQLite: closed under
    the pool); pre-ping finds out at checkout, so the person never sees it."""
    client = world["clients"]["a"]
    assert client.get("/consultations/wmo").status_code == 200
    db.session.remove()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            killed = conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
        assert killed >= 1
    else:
        pool = db.engine.pool
        idle = list(pool._pool.queue)
        assert idle
        for record in idle:
            record.dbapi_connection.close()
    response = client.get("/consultations/wmo")
    assert response.status_code == 200
    assert "Wmo" in text_of(response)


def test_two_tabs_submitting_at_once_make_one_submission_with_one_receipt(app, world):
    first = world["clients"]["a"]
    second = app.test_client()
    login(second, "a@example.org")
    resp = start(first, world)
    question = world["q"]["Wat werkt?"]
    assert autosave(first, resp, question, "Goede samenwerking", 0).status_code == 200
    tokens = {}
    for name, client in (("first", first), ("second", second)):
        page = client.get(f"/responses/{resp.id}/review").get_data(as_text=True)
        tokens[name] = csrf_token_from(page)
    url = f"/responses/{resp.id}/review"  # read here: the threads must not touch this session
    location = f"/responses/{resp.id}/submissions/1"
    barrier = threading.Barrier(2)
    results = {}

    def submit(name, client):
        with app.app_context():
            barrier.wait()
            response = client.post(url, data={
                "csrf_token": tokens[name], "publication": "named", "confirm": "1"})
            results[name] = (response.status_code, response.headers.get("Location"))
            db.session.remove()

    threads = [threading.Thread(target=submit, args=item) for item in (("first", first), ("second", second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {"first": (302, location), "second": (302, location)}
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 1


def test_connection_pools_fit_within_postgresqls_limit(tmp_path):
    """Every gunicorn worker, the background worker and a few commands at full overflow still
    leave PostgreSQL connections to spare (its default max_connections is 100)."""
    import runpy

    from tests.conftest import build_app

    app = build_app(tmp_path, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://consult@db.invalid/consult")
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert (options["pool_size"], options["max_overflow"], options["pool_pre_ping"]) == (4, 4, True)
    workers = runpy.run_path("gunicorn.conf.py")["workers"]
    per_process = options["pool_size"] + options["max_overflow"]
    needed = (workers + 1) * per_process + 5  # web workers, the RQ worker, cron commands
    max_connections, reserved = 100, 3
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            max_connections = int(conn.execute(text("SHOW max_connections")).scalar())
            reserved = int(conn.execute(text("SHOW superuser_reserved_connections")).scalar())
    assert needed <= max_connections - reserved, (workers, per_process, max_connections)


def test_a_database_error_that_retrying_cannot_cure_is_a_500_with_a_reference(tmp_path):
    """A missing table or a wrong statement is our fault, not a moment's outage: no "try again"."""
    from tests.conftest import build_app

    app = build_app(tmp_path)

    def broken():
        db.session.execute(text("SELECT * FROM table_that_does_not_exist"))
        return "never"

    app.add_url_rule("/broken", "broken", broken)
    with app.app_context():
        response = app.test_client().get("/broken", headers={"X-Request-ID": "helpdesk-ref-12345"})
    page = text_of(response)
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
    assert "Er ging iets mis" in page and NOT_SAVED not in page
    assert "Kenmerk voor de helpdesk: helpdesk-ref-12345" in page
