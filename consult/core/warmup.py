"""Work a fresh process would otherwise do on its first requests, done once before gunicorn forks.

A new worker (at start, after a crash, or when it is recycled) inherits the master's memory. If the
master has already configured the mappers, compiled every template and loaded the translations,
the worker's first requests are as quick as its thousandth instead of paying for all that while a
person waits for an autosave.
"""
from __future__ import annotations

from flask import Flask
from flask_babel import force_locale, get_translations
from sqlalchemy.orm import configure_mappers


def warm(app: Flask) -> int:
    """Configure the ORM, compile all templates, load every language. Returns the templates compiled."""
    configure_mappers()
    env = app.jinja_env
    names = env.list_templates(filter_func=lambda name: name.endswith((".html", ".txt")))
    for name in names:
        env.get_template(name)
    with app.test_request_context():
        for code in app.config["LANGUAGES"]:
            with force_locale(code):
                get_translations()
    return len(names)
