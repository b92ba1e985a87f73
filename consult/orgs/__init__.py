"""Organisations, memberships, invitations and a provider's own registration."""
from flask import Blueprint

bp = Blueprint("orgs", __name__)

from consult.orgs import views  # noqa: E402,F401
