"""The team's export of a session's participants and waiting list (CSV, spreadsheet-safe cells)."""
from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from consult.core.cells import escape_cell
from consult.core.time import to_local
from consult.sessions.models import DialogueSession, Registration


class ParticipantsCsv:
    """One row per registration: seat or waiting place, organisation, person, attendance."""

    content_type = "text/csv; charset=utf-8"

    def __init__(self, session: DialogueSession, registered: list[Registration], waiting: list[Registration]):
        self.session, self.registered, self.waiting = session, registered, waiting

    @property
    def filename(self) -> str:
        return f"deelnemers-sessie-{self.session.id}.csv"

    def render(self) -> bytes:
        buffer = io.StringIO()
        buffer.write("\ufeff")  # spreadsheet programs read the UTF-8 names correctly
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow([_("Status"), _("Waiting list position"), _("Organisation"), _("Name"),
                         _("E-mail address"), _("Registered at"), _("Attendance")])
        attendance = {True: _("Attended"), False: _("Did not attend"), None: ""}
        for position, registration in [(None, r) for r in self.registered] + list(enumerate(self.waiting, start=1)):
            writer.writerow([registration.status.label, position or "", escape_cell(registration.organisation.name),
                             escape_cell(registration.user.name), escape_cell(registration.user.email),
                             to_local(registration.created_at).strftime("%Y-%m-%d %H:%M"),
                             attendance[registration.attended]])
        return buffer.getvalue().encode()
