"""Language and time zone selection: the user's choice, then the language cookie, then Dutch."""
from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user

LANGUAGE_COOKIE = "consult_lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands and jobs: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user = current_user._get_current_object()  # one lookup (it runs on every request)
    if user and user.is_authenticated and user.locale in languages:
        return user.locale
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in languages:
        return cookie
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
