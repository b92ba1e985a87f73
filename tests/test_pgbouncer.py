"""Behind PgBouncer in transaction mode (issue 22): the test starts its own pgbouncer in front of a
database of its own and runs the real app through it with ``DATABASE_POOLER=transaction`` -
migrations, login, two autosaves of one answer from the same version at once (one saved, one
conflict), a submission, the scheduler's lock taken by two nodes at once (one runs the job), and
the login limit counted under parallel wrong passwords. Without the setting the app's own engine
fails there ("prepared statement ... already exists" / "does not exist"): the second test shows it.

Skipped only where the pgbouncer binary is missing and nothing requires it; CI
(CONSULT_REQUIRE_BROWSER, set by .ci/run) or CONSULT_REQUIRE_PGBOUNCER turns that into a failure.
"""
from __future__ import annotations

import logging
import os
import pwd
import re
import shutil
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from consult.audit.models import AuditEvent
from consult.auth.models import LoginAttempt
from consult.consultations.models import Consultation, Question, QuestionKind, Status, Theme
from consult.core.time import utcnow
from consult.extensions import db, migrate
from consult.orgs.models import MemberRole, OrgKind
from consult.responses.models import Answer, Response, Submission
from consult.scheduler import Job, close_due, run_job
from tests.conftest import build_app, csrf_token_from, login, make_org, make_user, new_postgresql_database, post_form

HX = {"HX-Request": "true"}
ROUNDS = 20


def _pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer") or next(
        (path for path in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.access(path, os.X_OK)), None)
    if found:
        return found
    if os.environ.get("CONSULT_REQUIRE_PGBOUNCER") or os.environ.get("CONSULT_REQUIRE_BROWSER"):
        pytest.fail("pgbouncer is required here (CI) but not installed: apt-get install pgbouncer")
    pytest.skip("pgbouncer is not installed (apt-get install pgbouncer); CI runs this test")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _version(binary: str) -> tuple[int, ...]:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    return tuple(int(part) for part in re.search(r"PgBouncer (\d+)\.(\d+)", out).groups())


@pytest.fixture
def pgbouncer(tmp_path):
    """A database of its own, and a pgbouncer (transaction mode) in front of it; yields the URLs
    of the database through pgbouncer: ``pooled`` (20 server connections) and ``one`` (one)."""
    binary = _pgbouncer_binary()
    with new_postgresql_database("consult_pgbouncer") as database_url:
        server = make_url(database_url)
        port = _free_port()
        user = server.username or "postgres"
        target = (f"host={server.host or '127.0.0.1'} port={server.port or 5432} dbname={server.database} "
                  f"user={user}" + (f" password={server.password}" if server.password else ""))
        (tmp_path / "users.txt").write_text(f'"{user}" ""\n')
        # From 1.21 pgbouncer can track protocol-level prepared statements; off, as in 1.18 (Debian 12).
        tracking = "max_prepared_statements = 0\n" if _version(binary) >= (1, 21) else ""
        # "pooled": more server connections than the test has requests at once (a login holds two,
        # see the README); handed out in turn (server_round_robin), so a client's next transaction
        # seldom runs where its last one did. "one": a single server connection every client shares.
        config = tmp_path / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"pooled = {target} pool_size=20\n"
            f"one = {target} pool_size=1\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {tmp_path / 'users.txt'}\n"
            "pool_mode = transaction\nserver_round_robin = 1\nmax_client_conn = 200\nquery_wait_timeout = 30\n"
            + tracking)
        # pgbouncer refuses to run as root; it reads its files first, then becomes -u's user.
        command = [binary, *(["-u", _unprivileged_user()] if os.geteuid() == 0 else []), str(config)]
        log = open(tmp_path / "pgbouncer.log", "wb")  # noqa: SIM115 - closed below
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_for(port, process, tmp_path / "pgbouncer.log")
            base = make_url(f"postgresql+psycopg://{user}@127.0.0.1:{port}/pooled")
            yield {"pooled": base.render_as_string(hide_password=False),
                   "one": base.set(database="one").render_as_string(hide_password=False)}
        finally:
            process.terminate()
            process.wait(10)
            log.close()


