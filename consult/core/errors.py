"""Friendly error pages in the user's language; never a traceback."""
from __future__ import annotations

import logging

from flask import Flask, g, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from consult.core.htmx import is_htmx
from consult.extensions import db

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("The request could not be processed"),
          _l("Something in the request was not right. Go back, reload the page and try again.")),
    403: (_l("No access"),
          _l("You do not have permission to do this. If you think this is a mistake, "
             "contact the project team of the consultation.")),
    404: (_l("Page not found"),
          _l("This page does not exist, or you do not have access to it. Check the address "
             "or go to the home page.")),
    405: (_l("Not allowed"), _l("This action is not possible on this page.")),
    413: (_l("File too large"),
          _l("The file you sent is larger than allowed. Make the file smaller and try again.")),
    429: (_l("Too many attempts"),
          _l("There were too many attempts in a short time. Wait a quarter of an hour and try "
             "again.")),
    503: (_l("Not saved"),
          _l("The database could not be reached for a moment, so this was not saved. What you "
             "typed is still in the form: go back and send it again. Sending twice is safe; it "
             "counts once.")),
    500: (_l("Something went wrong"),
          _l("An error occurred on our side. Your action may not have been completed. "
             "Try again in a moment; if the problem remains, contact us.")),
}


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    template = "errors/_error.html" if is_htmx() else "errors/error.html"
    # The request id (consult/core/logs.py) lets a helpdesk find the server's log line.
    return render_template(template, code=code, title=title, message=message, detail=detail,
                           reference=g.get("request_id")), code


def is_transient(error: DBAPIError) -> bool:
    """Whether trying again can help: a lost or refused connection, a lock or a busy database,
    a serialisation conflict. A missing table or a wrong statement stays wrong however often it runs."""
    if error.connection_invalidated or isinstance(error, (DisconnectionError, InterfaceError)):
        return True
    if not isinstance(error, OperationalError):
        return False
    text = str(error.orig).lower()
    return not any(permanent in text for permanent in ("no such table", "no such column", "syntax error",
                                                        "has no column", "does not exist"))


def register_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        detail = str(_l("The form had expired or was sent from elsewhere. Nothing was saved. "
                        "Go back, reload the page and send the form again."))
        return render_error(400, detail)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        """A lost connection or a busy database: nothing was saved, try again (503). Any other
        database error is a fault on our side that retrying will not cure (500, with a reference)."""
        transient = is_transient(error)
        log.error("Database error (%s), request not saved: %s", "transient" if transient else "permanent",
                  error.__class__.__name__, exc_info=error)
        try:
            db.session.rollback()
        except DBAPIError:
            db.session.remove()
        if not transient:
            return render_error(500)
        response, code = render_error(503)
        return response, code, {"Retry-After": "5"}

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        log.exception("Unhandled error")
        db.session.rollback()
        return render_error(500)
