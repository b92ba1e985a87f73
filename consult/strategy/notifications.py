"""The notification the procurement strategy sends: its draft shared with the councils (an advice
notification, so a council member chooses once how to hear of everything about advice)."""
from __future__ import annotations

from flask_babel import gettext as _

from consult.notify import registry
from consult.notify.models import Kind


def _shared(d) -> tuple[str, list[str]]:
    return (_("The procurement-strategy draft of “%(title)s” is shared with the councils", title=d["consultation"]), [
        _("You can read the draft and comment on each part.")])


registry.register_event(Kind.ADVICE, "strategy_shared", _shared)
