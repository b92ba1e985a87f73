"""The funding scenario form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FormField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from consult.consultations.forms import NumberField as LocalNumberField
from consult.core.forms import DatabaseIntField, RowList, strip
from consult.disclosure.statistics import PERCENTILES
from consult.tariffs.models import SCENARIO_FORM_LABELS, ScenarioForm, TariffBasis


class MunicipalityFields(FlaskForm):
    """The expected quantities of one municipality (labelled with its name by the template)."""

    class Meta:
        csrf = False

    municipality_id = DatabaseIntField()
    volume = LocalNumberField(_l("Expected volume per year (units)"), validators=[Optional(), NumberRange(0, 1e9)])
    amount = LocalNumberField(_l("Lump sum per year (€)"), validators=[Optional(), NumberRange(0, 1e11)])
    clients = LocalNumberField(_l("Expected clients per year"), validators=[Optional(), NumberRange(0, 1e8)])


class ScenarioFormFields(FlaskForm):
    name = StringField(_l("Name of the scenario"), filters=[strip],
                       validators=[InputRequired(_l("Give the scenario a name.")), Length(max=200)],
                       description=_l("For example: Prijs × volume op het 60e percentiel."))
    product = SelectField(_l("Product"), choices=[], validate_choice=False)
    form = RadioField(_l("Funding form"), default=ScenarioForm.PRICE_QUANTITY.value,
                      choices=[SelectChoice(f.value, label) for f, label in SCENARIO_FORM_LABELS.items()])
    basis = RadioField(_l("Tariff derived from the cost prices as"), default=TariffBasis.PERCENTILE.value,
                       choices=[SelectChoice(TariffBasis.PERCENTILE.value, _l("a percentile")),
                                SelectChoice(TariffBasis.WEIGHTED_MEAN.value,
                                             _l("the mean weighted by the volume each provider expects"))])
    percentile = IntegerField(_l("Percentile"), default=50,
                              validators=[Optional(), NumberRange(*PERCENTILES, message=_l(
                                  "Choose a percentile from %(low)s to %(high)s: never the lowest or highest cost "
                                  "price.", low=PERCENTILES[0], high=PERCENTILES[1]))],
                              description=_l("For price × quantity with a percentile: 60 pays a tariff at or above the "
                                             "cost price of about 60 per cent of the providers."))
    client_price = LocalNumberField(_l("Price per client per year (€)"), validators=[Optional(), NumberRange(0, 1e9)],
                                    description=_l("For output-based funding."))
    indexation = LocalNumberField(_l("Indexation per year (%)"), default=0, validators=[Optional(), NumberRange(0, 25)])
    years = IntegerField(_l("Contract period (years)"), default=4,
                         validators=[InputRequired(_l("Give the contract period in years.")), NumberRange(1, 10)])
    municipalities = RowList(FormField(MunicipalityFields), min_entries=0, max_entries=100)
    version = DatabaseIntField(validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        """What one funding form needs besides the fields' own checks (an empty optional field stops
        its own validators, so these are checked here)."""
        valid = super().validate(extra_validators)
        if self.form.data == ScenarioForm.OUTPUT.value and self.client_price.data is None \
                and not self.client_price.errors:
            self.client_price.errors = [*self.client_price.errors,
                                        _l("Give the price per client per year for output-based funding.")]
            valid = False
        if self.form.data == ScenarioForm.PRICE_QUANTITY.value and self.basis.data == TariffBasis.PERCENTILE.value \
                and self.percentile.data is None and not self.percentile.errors:
            self.percentile.errors = [*self.percentile.errors, _l("Give the percentile, from %(low)s to %(high)s.",
                                                                  low=PERCENTILES[0], high=PERCENTILES[1])]
            valid = False
        return valid


class SheetQuestionForm(FlaskForm):
    body = TextAreaField(_l("Your question"), filters=[strip],
                         validators=[DataRequired(_l("Write your question.")), Length(max=4000)],
                         description=_l("Only this organisation and the project team read it."))


class SheetReplyForm(FlaskForm):
    body = TextAreaField(_l("Your reply"), filters=[strip],
                         validators=[DataRequired(_l("Write your reply.")), Length(max=4000)],
                         description=_l("Only the project team reads it."))
