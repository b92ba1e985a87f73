"""The notification reports sends: the consultation report published, to everyone registered."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult.notify import registry
from consult.notify.models import Kind
from consult.notify.services import audience


def _published(d) -> tuple[str, list[str]]:
    return (_("The consultation report of “%(title)s” has been published", title=d["consultation"]), [])


registry.register_kind(Kind.REPORT, owner="reports", label=_l("Consultation report published"),
                       describe=_published, recipients=audience)
