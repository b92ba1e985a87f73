"""The notifications sessions sends, to the registrant only: the confirmation (a seat or a place
on the waiting list), moving up from the waiting list, a change or cancellation by the team, and
the reminder the day before, the agenda and the minutes, and the answer to
a comment on the minutes. Each links the calendar file, which a calendar reads as an update of
the same entry."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult.core.templating import format_clock, format_day, format_deadline
from consult.notify import registry
from consult.notify.models import Kind
from consult.notify.services import moment


def _when(d) -> str:
    """"Thursday 17 December 2026 at 13:30 to 16:00" (a session starts and ends on one day)."""
    return _("%(start)s to %(end)s", start=moment(d["starts_at"], format_deadline), end=moment(d["ends_at"], format_clock))


def _calendar(d) -> str:
    return _("Add it to your calendar with this file:") + " " + d["calendar"]


def _registered(d) -> tuple[str, list[str]]:
    return (_("Registered for “%(session)s”", session=d["session"]), [
        _("You are registered for the session “%(session)s” of the consultation “%(title)s”.",
          session=d["session"], title=d["consultation"]),
        _when(d), _calendar(d)])


def _waiting(d) -> tuple[str, list[str]]:
    return (_("On the waiting list for “%(session)s”", session=d["session"]), [
        _("The session “%(session)s” is full. You are number %(n)s on the waiting list; when a seat comes "
          "free you move up automatically and we tell you.", session=d["session"], n=d["position"]),
        _when(d)])


def _moved_up(d) -> tuple[str, list[str]]:
    return (_("A seat for you at “%(session)s”", session=d["session"]), [
        _("A seat came free: you moved up from the waiting list and are now registered for “%(session)s”.",
          session=d["session"]),
        _when(d), _calendar(d)])


def _changed(d) -> tuple[str, list[str]]:
    return (_("“%(session)s” has changed", session=d["session"]), [
        _("The project team changed the session “%(session)s”. Check the time and place on its page.",
          session=d["session"]),
        _when(d), _("The calendar file updates your calendar entry:") + " " + d["calendar"]])


def _cancelled(d) -> tuple[str, list[str]]:
    return (_("“%(session)s” has been cancelled", session=d["session"]), [
        _("The project team cancelled the session “%(session)s” of the consultation “%(title)s”.",
          session=d["session"], title=d["consultation"]),
        _("This calendar file removes the entry from your calendar:") + " " + d["calendar"]])


def _reminder(d) -> tuple[str, list[str]]:
    return (_("Tomorrow: “%(session)s”", session=d["session"]), [
        _("A reminder: you are registered for the session “%(session)s”.", session=d["session"]),
        _when(d)])


def _agenda(d) -> tuple[str, list[str]]:
    return (_("Agenda of “%(session)s” published", session=d["session"]), [
        _("The project team published the agenda of the session “%(session)s”. If you cannot come, you can "
          "send written input per agenda item on the session's page.", session=d["session"]), _when(d)])


def _minutes(d) -> tuple[str, list[str]]:
    return (_("Minutes of “%(session)s” published", session=d["session"]), [
        _("The project team published the minutes of the session “%(session)s”.", session=d["session"])]
        + ([_("You can comment on each point up to and including %(day)s.",
              day=format_day(date.fromisoformat(d["comments_until"])))]
           if d.get("comments_until") else []))


def _comment_answered(d) -> tuple[str, list[str]]:
    return (_("Your comment on the minutes of “%(session)s” has been answered", session=d["session"]), [
        _("The project team answered your comment on point %(n)s of the minutes of the session “%(session)s”. "
          "Read the answer with the minutes.", n=d["point"], session=d["session"])])


def _registrant(registration) -> list:
    return [registration.user]


WORDINGS = {"registered": _registered, "waiting": _waiting, "moved_up": _moved_up, "changed": _changed,
            "cancelled": _cancelled, "reminder": _reminder, "agenda": _agenda, "minutes": _minutes,
            "comment_answered": _comment_answered}


def _describe(d) -> tuple[str, list[str]]:
    """Every event of the kind is this feature's own, so the kind words them all (by ``event``)."""
    return WORDINGS.get(d["event"], _registered)(d)


registry.register_kind(Kind.SESSION, owner="sessions", label=_l("Dialogue sessions you registered for"),
                       describe=_describe, recipients=_registrant)
