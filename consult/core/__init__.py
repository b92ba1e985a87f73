"""Shared building blocks: layout, sanitising, time, htmx helpers, security, public pages."""
from flask import Blueprint

bp = Blueprint("core", __name__)

