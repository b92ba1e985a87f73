"""Dialogue tables (sessions): meetings the team schedules per consultation, with registration
on behalf of an organisation, a waiting list, calendar entries and attendance."""
from flask import Blueprint

bp = Blueprint("sessions", __name__)
