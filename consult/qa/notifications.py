"""The notifications questions and answers sends: a published answer to everyone registered, and
to the project team what waits for it (the kind the team's notifications share; discussions word
their own events of it); and the part Q&A plays in who takes part in a consultation."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.consultations.notifications import team_users
from consult.extensions import db
from consult.notify import registry
from consult.notify.models import Kind
from consult.notify.services import audience
from consult.qa.models import QaItem


def _published(d) -> tuple[str, list[str]]:
    if d.get("lot"):  # about one lot: still told to everyone, at once
        return (_("Question %(n)s of “%(title)s” (lot %(lot)s) has been answered", n=d["n"], title=d["consultation"],
                  lot=d["lot"]), [d["question"]])
    return (_("Question %(n)s of “%(title)s” has been answered", n=d["n"], title=d["consultation"]), [d["question"]])


def _asked(d) -> tuple[str, list[str]]:
    return (_("New question about “%(title)s”", title=d["consultation"]), [
        _("A participant asked a question. Answer it and publish the answer to all participants at the "
          "same time.")])


def _askers(consultation) -> set[int]:
    return set(db.session.scalars(select(QaItem.asker_organisation_id).where(
        QaItem.consultation_id == consultation.id)))


registry.register_kind(Kind.QA, owner="qa", label=_l("New published questions and answers"),
                       describe=_published, recipients=audience)
registry.register_kind(Kind.WAITING, owner="qa",
                       label=_l("For the project team: reported messages, messages to approve and new questions"),
                       describe=_asked, recipients=team_users)
registry.register_participants("qa", _askers)
