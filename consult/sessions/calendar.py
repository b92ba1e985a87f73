"""The iCalendar entry (RFC 5545) of a session: one stable UID per session, SEQUENCE raised by
every change, METHOD:CANCEL once the team cancels, times in UTC."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event

from consult.core.time import utcnow
from consult.sessions.models import DialogueSession


def session_uid(session: DialogueSession) -> str:
    """The same for every version of the session, so a calendar replaces its entry instead of
    adding a second one. The host part names this platform (BASE_URL), not the request's host."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "consult"
    return f"session-{session.id}@{host}"


def calendar_entry(session: DialogueSession, *, page_url: str) -> bytes:
    """The session as a calendar file: METHOD:PUBLISH while scheduled, METHOD:CANCEL (with
    STATUS:CANCELLED) once cancelled; SEQUENCE is the session's change count."""
    calendar = Calendar()
    calendar.add("prodid", "-//Consult//Dialogue sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if session.cancelled else "PUBLISH")
    event = Event()
    event.add("uid", session_uid(session))
    event.add("sequence", session.sequence)
    event.add("dtstamp", utcnow().replace(microsecond=0))
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("summary", session.title)
    description = [session.purpose.strip()] if session.purpose.strip() else []
    if session.online_link:
        description.append(session.online_link)
    description.append(page_url)
    event.add("description", "\n\n".join(description))
    location = ", ".join(line.strip() for line in session.address.splitlines() if line.strip())
    if location or session.online_link:
        event.add("location", location or session.online_link)
    event.add("url", session.online_link or page_url)
    event.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
