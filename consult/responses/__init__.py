"""Responses: one per organisation per consultation, drafted together, submitted with a receipt."""
from flask import Blueprint

bp = Blueprint("responses", __name__)

from consult.responses import views  # noqa: E402,F401
