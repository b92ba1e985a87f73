"""Shared building blocks: layout, sanitising, time, htmx helpers, security, public pages."""
from flask import Blueprint

bp = Blueprint("core", __name__)

from consult.core import views  # noqa: E402,F401
