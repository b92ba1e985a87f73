"""Template globals and filters: the markdown filter, dates and numbers, permissions, nav."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, has_request_context, request
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    format_time,
    get_locale,
    ngettext,
    pgettext,
)
from flask_babel import gettext as _
from jinja2 import pass_context

from consult.core.htmx import is_htmx
from consult.core.sanitize import render_markdown


def site_name(url: str) -> str:
    """The site an address points to, as people read it ("www.tenderned.nl")."""
    from urllib.parse import urlsplit

    return urlsplit(url or "").hostname or ""


def register_templating(app: Flask) -> None:
    """Core's own filters and globals; the features' (predicates, the unread count) are added by
    create_app, as core knows no feature."""
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["site_name"] = site_name
    filters = {
        "number": format_number, "amount": format_amount,
        "number2": format_number,  # the older name of |number
        # One style per kind of moment (see format_deadline and the three after it).
        "deadline": format_deadline, "moment": format_moment, "clock": format_clock, "day": format_day,
        # Older names, kept so a template written against them still renders in one of the styles
        # above; tests/test_words.py fails on templates that use them.
        "datetime": lambda value, fmt="medium": (format_clock if fmt == "HH:mm" else format_moment)(value),
        "date": lambda value, fmt="long": format_day(value),
        # Replaces Jinja's own filter, whose "9.6 kB" and "598 Bytes" are English on every page.
        "filesizeformat": format_file_size,
    }
    app.jinja_env.filters.update({name: _in_the_readers_language(f) for name, f in filters.items()})
    app.jinja_env.globals["formatting_examples"] = formatting_examples
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
            "current_path": request.full_path.rstrip("?") if has_request_context() else "/",
            "is_htmx_request": is_htmx() if has_request_context() else False,
        }


# --- formatting help ----------------------------------------------------------------------------

def formatting_examples() -> list[str]:
    """What a person can type in a text that is shown formatted, in their language.

    The "Opmaak" hint of every such field shows each example as typed and as the one sanitiser
    (core/sanitize.py) renders it, so the hint cannot promise a format that does not work.
    """
    italic = pgettext("formatting example", "italic")
    bold = pgettext("formatting example", "bold")
    points = pgettext("formatting example", "first point"), pgettext("formatting example", "second point")
    steps = pgettext("formatting example", "first step"), pgettext("formatting example", "second step")
    link = pgettext("formatting example", "text of the link")
    return [f"*{italic}*", f"**{bold}**", "- {}\n- {}".format(*points), "1. {}\n2. {}".format(*steps),
            f"[{link}](https://www.example.org)"]


# --- dates and times -------------------------------------------------------------------------
# Every moment is shown in Amsterdam time (BABEL_DEFAULT_TIMEZONE), to the minute, in the reader's
# language, in one of four styles chosen by what the moment is. Babel's own datetime widths add
# seconds and a time-zone name ("03:42:21", "Midden-Europese standaardtijd"); these never do.

def format_deadline(value: datetime | None) -> str:
    """A deadline or opening moment people plan for, with the weekday.

    nl "vrijdag 13 maart 2026 om 17:00", en "Friday, March 13, 2026 at 5:00 PM".
    """
    if not value:
        return ""
    return _("%(date)s at %(time)s", date=format_date(value, "full"), time=format_time(value, "short"))


def format_moment(value: datetime | None) -> str:
    """When something happened (a post, a save, a submission, a receipt, an audit event).

    nl "4 mrt 2026, 03:42", en "Mar 4, 2026, 3:42 AM".
    """
    if not value:
        return ""
    locale = get_locale()
    pattern = (locale.datetime_formats["medium"].replace("{1}", locale.date_formats["medium"].pattern)
               .replace("{0}", locale.time_formats["short"].pattern))
    return format_datetime(value, pattern)


def format_clock(value: datetime | None) -> str:
    """A time of today ("Concept opgeslagen om 09:15"): nl "09:15", en "9:15 AM"."""
    return format_time(value, "short") if value else ""


def format_day(value: date | datetime | None) -> str:
    """A calendar day (a phase, a due date, a retention date): nl "2 maart 2026", en "March 2, 2026"."""
    return format_date(value, "long") if value else ""


# --- numbers -----------------------------------------------------------------------------------

def format_number(value: float | int | None, decimals: int = 2) -> str:
    """A number in the reader's language, up to ``decimals`` places: nl "1.234,5", en "1,234.5"."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0." + "#" * decimals if decimals else "#,##0")


def format_amount(value: float | int | None, currency: str = "EUR") -> str:
    """An amount of money in the reader's language: nl "€ 1.234,50", en "€1,234.50"."""
    if value is None:
        return ""
    return format_currency(value, currency)


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


def _in_the_readers_language(function):
    """``function`` as a filter Jinja never evaluates while compiling a template.

    Jinja folds a filter applied to a literal (``10000|number``) into a constant when it compiles
    the template, in the language of the request that happened to compile it first; a filter that
    asks for the context is always run at render time, in the reader's language.
    """
    @pass_context
    def language_filter(_context, value, *args, **kwargs):
        return function(value, *args, **kwargs)

    return language_filter
