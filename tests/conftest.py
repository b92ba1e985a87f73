"""Fixtures: one app per session, an empty database for every test, factories, helpers."""
from __future__ import annotations

import contextvars
import hashlib
import os
import re
import socket
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest
import time_machine
from flask import has_app_context
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import TestingConfig
from consult import create_app
from consult.auth.models import User
from consult.auth.passwords import hash_password
from consult.auth.session import AUTH_AT, SEEN_AT
from consult.core.datastamp import forget_changes
from consult.core.mail import outbox
from consult.core.time import utcnow
from consult.extensions import db, limiter
from consult.orgs.models import MemberRole, Membership, Organisation, OrgKind

PASSWORD = "correct horse battery staple"


def worker_database_url() -> str | None:
    """TEST_DATABASE_URL, or under pytest-xdist that database's own copy for this worker
    (``<name>_gw0``, ``<name>_gw1`` ...: workers never share rows); None means SQLite."""
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


def make_config(instance_dir: Path, **overrides) -> type[TestingConfig]:
    """A TestingConfig on the test database (PostgreSQL when TEST_DATABASE_URL is set)."""
    attrs = {
        "INSTANCE_DIR": instance_dir,
        "SQLALCHEMY_DATABASE_URI": worker_database_url() or f"sqlite:///{instance_dir / 'test.db'}",
        **overrides,
    }
    return type("TestConfig", (TestingConfig,), attrs)


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, as on a real server.

    Without this, requests reuse the test's app context and share ``g`` (Flask-Login's
    cached user) and the database session with the test and with each other.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.rollback()  # end the test's read snapshot; see what the request wrote
        return response


_built_apps: list = []


def build_app(instance_dir: Path, **overrides):
    app = create_app(make_config(instance_dir, **overrides))
    app.test_client_class = IsolatedClient
    _built_apps.append(app)
    return app


def dispose_apps_built_since(count: int) -> None:
    """Close the database connections of the apps a test built for itself (a second node, a broken
    route): left to the garbage collector, PostgreSQL's would be reported as unclosed in a later test."""
    while len(_built_apps) > count:
        extra = _built_apps.pop()
        with extra.app_context():
            db.session.remove()
            db.engine.dispose()


@contextmanager
def worker_database():
    """Under pytest-xdist on PostgreSQL: create this worker's database for the session, drop it after."""
    url = worker_database_url()
    if not url or url == os.environ.get("TEST_DATABASE_URL"):
        yield
        return
    name = make_url(url).database
    server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    with worker_database():
        yield from _session_app(tmp_path_factory)


def _session_app(tmp_path_factory):
    app = build_app(tmp_path_factory.mktemp("instance"))
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def empty_database() -> None:
    """Remove every row: each test starts from an empty database."""
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # The audit trail refuses TRUNCATE by trigger; between tests its triggers are off.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
        forget_changes(conn)  # an empty database, with no change row either


@pytest.fixture(autouse=True)
def app_ctx(app):
    """Every test runs inside an app context on an empty database, with an empty outbox and
    no rate-limit counts (the app, and so its in-memory limiter, lasts the whole session)."""
    built = len(_built_apps)
    with app.app_context():
        empty_database()
        outbox().clear()
        limiter.reset()
        yield
        db.session.remove()
    dispose_apps_built_since(built)


@pytest.fixture
def clock():
    """The server's clock, moved by the test instead of slept through: ``clock.shift(seconds)``.

    Time runs on from the moment the fixture starts (``tick``), as a real clock does, but a test
    can jump ahead; ``utcnow()``, ``time.time()`` and the rate limiter all follow it.
    """
    with time_machine.travel(datetime.now(UTC), tick=True) as traveller:
        yield traveller


