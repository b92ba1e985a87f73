"""Platform administration: users, organisations, invitations and roles."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from consult.admin import views  # noqa: E402,F401
