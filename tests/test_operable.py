"""Operable: /readyz checks what a node needs to serve (database, Redis when configured, the file
store); /healthz stays the liveness check."""
from __future__ import annotations

from tests.conftest import build_app


def test_readyz_ready_when_database_and_storage_answer_and_redis_is_not_used(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "database": "ok", "redis": "not configured", "storage": "ok"}


def test_readyz_checks_redis_when_it_is_configured(tmp_path):
    app = build_app(tmp_path, REDIS_URL="redis://127.0.0.1:6379/15", RATELIMIT_STORAGE_URI="memory://")
    response = app.test_client().get("/readyz")
    assert (response.status_code, response.get_json()) == (
        200, {"status": "ready", "database": "ok", "redis": "ok", "storage": "ok"})


def test_readyz_unready_when_redis_does_not_answer(tmp_path):
    app = build_app(tmp_path, REDIS_URL="redis://127.0.0.1:1/0", RATELIMIT_STORAGE_URI="memory://")
    response = app.test_client().get("/readyz")
    assert (response.status_code, response.get_json()) == (
        503, {"status": "unready", "database": "ok", "redis": "unreachable", "storage": "ok"})


def test_readyz_unready_when_files_cannot_be_stored(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    app = build_app(tmp_path, STORAGE_URL=f"file://{tmp_path / 'a-file' / 'uploads'}")
    response = app.test_client().get("/readyz")
    assert (response.status_code, response.get_json()) == (
        503, {"status": "unready", "database": "ok", "redis": "not configured", "storage": "unreachable"})


def test_readyz_unready_without_database_while_healthz_reports_it_too(tmp_path):
    app = build_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/x.db")
    response = app.test_client().get("/readyz")
    assert (response.status_code, response.get_json()) == (
        503, {"status": "unready", "database": "unreachable", "redis": "not configured", "storage": "ok"})


def test_make_admin_makes_a_registered_account_an_administrator_and_audits_it(app):
    from consult.audit.models import AuditEvent
    from consult.extensions import db
    from tests.conftest import make_user

    user = make_user("beheer@gemeente.example.nl", verified=False)
    result = app.test_cli_runner().invoke(args=["make-admin", "beheer@gemeente.example.nl"])
    assert (result.exit_code, result.output) == (0, "beheer@gemeente.example.nl is an administrator.\n")
    db.session.refresh(user)
    assert user.is_admin is True and user.email_verified_at is not None
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "admin_role_changed")).all()
    assert [(event.actor_id, event.object_id) for event in events] == [(None, str(user.id))]


def test_make_admin_refuses_an_address_without_an_account(app):
    result = app.test_cli_runner().invoke(args=["make-admin", "nobody@example.org"])
    assert result.exit_code == 1
    assert "No active account for nobody@example.org: register it on the site first." in result.output
