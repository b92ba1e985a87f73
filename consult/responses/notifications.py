"""The notifications responses sends: the receipt of a submission and the deadline reminder for
an unsubmitted draft; and the part responses plays in who takes part in a consultation."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.consultations.models import Consultation, Status
from consult.core.templating import format_deadline
from consult.core.time import to_local, utcnow
from consult.extensions import db
from consult.notify import registry
from consult.notify.models import Kind
from consult.notify.services import moment, notify, organisation_users, url_path
from consult.responses.models import Response, ResponseStatus


def organisation_of(response: Response) -> list:
    """Who hears of a response (its receipt, a reminder of its draft): every member of its organisation."""
    return organisation_users([response.organisation_id])


def _receipt(d) -> tuple[str, list[str]]:
    return (_("Receipt: response of %(org)s submitted", org=d["org"]), [
        _("The response of %(org)s to the consultation “%(title)s” was submitted on %(when)s "
          "(revision %(n)s).", org=d["org"], title=d["consultation"], when=moment(d["when"]), n=d["n"]),
        _("Receipt code") + ": " + d["code"],
        _("Anyone can check the code at:") + " " + d["verify"],
        _("You can change the answers and submit again until the deadline."),
    ])


def _reminder(d) -> tuple[str, list[str]]:
    days = int(d["days"] or 0)
    return (ngettext("%(num)d day left to submit to “%(title)s”",
                     "%(num)d days left to submit to “%(title)s”", days, title=d["consultation"]), [
        _("%(org)s has a draft response that has not been submitted. The deadline is %(when)s.",
          org=d["org"], when=moment(d["closes_at"], format_deadline)),
        _("Only submitted responses are taken into account.")])


def _responding_organisations(consultation) -> set[int]:
    return set(db.session.scalars(select(Response.organisation_id).where(
        Response.consultation_id == consultation.id)))


def send_reminders(now: datetime | None = None) -> int:
    """Remind organisations with an unsubmitted draft 7 days and 1 day before the deadline.

    Each (consultation, window, person) is reminded once, however often the command runs.
    """
    now = now or utcnow()
    windows = sorted(current_app.config["REMINDER_DAYS"])
    count = 0
    for consultation in db.session.scalars(select(Consultation).where(
            Consultation.status == Status.OPEN, Consultation.closes_at > now)):
        days_left = (to_local(consultation.closes_at).date() - to_local(now).date()).days
        window = next((w for w in windows if days_left <= w), None)
        if window is None:
            continue
        drafts = db.session.scalars(select(Response).where(
            Response.consultation_id == consultation.id, Response.status == ResponseStatus.DRAFT)
            .options(selectinload(Response.organisation))).all()
        for response in drafts:
            created = notify(
                organisation_of(response), Kind.REMINDER,
                consultation=consultation,
                data={"consultation": consultation.title, "days": max(days_left, 0),
                      "org": response.organisation.name, "closes_at": consultation.closes_at.isoformat()},
                link=url_path("responses.overview", response_id=response.id),
                dedupe_key=f"reminder:{consultation.id}:{window}:{response.organisation_id}")
            count += len(created)
    return count


registry.register_kind(Kind.RECEIPT, owner="responses", label=_l("Receipts for your organisation's submissions"),
                       describe=_receipt, recipients=organisation_of)
registry.register_kind(Kind.REMINDER, owner="responses", label=_l("Deadline reminders for an unsubmitted draft"),
                       describe=_reminder, recipients=organisation_of)
registry.register_participants("responses", _responding_organisations)
