"""The append-only, hash-chained audit trail and its viewer."""
from flask import Blueprint

bp = Blueprint("audit", __name__)