def _unprivileged_user() -> str:
    for candidate in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(candidate).pw_name
        except KeyError:
            continue
    raise RuntimeError("no unprivileged user (postgres, nobody) to run pgbouncer as")


def _wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pgbouncer stopped: {log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"pgbouncer did not listen on {port}: {log.read_text()}")


def _seed() -> dict:
    """An open consultation with one open question, three due ones, two members of a provider."""
    leiden = make_org("Gemeente Leiden", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.OPEN, municipalities=[leiden],
                                closes_at=utcnow() + timedelta(days=5), principles=[])
    theme = Theme(title="Dienstverlening", position=0)
    theme.questions.append(Question(text="Wat werkt?", kind=QuestionKind.OPEN, position=0))
    consultation.themes.append(theme)
    db.session.add(consultation)
    for number in range(3):
        db.session.add(Consultation(slug=f"voorbij-{number}", title=f"Voorbij {number}", status=Status.OPEN,
                                    municipalities=[leiden], closes_at=utcnow() - timedelta(hours=1),
                                    principles=[]))
    db.session.commit()
    org = make_org("Zorg A", kvk="11111111")
    make_user("a@example.org", name="Anna A", org=org, role=MemberRole.CONTACT)
    make_user("a2@example.org", name="Arie A", org=org)
    return {"org_id": org.id, "theme_id": theme.id, "question_id": theme.questions[0].id}


