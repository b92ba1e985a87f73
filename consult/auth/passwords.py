"""Password policy: long enough, not one of the most common passwords; no composition rules."""
from __future__ import annotations

from functools import cache
from importlib import resources

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from consult.core.limits import note_secret_check

MIN_LENGTH = 12
MAX_LENGTH = 256


@cache
def common_passwords() -> frozenset[str]:
    """The 1,000 most common passwords, shipped as data."""
    text = resources.files("consult").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problem(password: str) -> str | None:
    """Return why ``password`` is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return str(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        return str(_l("Use at most %(n)d characters.", n=MAX_LENGTH))
    if password.strip().lower() in common_passwords():
        return str(_l("This password is one of the most used passwords. Choose another one."))
    return None


def hash_password(password: str) -> str:
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; callers go through consult.auth.lockout.check_secret for the limits."""
    note_secret_check("password")
    if not password_hash:
        return False
    return check_password_hash(password_hash, password)
