"""Logging, configured once for the app and gunicorn alike: one line per event with a timestamp,
the level, the request id and the logger's name; the level comes from ``LOG_LEVEL``.

Every request gets an id (a sane ``X-Request-ID`` from a proxy in front is kept, otherwise a new
one), which is on every line logged while the request runs and in the response's ``X-Request-ID``
header, so a person's error report can be matched to the server's log.
"""
from __future__ import annotations

import logging
import logging.config
import os
import re
import uuid

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_configured = False


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record: the current request's id, or ``-`` outside one."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def logging_config(level: str | None = None) -> dict:
    """The ``dictConfig`` for the app; ``gunicorn.conf.py`` passes the same dict as ``logconfig_dict``."""
    level = (level or os.environ.get("LOG_LEVEL") or "INFO").upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {
            "line": {
                "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s",
                "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            },
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "line",
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
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex[:16]


def _echo_request_id(response: Response) -> Response:
    if "request_id" in g:
        response.headers[REQUEST_ID_HEADER] = g.request_id
    return response


def register_logging(app: Flask) -> None:
    configure_logging()
    app.before_request(_assign_request_id)
    app.after_request(_echo_request_id)
