"""Organisations, memberships, invitations and a provider's own registration."""
from flask import Blueprint

bp = Blueprint("orgs", __name__)

