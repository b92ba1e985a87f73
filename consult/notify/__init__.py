"""Notifications: the outbox of e-mail, the in-app list (bell) and each person's choices."""
from flask import Blueprint

bp = Blueprint("notify", __name__)
