"""Response forms with fixed fields: starting, checking, submitting and withdrawing a response.

The answer forms of the theme pages are built from each consultation's own questions
(``consult.responses.answers`` reads and shows every kind of answer); the review page's form is
always the same two fields, so it is a form class.
"""
from __future__ import annotations

from types import SimpleNamespace

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from consult.core.forms import db_int, hidden_id
from consult.responses.models import Publication

PUBLICATION_MISSING = _l("Choose whether and how your answers may be published.")


class StartForm(FlaskForm):
    """The button that starts (or continues) the response of one of the person's organisations.
    ``organisation_id`` is that organisation; a value that is not a number reads as none (the view
    then takes the person's only organisation, or refuses); so does a number no organisation can have."""

    organisation_id = hidden_id()


class WithdrawForm(FlaskForm):
    """The Yes button of the withdraw page; only its confirmation ("1") withdraws, anything else
    (an old page, a crafted request) asks again."""

    confirm = HiddenField()

    @property
    def confirmed(self) -> bool:
        return self.confirm.data == "1"


class ReviewForm(FlaskForm):
    """Check and submit: the publication choice and the confirmation on behalf of the organisation.

    The choice may be left open while other problems are solved (it is kept once made); submitting
    needs one, which the service checks with everything else (``submit_problems``)."""

    publication = RadioField(_l("May your answers be published in the consultation report?"),
                             choices=lambda: [SelectChoice(p.value, p.label) for p in Publication],
                             validate_choice=False)
    confirm = BooleanField()

    def __init__(self, organisation_name: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_name = organisation_name
        self.confirm.label.text = _("I submit this response on behalf of %(org)s.", org=organisation_name)

    def validate_publication(self, field):
        if field.data not in (None, "") and field.data not in {p.value for p in Publication}:
            raise ValidationError(PUBLICATION_MISSING)

    def validate_confirm(self, field):
        if not field.data:
            raise ValidationError(_("Confirm that you want to submit the response on behalf of %(org)s.",
                                    org=self.organisation_name))

    @property
    def chosen(self) -> Publication | None:
        """The publication choice sent, when it is one of the options."""
        value = self.publication.data
        valid = value in {p.value for p in Publication} and not self.publication.errors
        return Publication(value) if valid else None


class PageProblems:
    """Problems with the response itself rather than with a field of the form (a required question
    not answered, nothing answered at all), for the shared error summary: each one links to the part
    of the page it is about, or is listed without a link when there is no such part."""

    def __init__(self, problems: list[tuple[str, str]], anchors: set[str]):
        self.fields = [SimpleNamespace(id=anchor, errors=[message], type="PageProblem")
                       for anchor, message in problems if anchor in anchors]
        self.form_errors = [message for anchor, message in problems if anchor not in anchors]

    def __iter__(self):
        return iter(self.fields)


class OfferFormBase(FlaskForm):
    """Which lots a care provider offers, and where: one group of checkboxes per lot, one box per
    municipality of that lot (see :func:`offer_form`)."""

    def pairs(self, lots) -> set[tuple[int, int]]:
        return {(lot.id, municipality_id) for lot in lots for municipality_id in (self[f"lot_{lot.id}"].data or [])}


def _lot_fields(lots) -> dict:
    """One group of checkboxes per lot, a box per municipality that procures it (``lot_<id>``)."""
    from consult.consultations.forms import MultiCheckboxField

    return {f"lot_{lot.id}": MultiCheckboxField(lot.name, coerce=int, description=lot.description,
                                                 choices=[SelectChoice(m.id, m.name) for m in lot.municipalities])
            for lot in lots}


def offer_form(response, **kwargs) -> OfferFormBase:
    """The offer form of the response's consultation, its boxes ticked as the response offers."""
    from consult.consultations.conditions import SIZE_LABELS
    from consult.responses.services import needs_size

    lots = response.consultation.lots
    fields: dict = {}
    if needs_size(response):  # first: some questions (or a short route) depend on it
        fields["size"] = RadioField(_l("How many people work for your organisation?"), coerce=db_int,
                                    choices=[SelectChoice(band, label) for band, label in SIZE_LABELS.items()],
                                    validators=[InputRequired(_l("Say how many people work for your organisation."))],
                                    description=_l("Count everyone on the payroll, part-timers included. Some questions "
                                                   "are only for larger organisations, so a small one has fewer to answer."))
    fields.update(_lot_fields(lots))
    form = type("OfferForm", (OfferFormBase,), fields)(**kwargs)
    if kwargs.get("formdata", True) is None or not form.is_submitted():
        for lot in lots:
            form[f"lot_{lot.id}"].data = [o.municipality_id for o in response.offer if o.lot_id == lot.id]
        if "size" in fields:
            form.size.data = response.size
    return form


class TryOutFormBase(OfferFormBase):
    """The profile the project team answers as, to try the questions out (see :func:`try_out_form`)."""

    kind = RadioField(_l("Answer as"), default="providers",
                      choices=[SelectChoice("providers", _l("A care provider")),
                               SelectChoice("councils", _l("An advisory council"))])


def try_out_form(consultation, **kwargs) -> TryOutFormBase:
    """The try-out's profile: a kind of organisation, a size and (with lots) what it offers where."""
    from consult.consultations.conditions import SIZE_LABELS

    fields: dict = {"size": RadioField(_l("Size of the care provider"), coerce=db_int, default=None,
                                       choices=[SelectChoice("", _l("Not said"))]
                                       + [SelectChoice(band, label) for band, label in SIZE_LABELS.items()],
                                       validate_choice=False)}
    fields.update(_lot_fields(consultation.lots))
    return type("TryOutForm", (TryOutFormBase,), fields)(**kwargs)
