"""The notifications advice sends: a request to a council, the council's receipt, the submitted
advice to the team's editors and the published reply to everyone registered; and the councils
asked for advice as part of who takes part in a consultation."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult.advice.permissions import requested_council_ids
from consult.core.templating import format_day
from consult.notify import registry
from consult.notify.models import Kind
from consult.notify.services import moment, organisation_users


def council_of(advice) -> list:
    """Who hears of advice first: every member of the council asked (request, receipt; the reply
    goes to them and to everyone registered, as the disclosure gate allows)."""
    return organisation_users([advice.council_id])


def _advice(d) -> tuple[str, list[str]]:
    title = d["consultation"]
    due = format_day(date.fromisoformat(d["due"])) if d["due"] else ""
    if d["event"] == "requested":
        return (_("Advice requested on “%(title)s”", title=title), [
            _("The project team asks %(council)s for formal advice. Please submit it by %(due)s.",
              council=d["council"], due=due)])
    if d["event"] == "receipt":
        return (_("Receipt: advice of %(council)s submitted", council=d["council"]), [
            _("The advice of %(council)s on “%(title)s” was submitted on %(when)s.",
              council=d["council"], title=title, when=moment(d["when"])),
            _("Receipt code") + ": " + d["code"]])
    if d["event"] == "submitted":
        return (_("%(council)s submitted its advice on “%(title)s”", council=d["council"], title=title), [
            _("Write the municipality's reply point by point and publish it.")])
    return (_("Reply to the advice of %(council)s published", council=d["council"]), [
        _("The advice on “%(title)s” and the municipality's reply are now visible to all participants.",
          title=title)])


registry.register_kind(Kind.ADVICE, owner="advice", label=_l("Advice requested, submitted and replied to"),
                       describe=_advice, recipients=council_of)
registry.register_participants("advice", requested_council_ids)
