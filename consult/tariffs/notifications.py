"""The notifications of the tariff dialogue: the team's private question about a cost-price sheet to
the organisation, and the organisation's reply to the team."""
from __future__ import annotations

from flask_babel import gettext as _

from consult.notify import registry
from consult.notify.models import Kind


def _asked(d) -> tuple[str, list[str]]:
    return (_("A question about your cost-price sheet for “%(title)s”", title=d["consultation"]), [
        _("The project team asks your organisation a question about the cost-price sheet it submitted. "
          "Only your organisation and the team read the question and your reply.")])


def _replied(d) -> tuple[str, list[str]]:
    return (_("%(org)s replied about its cost-price sheet", org=d["organisation"]), [
        _("%(org)s replied to the team's question about its cost-price sheet for “%(title)s”.",
          org=d["organisation"], title=d["consultation"])])


registry.register_event(Kind.CHANGED, "sheet_question", _asked)
registry.register_event(Kind.WAITING, "sheet_reply", _replied)
