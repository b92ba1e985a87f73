"""Questions and answers (nota van inlichtingen): asked privately, published to all at once."""
from flask import Blueprint

bp = Blueprint("qa", __name__)
