"""Logging, configured once for the app and gunicorn alike: one line per event with a timestamp,
the level, the request id and the logger's name; the level comes from ``LOG_LEVEL``.

With ``LOG_FORMAT=json`` every line is a JSON object instead (python-json-logger) with ``time``,
``level``, ``logger``, ``message``, ``request_id``, ``user_id`` (the account's number, never a name
or an address) and ``route`` (the rule, ``/consultations/<slug>``, never the address with its
values), and the app logs one ``request`` line per request with ``method``, ``status`` and
``duration_ms``: a log collector reads them without parsing text. Nothing a person typed is logged.

Every request gets an id (a sane ``X-Request-ID`` from a proxy in front is kept, otherwise a new
one), which is on every line logged while the request runs and in the response's ``X-Request-ID``
header, so a person's error report can be matched to the server's log.
"""
from __future__ import annotations

import logging
import logging.config
import os
import re
import time
import uuid

from flask import Flask, Response, g, has_request_context, request
from sqlalchemy import inspect as sa_inspect

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_configured = False


REQUEST_LOGGER = "consult.request"


def log_format() -> str:
    return "json" if (os.environ.get("LOG_FORMAT") or "").strip().lower() == "json" else "line"


def _user_id(user) -> int | None:
    state = sa_inspect(user, raiseerr=False) if user is not None else None
    return state.identity[0] if state is not None and state.identity else None


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record: the current request's id, or ``-`` outside one; and
    ``user_id`` and ``route`` (``None`` outside a request or before login)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id", "-")
            # Only the user Flask-Login already loaded, by its identity key: a log line never queries
            # (the request's transaction may have failed; that is often why something is logged).
            record.user_id = _user_id(g.get("_login_user"))
            record.route = request.url_rule.rule if request.url_rule is not None else None
        else:
            record.request_id, record.user_id, record.route = "-", None, None
        return True


def logging_config(level: str | None = None, fmt: str | None = None) -> dict:
    """The ``dictConfig`` for the app; ``gunicorn.conf.py`` passes the same dict as ``logconfig_dict``."""
    level = (level or os.environ.get("LOG_LEVEL") or "INFO").upper()
    fmt = fmt or log_format()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {
            "line": {
                "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s",
                "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            },
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s %(route)s",
                "datefmt": "%Y-%m-%dT%H:%M:%S%z",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
                "json_ensure_ascii": False,
            },
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": fmt,
                "filters": ["request_id"],
            },
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            # gunicorn's own loggers write through the same handler and format.
            "gunicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        },
    }


def configure_logging() -> None:
    """Apply the configuration once per process (several apps in one process share it)."""
    global _configured
    if not _configured:
        logging.config.dictConfig(logging_config())
        _configured = True


def _assign_request_id() -> None:
    g.request_started = time.perf_counter()
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex[:16]


def _echo_request_id(response: Response) -> Response:
    if "request_id" in g:
        response.headers[REQUEST_ID_HEADER] = g.request_id
    return response


def _log_request(response: Response) -> Response:
    """The structured access line (JSON logs only; gunicorn's ``ACCESS_LOG`` is the plain one)."""
    started = g.get("request_started")
    if started is not None:
        logging.getLogger(REQUEST_LOGGER).info("request", extra={
            "method": request.method, "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
    return response


def register_logging(app: Flask) -> None:
    configure_logging()
    app.before_request(_assign_request_id)
    app.after_request(_echo_request_id)
    if log_format() == "json":
        app.after_request(_log_request)