def _save_at_once(app, clients: dict, tokens: dict, url: str, field: str, version: int, rnd: int) -> dict:
    barrier = threading.Barrier(len(clients))
    results: dict[str, int] = {}

    def save(key: str) -> None:
        with app.app_context():
            barrier.wait()
            response = clients[key].post(url, headers=HX, data={
                "csrf_token": tokens[key], f"q-{field}": f"Tekst van {key}, ronde {rnd}", f"v-{field}": str(version)})
            results[key] = response.status_code
            db.session.remove()

    threads = [threading.Thread(target=save, args=(key,)) for key in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_the_app_works_behind_pgbouncer_in_transaction_mode(tmp_path, pgbouncer, caplog):
    url = pgbouncer["pooled"]
    node_a = build_app(tmp_path / "a", SQLALCHEMY_DATABASE_URI=url, DATABASE_POOLER="transaction",
                       LOGIN_MAX_FAILURES=3)
    node_b = build_app(tmp_path / "b", SQLALCHEMY_DATABASE_URI=url, DATABASE_POOLER="transaction",
                       LOGIN_MAX_FAILURES=3)
    with node_a.app_context():
        # Migrations, as `flask db upgrade` runs them.
        upgrade()
        head = ScriptDirectory.from_config(migrate.get_config()).get_current_head()
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == head
        db.session.rollback()
        world = _seed()

        # Login: two members of one provider; one starts the response.
        clients = {key: node_a.test_client() for key in ("anna", "arie")}
        for key, email in (("anna", "a@example.org"), ("arie", "a2@example.org")):
            assert login(clients[key], email).status_code == 302
        page = clients["anna"].get("/consultations/wmo").get_data(as_text=True)
        started = clients["anna"].post("/consultations/wmo/respond", data={
            "csrf_token": csrf_token_from(page), "organisation_id": str(world["org_id"])})
        assert started.status_code == 302
        response_id = db.session.scalar(select(Response.id).where(Response.organisation_id == world["org_id"]))
        theme_url = f"/responses/{response_id}/themes/{world['theme_id']}"
        tokens = {key: csrf_token_from(client.get(theme_url).get_data(as_text=True))
                  for key, client in clients.items()}

        # Autosave: both save the answer from the same version at once; one is saved, one conflicts.
        question_id = world["question_id"]
        version = 0
        for rnd in range(ROUNDS):
            results = _save_at_once(node_a, clients, tokens, f"/responses/{response_id}/answers/{question_id}",
                                    str(question_id), version, rnd)
            assert sorted(results.values()) == [200, 409], (rnd, results)
            winner = next(key for key, status in results.items() if status == 200)
            db.session.rollback()
            answer = db.session.scalar(select(Answer).where(Answer.response_id == response_id))
            assert (answer.value, answer.version) == (f"Tekst van {winner}, ronde {rnd}", version + 1)
            version = answer.version

        # Submit: a receipt, one submission, one audit event.
        review = f"/responses/{response_id}/review"
        submitted = post_form(clients["anna"], review, {"publication": "named", "confirm": "1"}, csrf_from=review)
        assert (submitted.status_code, submitted.headers["Location"]) == (
            302, f"/responses/{response_id}/submissions/1")
        assert clients["anna"].get(submitted.headers["Location"]).status_code == 200
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "response_submitted")) == 1
        db.session.remove()

    # The scheduler: two nodes take close-due's lock at the same moment. The one that gets it waits
    # (holding it) until the other has been refused, so the run overlaps for certain: one runs.
    refused = threading.Event()
    start = threading.Barrier(2)
    outcomes: dict[str, str | None] = {}

    def close_after_the_other_tried() -> str:
        refused.wait(15)
        return close_due()

    job = Job("close-due", close_after_the_other_tried, every=60)

    def node_runs(node, key: str) -> None:
        with node.app_context():
            start.wait()
            outcomes[key] = run_job(job)
            if outcomes[key] is None:
                refused.set()

    threads = [threading.Thread(target=node_runs, args=(node, key)) for node, key in ((node_a, "a"), (node_b, "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(map(str, outcomes.values())) == ["None", "closed 3 consultation(s)"], outcomes
    with node_b.app_context():
        # The lock went with its transaction: no server connection keeps it, the next run is not
        # refused and finds nothing to do.
        assert db.session.scalar(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())")) == 0
        assert run_job(Job("close-due", close_due, every=60)) == "closed 0 consultation(s)"
        closings = db.session.execute(select(AuditEvent.object_id, func.count()).where(
            AuditEvent.action == "consultation_closed").group_by(AuditEvent.object_id)).all()
        assert len(closings) == 3 and {count for _, count in closings} == {1}
        db.session.remove()

    # The login limit: parallel wrong passwords are counted one by one (advisory lock per account).
    with node_a.app_context():
        attackers = [node_a.test_client() for _ in range(8)]
        login_tokens = [csrf_token_from(c.get("/login").get_data(as_text=True)) for c in attackers]
        go = threading.Barrier(len(attackers))

        def attempt(index: int) -> int:
            go.wait()
            return attackers[index].post("/login", data={"csrf_token": login_tokens[index],
                                                         "email": "a@example.org",
                                                         "password": "wrong password here"}).status_code

        with ThreadPoolExecutor(max_workers=len(attackers)) as pool:
            statuses = list(pool.map(attempt, range(len(attackers))))
        assert sorted(statuses) == [200] * 3 + [429] * 5
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.email == "a@example.org", LoginAttempt.success.is_(False))) == 3
        db.session.remove()

    # Nothing failed on the way, in a request or in a job after one (the audit trail's seal).
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []
    # No server connection keeps a statement the app prepared: the pool's servers, handed out in
    # turn to a checker that prepares nothing itself, show none.
    checker = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(checker, prepare_threshold=None, autocommit=True) as conn:
        assert [conn.execute("SELECT name FROM pg_prepared_statements").fetchall() for _ in range(40)] == [[]] * 40

    for node in (node_a, node_b):
        with node.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("pooler", [None, "transaction"])
def test_only_the_setting_keeps_prepared_statements_off_the_shared_server_connection(tmp_path, pgbouncer, pooler):
    """Two of the app's connections share pgbouncer's one server connection. psycopg prepares a
    statement on its fifth use, under the same name on each connection: without the setting the
    second connection's prepare collides with the first's; with it nothing is prepared."""
    node = build_app(tmp_path, SQLALCHEMY_DATABASE_URI=pgbouncer["one"], DATABASE_POOLER=pooler)
    with node.app_context():
        query, params = text("SELECT relname FROM pg_class WHERE relname = :name"), {"name": "no_such_table"}
        first, second = db.engine.connect(), db.engine.connect()
        try:
            for _ in range(6):
                first.execute(query, params)
                first.commit()
            if pooler is None:
                with pytest.raises(DBAPIError, match='prepared statement "_pg3_0" already exists'):
                    for _ in range(6):
                        second.execute(query, params)
                        second.commit()
            else:
                for _ in range(6):
                    assert second.execute(query, params).all() == []
                    second.commit()
        finally:
            first.close()
            second.close()
            db.engine.dispose()
