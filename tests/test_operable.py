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


def test_json_log_lines_carry_time_level_request_user_and_route_but_no_names_or_text(tmp_path, monkeypatch):
    import io
    import json
    import logging
    import re

    from pythonjsonlogger.json import JsonFormatter

    from consult.core.logs import REQUEST_LOGGER, RequestIdFilter, logging_config
    from consult.extensions import db
    from tests.conftest import login, make_user

    monkeypatch.setenv("LOG_FORMAT", "json")
    config = logging_config("INFO")
    assert config["handlers"]["stderr"]["formatter"] == "json"
    spec = {key: value for key, value in config["formatters"]["json"].items() if key != "()"}
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(**spec))
    handler.addFilter(RequestIdFilter())
    mine = logging.getLogger("consult.test_operable")
    loggers = (mine, logging.getLogger(REQUEST_LOGGER))
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    app = build_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'json.db'}")
    app.add_url_rule("/things/<int:number>", "things", lambda number: (mine.info("working on it"), "ok")[1])
    try:
        with app.app_context():
            db.create_all()
            user_id = make_user("lid@example.org", name="Anna de Vries").id
        client = app.test_client()
        assert login(client, "lid@example.org").status_code == 302
        stream.seek(0)
        stream.truncate()
        response = client.get("/things/7?q=geheime+tekst")
        mine.warning("outside a request")
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    text = stream.getvalue()
    inside, request_line, outside = (json.loads(line) for line in text.splitlines())
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", inside.pop("time"))
    assert inside == {"level": "INFO", "logger": "consult.test_operable", "message": "working on it",
                      "request_id": response.headers["X-Request-ID"], "user_id": user_id, "route": "/things/<int:number>"}
    request_line.pop("time")
    duration = request_line.pop("duration_ms")
    assert isinstance(duration, float) and 0 <= duration < 10_000
    assert request_line == {"level": "INFO", "logger": REQUEST_LOGGER, "message": "request",
                            "request_id": response.headers["X-Request-ID"], "user_id": user_id,
                            "route": "/things/<int:number>", "method": "GET", "status": 200}
    outside.pop("time")
    assert outside == {"level": "WARNING", "logger": "consult.test_operable", "message": "outside a request",
                       "request_id": "-", "user_id": None, "route": None}
    assert "Anna" not in text and "lid@example.org" not in text and "geheime" not in text and "/things/7" not in text


def test_line_format_stays_the_default(monkeypatch):
    from consult.core.logs import logging_config

    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert logging_config()["handlers"]["stderr"]["formatter"] == "line"
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    assert logging_config()["handlers"]["stderr"]["formatter"] == "json"


def _metric(text: str, name: str) -> float:
    import re

    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    assert match, f"{name} not in /metrics"
    return float(match.group(1))


def test_metrics_for_allowed_addresses_only(app):
    from consult.core.metrics import allowed_networks

    client = app.test_client()
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert _metric(text, 'consult_request_duration_seconds_count{method="GET",route="/healthz"}') >= 3
    assert _metric(text, 'consult_requests_total{method="GET",route="/healthz",status="200"}') >= 3
    assert 'route="/metrics"' not in text
    assert (_metric(text, "consult_outbox_backlog"), _metric(text, "consult_mail_failed")) == (0, 0)
    assert "consult_job_queue_depth" not in text  # no REDIS_URL here
    for outsider in ("203.0.113.5", "10.0.0.7", "::ffff:192.0.2.1"):
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": outsider}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    assert [str(n) for n in allowed_networks("10.1.0.0/16, 192.0.2.9")] == ["10.1.0.0/16", "192.0.2.9/32"]


def test_metrics_allow_setting_and_state_figures(tmp_path):
    from consult.extensions import db
    from tests.conftest import login, make_user

    app = build_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.db'}", METRICS_ALLOW="192.0.2.0/24",
                    REDIS_URL="redis://127.0.0.1:6379/15", RQ_QUEUE="consult-metrics-test", RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        db.create_all()
        make_user("lid@example.org")
        from consult.core.outbox import MailStatus, OutboundMail

        db.session.add_all([OutboundMail(to_address="a@example.org", subject="s", text_body="b", status=MailStatus.FAILED),
                            OutboundMail(to_address="b@example.org", subject="s", text_body="b")])
        db.session.commit()
    from consult.core.jobs import queue

    client = app.test_client()
    assert client.get("/metrics").status_code == 404  # 127.0.0.1 is not in 192.0.2.0/24
    with app.app_context():
        rq = queue()
        rq.empty()
    try:
        login(client, "lid@example.org")
        rq.enqueue("builtins.print", "waiting")
        text = client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.40"}).get_data(as_text=True)
        waiting = rq.count
    finally:
        rq.empty()
    assert _metric(text, "consult_open_sessions") == 1
    assert (_metric(text, "consult_mail_failed"), _metric(text, "consult_outbox_backlog")) == (1, 1)
    assert waiting >= 1
    assert _metric(text, 'consult_job_queue_depth{queue="consult-metrics-test"}') == waiting
