"""Accounts: login, logout, password reset, e-mail verification, invitations, account page."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from consult.auth import views  # noqa: E402,F401
