"""Template globals and filters: the markdown filter, date formatting, permissions, nav."""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale, ngettext

from consult.core.htmx import is_htmx
from consult.core.sanitize import render_markdown


def register_templating(app: Flask) -> None:
    from consult.permissions import PREDICATES

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["number2"] = lambda value: format_decimal(value, format="#,##0.##") if value is not None else ""
    app.jinja_env.filters["datetime"] = format_datetime_minutes
    # Replaces Jinja's own filter, whose "9.6 kB" and "598 Bytes" are English on every page.
    app.jinja_env.filters["filesizeformat"] = format_file_size
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


NAMED_WIDTHS = ("short", "medium", "long", "full")


def format_datetime_minutes(value, fmt: str = "long") -> str:
    """A date and time in the reader's language, to the minute.

    Babel's named widths ("medium", "long", "full") add seconds and a time zone to the time; a
    reader needs neither (every time on the site is Amsterdam time), so a named width keeps its
    date and gets the short time ("4 mrt 2026, 03:42"). Explicit patterns ("HH:mm") pass as given.
    """
    if not value:
        return ""
    if fmt in NAMED_WIDTHS:
        locale = get_locale()
        fmt = (locale.datetime_formats[fmt].replace("{1}", locale.date_formats[fmt].pattern)
               .replace("{0}", locale.time_formats["short"].pattern))
    return format_datetime(value, fmt)


def format_file_size(size: int | None) -> str:
    """A file size in the reader's language with decimal units: "598 bytes", "9,6 kB" in Dutch."""
    if size is None:
        return ""
    if size < 1000:
        return ngettext("%(num)s byte", "%(num)s bytes", size)
    value = size / 1000
    for unit in ("kB", "MB", "GB"):
        if round(value, 1) < 1000 or unit == "GB":
            break
        value /= 1000
    return f"{format_decimal(value, format='#,##0.#')}\N{NO-BREAK SPACE}{unit}"


def _unread_notifications(user) -> int:
    from consult.notify.services import unread_count

    return unread_count(user) if user and user.is_authenticated else 0
