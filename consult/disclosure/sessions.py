"""Dialogue sessions: who is named with what was said.

The team attributes a minutes point to an organisation, and every written input and comment comes
from one. Outside the team an organisation is named only where it agreed: each registrant says on
registering (and may change it later) whether their organisation may be named, and an organisation
counts as agreeing only while every one of its active registrations for the session agrees. Others
read "a participant" instead. The team always sees the name; a participant also sees the name of
their own organisation.

Written input is the organisation's own text for the team. With it the organisation makes the
answers' publication choice: with our name, without our name, or do not publish (the default).
Its words leave the team only as a key quote the team marked, and only when the choice allows
publication; the organisation is named with the quote, and with what the municipality did with
the input, only when it chose "with our name" (the consent for the minutes does not apply).
"""
from __future__ import annotations

from collections.abc import Collection, Iterable

from flask_babel import gettext as _

from consult.disclosure import Audience
from consult.responses.models import Publication


def consenting_organisations(registrations: Iterable) -> set[int]:
    """The ids of the organisations that agreed to be named, from a session's active registrations
    (objects or rows with ``organisation_id`` and ``may_name_organisation``): an organisation agrees
    only when all of its registrations do."""
    agreed: dict[int, bool] = {}
    for registration in registrations:
        agreed[registration.organisation_id] = agreed.get(registration.organisation_id, True) \
            and bool(registration.may_name_organisation)
    return {org_id for org_id, yes in agreed.items() if yes}


def may_name(organisation_id: int | None, consenting: Collection[int], audience: Audience,
             own: Collection[int] = ()) -> bool:
    """May the organisation be named with what it said, for this audience? ``own``: the viewer's
    own organisations (a participant always sees their own organisation's name)."""
    if organisation_id is None:
        return False
    if audience == Audience.TEAM:
        return True
    return organisation_id in consenting or (audience == Audience.PARTICIPANT and organisation_id in own)


def attribution(organisation, consenting: Collection[int], audience: Audience, own: Collection[int] = ()) -> str:
    """Who said it, as this audience may read it: the organisation's name, or "a participant"
    (also when no organisation is given, as for a point the team attributed to nobody)."""
    if organisation is not None and may_name(organisation.id, consenting, audience, own):
        return organisation.name
    return _("a participant")


def may_show_minutes(session, audience: Audience) -> bool:
    """The minutes leave the team once published, never those of a cancelled session."""
    if audience == Audience.TEAM:
        return True
    return session.minutes_published_at is not None and session.status != "cancelled"


def may_publish_written_input(publication: str | Publication | None, audience: Audience) -> bool:
    """May words of a written input (a key quote) reach ``audience``? Only the team, unless the
    organisation chose to publish (with or without its name); no choice counts as "do not publish"."""
    if audience == Audience.TEAM:
        return True
    return bool(publication) and Publication(publication) != Publication.NONE


def written_input_attribution(written, audience: Audience) -> str:
    """Whose written input, as ``audience`` may read it: the organisation's name for the team, and
    outside it only when the organisation chose "with our name"; otherwise "a participant"."""
    if audience == Audience.TEAM or (written.publication and Publication(written.publication) == Publication.NAMED):
        return written.organisation.name
    return _("a participant")
