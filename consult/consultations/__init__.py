"""Consultations: planning, documents, themes and questions; publishing and closing."""
from flask import Blueprint

bp = Blueprint("consultations", __name__)

