"""Template globals and filters: the markdown filter, date formatting, permissions, nav."""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale

from consult.core.htmx import is_htmx
from consult.core.sanitize import render_markdown


def register_templating(app: Flask) -> None:
    from consult.permissions import PREDICATES

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["number2"] = lambda value: format_decimal(value, format="#,##0.##") if value is not None else ""
    app.jinja_env.filters["datetime"] = lambda value, fmt="long": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["date"] = lambda value, fmt="long": format_date(value, fmt) if value else ""
    app.jinja_env.globals.update(PREDICATES)
    app.jinja_env.globals["unread_notifications"] = _unread_notifications
    app.jinja_env.add_extension("jinja2.ext.loopcontrols")
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.tests["instance_of"] = isinstance

    @app.context_processor
    def _globals():
        return {
            "current_locale": str(get_locale()),
            "theme_class": current_app.config["THEME_CLASS"],
            "theme_stylesheet": current_app.config["THEME_STYLESHEET"],
            "site_name": current_app.config["SITE_NAME"],
            "idle_timeout_seconds": int(current_app.config["IDLE_TIMEOUT"].total_seconds()),
            "current_path": request.full_path.rstrip("?") if has_request_context() else "/",
            "is_htmx_request": is_htmx() if has_request_context() else False,
        }


def _unread_notifications(user) -> int:
    from consult.notify.services import unread_count

    return unread_count(user) if user and user.is_authenticated else 0
