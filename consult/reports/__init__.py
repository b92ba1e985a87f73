"""Exports and the published consultation report."""
from flask import Blueprint

bp = Blueprint("reports", __name__)
