"""The tariff dialogue: each provider's benchmark, the team's view of the cost-price sheets, and
funding scenarios built on the cost prices."""
from flask import Blueprint

bp = Blueprint("tariffs", __name__)
