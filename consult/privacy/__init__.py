"""Personal data: the register of where it lives, export, erasure and retention (AVG/GDPR)."""
from flask import Blueprint

bp = Blueprint("privacy", __name__)
