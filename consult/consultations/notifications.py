"""The notifications consultations sends (its questions or deadline changed), the project team as
recipients of what waits for it, and what notify needs to know of a consultation: whether a person
may still hear of a consultation closed to invited organisations, and a consultation's title."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.consultations.models import Consultation, TeamRole
from consult.consultations.permissions import is_invited
from consult.core.templating import format_deadline
from consult.extensions import db
from consult.notify import registry
from consult.notify.models import Kind, Notification
from consult.notify.services import audience, moment, notify, participants


def team_users(consultation, *, editors_only: bool = False) -> list:
    return [m.user for m in consultation.team if not editors_only or m.role == TeamRole.EDITOR]


def tell_team(consultation, event: str, *, link: str, dedupe_key: str, data: dict[str, Any] | None = None,
              may_read=None) -> list[Notification]:
    """Tell the consultation's project team that something waits for it (a reported message, a
    message to approve, a new question): in the bell, and by e-mail as each member chose for
    :attr:`Kind.WAITING`. ``may_read(user)`` is the disclosure gate's answer for what ``data``
    names; a member it refuses is not told."""
    people = [user for user in team_users(consultation) if may_read is None or may_read(user)]
    return notify(people, Kind.WAITING, consultation=consultation, link=link, dedupe_key=dedupe_key,
                  data={"event": event, "consultation": consultation.title, **(data or {})})


def changed_recipients(consultation, change: str) -> list:
    """Changed questions concern those who take part; a new deadline everyone registered."""
    return audience(consultation) if change == "deadline" else participants(consultation)


def _changed(d) -> tuple[str, list[str]]:
    title = d["consultation"]
    if d["change"] == "deadline":
        return (_("New deadline for “%(title)s”", title=title), [
            _("The deadline of the consultation “%(title)s” is now %(when)s.",
              title=title, when=moment(d["closes_at"], format_deadline))])
    return (_("The questions of “%(title)s” have changed", title=title), [
        _("The project team changed the questions of the consultation “%(title)s”. "
          "Check your answers before you submit.", title=title)]
        + ([_("Reason given by the project team: %(reason)s", reason=d["reason"])] if d["reason"] else []))


def _titles(ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(select(Consultation.id, Consultation.title).where(Consultation.id.in_(ids))).all())


registry.register_kind(Kind.CHANGED, owner="consultations",
                       label=_l("Changed questions or deadline of a consultation you take part in"),
                       describe=_changed, recipients=changed_recipients)
registry.register_audience_gate("consultations", is_invited)
registry.register_consultation_titles(_titles)


# --- trajectories: asking to join an invitation-only round -------------------------------------

def _join_requested(d) -> tuple[str, list[str]]:
    return (_("%(org)s asks to join “%(title)s”", org=d["organisation"], title=d["consultation"]), [
        _("%(org)s asks to be invited to the consultation “%(title)s”. Grant or decline the request "
          "on the consultation's access page.", org=d["organisation"], title=d["consultation"])])


def _join_granted(d) -> tuple[str, list[str]]:
    return (_("%(org)s may take part in “%(title)s”", org=d["organisation"], title=d["consultation"]), [
        _("The project team granted the request: %(org)s is now invited to the consultation “%(title)s”.",
          org=d["organisation"], title=d["consultation"])]
        + ([_("Reason given by the project team: %(reason)s", reason=d["reason"])] if d["reason"] else []))


def _join_declined(d) -> tuple[str, list[str]]:
    return (_("Request to join “%(title)s” declined", title=d["consultation"]), [
        _("The project team declined the request of %(org)s to join the consultation “%(title)s”.",
          org=d["organisation"], title=d["consultation"]),
        _("Reason given by the project team: %(reason)s", reason=d["reason"])])


registry.register_event(Kind.WAITING, "join_requested", _join_requested)
registry.register_event(Kind.CHANGED, "join_granted", _join_granted)
registry.register_event(Kind.CHANGED, "join_declined", _join_declined)
