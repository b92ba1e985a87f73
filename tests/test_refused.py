"""One way to refuse: every feature's refusal is a ``Refused`` with its message, and a view shows it
on the form after rolling back what the service began."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField

from consult.advice.services import AdviceRefused
from consult.analysis.services import AnalysisRefused
from consult.consultations.services import ChangeRefused
from consult.core.refused import Refused, refuse_on
from consult.core.uploads import UploadRejected
from consult.dialogue.services import PostingRefused
from consult.extensions import db
from consult.orgs.models import Organisation, OrgKind
from consult.qa.services import QaNeedsConfirmation, QaRefused
from consult.reports.services import ReportRefused
from consult.responses.answers import AnswerError
from consult.strategy.services import StrategyRefused
from tests.conftest import make_org


def test_every_refusal_is_a_refused_with_its_message():
    for kind in (AdviceRefused, AnalysisRefused, ChangeRefused, UploadRejected, PostingRefused, QaRefused,
                 ReportRefused, AnswerError, StrategyRefused):
        refused = kind(_l("Not allowed"))
        assert isinstance(refused, Refused)
        assert str(refused) == "Niet toegestaan" and str(refused.message) == "Niet toegestaan"
        assert refused.field is None
    confirm = QaNeedsConfirmation([])
    assert isinstance(confirm, Refused) and str(confirm.message) == str(confirm) != ""
    assert StrategyRefused("Vul een geheel getal in", field="budget").field == "budget"


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField()


def test_refuse_on_rolls_back_and_shows_the_message_under_the_field_keeping_the_text(app):
    with app.test_request_context(method="POST", data={"name": "Mijn tekst"}):
        make_org("Blijft BV")
        form = NameForm()
        db.session.add(Organisation(name="Weg BV", kind=OrgKind.PROVIDER))
        db.session.flush()
        refuse_on(form.name, PostingRefused("Dit kan niet meer"))
        assert form.name.errors == ["Dit kan niet meer"]
        assert form.name.data == "Mijn tekst"
        assert sorted(db.session.scalars(db.select(Organisation.name))) == ["Blijft BV"]
        refuse_on(form.name, PostingRefused("Nog iets"))
        assert form.name.errors == ["Dit kan niet meer", "Nog iets"]
