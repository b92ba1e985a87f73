"""Analysis of the submitted input: tags, excerpts, key quotes, syntheses and statistics."""
from flask import Blueprint

bp = Blueprint("analysis", __name__)
