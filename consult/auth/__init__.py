"""Accounts: login, logout, password reset, e-mail verification, invitations, account page."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

