"""The home page: the front page for visitors, and after logging in each person's overview."""
from flask import Blueprint

bp = Blueprint("home", __name__)
