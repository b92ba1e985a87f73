"""Responses: one per organisation per consultation, drafted together, submitted with a receipt."""
from flask import Blueprint

bp = Blueprint("responses", __name__)

