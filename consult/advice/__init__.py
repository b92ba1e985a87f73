"""Formal advice of Wmo advisory councils, the municipality's reply, and council comments."""
from flask import Blueprint

bp = Blueprint("advice", __name__)
