"""Logging: one format with a timestamp, level, request id and logger name; the id on every line a
request logs and in its response header."""
from __future__ import annotations

import io
import logging
import re

from consult.core.logs import RequestIdFilter, logging_config
from tests.conftest import build_app

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} (?P<level>[A-Z]+) \[(?P<id>[^\]]+)\] (?P<name>[\w.]+): (?P<msg>.*)$")


def test_every_response_carries_a_request_id_and_a_sane_given_one_is_kept(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", made)
    assert client.get("/healthz").headers["X-Request-ID"] != made
    assert client.get("/healthz", headers={"X-Request-ID": "proxy-1234abcd"}).headers["X-Request-ID"] == "proxy-1234abcd"
    forged = client.get("/healthz", headers={"X-Request-ID": "bad id] INFO [x] forged: line"}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", forged)


def test_a_line_logged_during_a_request_names_that_request(tmp_path):
    config = logging_config("DEBUG")
    assert config["root"] == {"level": "DEBUG", "handlers": ["stderr"]}
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(config["formatters"]["line"]["format"],
                                           config["formatters"]["line"]["datefmt"]))
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("consult.test_logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    app = build_app(tmp_path)
    app.add_url_rule("/log-something", "log_something", lambda: (logger.info("working on it"), "ok")[1])
    try:
        response = app.test_client().get("/log-something")
        logger.warning("outside a request")
    finally:
        logger.removeHandler(handler)
    inside, outside = (LINE.match(line) for line in stream.getvalue().splitlines())
    assert (inside["level"], inside["id"], inside["name"], inside["msg"]) == (
        "INFO", response.headers["X-Request-ID"], "consult.test_logs", "working on it")
    assert (outside["level"], outside["id"], outside["msg"]) == ("WARNING", "-", "outside a request")


def test_the_level_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "warning")
    assert logging_config()["root"]["level"] == "WARNING"
    monkeypatch.delenv("LOG_LEVEL")
    assert logging_config()["root"]["level"] == "INFO"
