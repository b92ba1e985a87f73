"""Platform administration: users, organisations, invitations and roles."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