@contextmanager
def new_postgresql_database(prefix: str):
    """A brand-new PostgreSQL database, dropped afterwards; yields its URL. On the test database's
    server when TEST_DATABASE_URL names one, else on 127.0.0.1:5432. Without a server the test is
    skipped, except where it must run (CONSULT_REQUIRE_POSTGRES)."""
    configured = os.environ.get("TEST_DATABASE_URL", "")
    url = make_url(configured if configured.startswith("postgresql")
                   else "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - no server to try it on
        admin.dispose()
        if os.environ.get("CONSULT_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required here (CONSULT_REQUIRE_POSTGRES) but not reachable: {error}")
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432; CI runs this test")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgresql_url():
    """A brand-new, empty PostgreSQL database for one test (see new_postgresql_database)."""
    with new_postgresql_database("consult_test") as url:
        yield url


def require_redis() -> None:
    """Skip the test without Redis on 127.0.0.1:6379, except where it must run (CI sets
    CONSULT_REQUIRE_REDIS, and then a missing Redis fails the test)."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return
    except OSError:
        pass
    if os.environ.get("CONSULT_REQUIRE_REDIS"):
        pytest.fail("Redis is required here (CONSULT_REQUIRE_REDIS) but 127.0.0.1:6379 is not reachable")
    pytest.skip("Redis is not running on 127.0.0.1:6379; CI runs this test")


@pytest.fixture
def rq_queue(app, monkeypatch):
    """An RQ queue of the test's own on the local Redis, where the app's jobs go while the test
    runs (REDIS_URL and RQ_QUEUE set for it); emptied and removed afterwards."""
    require_redis()
    from redis import Redis
    from rq import Queue

    name = f"consult-test-{os.getpid()}-{time.monotonic_ns()}"
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setitem(app.config, "RQ_QUEUE", name)
    queue = Queue(name, connection=Redis.from_url("redis://127.0.0.1:6379/0"))
    yield queue
    queue.empty()
    for job_id in queue.scheduled_job_registry.get_job_ids():
        queue.scheduled_job_registry.remove(job_id, delete_job=True)
    queue.delete(delete_jobs=True)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def mail():
    return outbox()


def csrf_token_from(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def get_csrf(client, url: str = "/") -> str:
    return csrf_token_from(client.get(url).get_data(as_text=True))


def session_csrf(client) -> str:
    """The CSRF token every page of the client's session carries (Flask-WTF's: the session's own
    random value signed with the secret key), without rendering a page to read it from."""
    with client.session_transaction() as sess:
        raw = sess.setdefault("csrf_token", hashlib.sha1(os.urandom(64)).hexdigest())
    secret = client.application.config.get("WTF_CSRF_SECRET_KEY") or client.application.secret_key
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


def post_form(client, url: str, data: dict | None = None, *, csrf_from: str | None = None, **kwargs):
    """POST like a browser would: with the CSRF token of the current session, read from the page
    ``csrf_from`` when one is named (a test of that page), else the session's own."""
    token = get_csrf(client, csrf_from) if csrf_from else session_csrf(client)
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


def make_org(name: str = "Zorg BV", kind: OrgKind = OrgKind.PROVIDER, kvk: str | None = None) -> Organisation:
    org = Organisation(kind=kind, name=name, kvk_number=kvk)
    db.session.add(org)
    db.session.commit()
    return org


def make_user(email: str = "user@example.org", *, name: str = "Test Gebruiker",
              password: str = PASSWORD, verified: bool = True, active: bool = True,
              admin: bool = False, org: Organisation | None = None,
              role: MemberRole = MemberRole.MEMBER, locale: str = "nl") -> User:
    user = User(email=email, name=name, password_hash=hash_password(password), active=active,
                is_admin=admin, email_verified_at=utcnow() if verified else None, locale=locale)
    db.session.add(user)
    if org is not None:
        db.session.add(Membership(user=user, organisation=org, role=role))
    db.session.commit()
    return user


def login(client, email: str, password: str = PASSWORD, **extra):
    """Log in through the login form (a test of logging in, or of what it records)."""
    return post_form(client, "/login", {"email": email, "password": password, **extra},
                     csrf_from="/login")


def login_session(user: User) -> dict:
    """What a login of ``user`` puts in the session (``start_session``): Flask-Login's user and the
    moments the idle and absolute timeouts count from."""
    now = int(time.time())
    return {"_user_id": user.get_id(), "_fresh": True, AUTH_AT: now, SEEN_AT: now}


def sign_in(client, user: User) -> None:
    """Give ``client`` the session a login of ``user`` starts, without going through the form: for
    tests about what a logged-in person does, not about logging in."""
    with client.session_transaction() as sess:
        sess.clear()
        sess.update(login_session(user))


def add_team(consultation, members: dict) -> None:
    """Put users on a consultation's team: ``{user: TeamRole}``, committed."""
    from consult.consultations.models import TeamMember

    db.session.add_all([TeamMember(consultation_id=consultation.id, user_id=user.id, role=role)
                        for user, role in members.items()])
    db.session.commit()


def clients_for(app, users: dict) -> dict:
    """A logged-in test client per user (same keys), plus "anonymous": the cast of a test world."""
    clients = {"anonymous": app.test_client()}
    for key, user in users.items():
        clients[key] = app.test_client()
        sign_in(clients[key], user)
    return clients


@pytest.fixture
def demo(app) -> dict[str, User]:
    """The demo data, committed (tests/demo.py copies it in after its first build), with no
    rate-limit counts left from building it."""
    from tests.demo import load_demo

    users = load_demo()
    db.session.commit()
    limiter.reset()
    return users


@pytest.fixture
def admin_client(app):
    admin = make_user("admin@example.org", name="Ada Admin", admin=True)
    client = app.test_client()
    response = login(client, admin.email)
    assert response.status_code == 302
    client.user = admin
    return client


def text_of(response) -> str:
    """The visible text of a page, whitespace folded (for exact message checks)."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()
