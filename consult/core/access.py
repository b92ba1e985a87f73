"""Shared answers for requests that may not see something."""
from __future__ import annotations

from flask import abort
from flask_login import current_user


def deny_hidden():
    """Anonymous visitors go to the login page; logged-in users get 404, which does not reveal
    that the thing exists."""
    from consult.extensions import login_manager

    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    abort(404)


def like_contains(text: str) -> str:
    """A case-insensitive LIKE pattern that matches ``text`` literally (use with escape='\\\\')."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
