"""Dialogue: discussion threads per theme, moderation, and questions & answers for all."""
from flask import Blueprint

bp = Blueprint("dialogue", __name__)
