"""The procurement-strategy draft: general part, segments, evidence links, revisions, comments."""
from flask import Blueprint

bp = Blueprint("strategy", __name__)
