"""Consultation forms: one per use case. Forms validate; services save."""
from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from consult.auth.forms import email_field
from consult.consultations.models import (
    AUDIENCE_LABELS,
    QUESTION_KIND_LABELS,
    TEAM_ROLE_LABELS,
    Audience,
    QuestionKind,
)
from consult.core.forms import DatabaseIntField, db_int, strip
from consult.core.numbers import NumberRefused, format_number, parse_number

MAX_TEXT = 20_000


def lines(value):
    """A textarea with one item per line → a list without empty lines."""
    if isinstance(value, list):
        return value
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class LinesField(TextAreaField):
    def _value(self):
        return "\n".join(self.data or []) if isinstance(self.data, list) else (self.data or "")

    def process_formdata(self, valuelist):
        self.data = lines(valuelist[0] if valuelist else "")


class NumberField(DecimalField):
    """A number as people write it, Dutch or English (45,50 · 1.234,56 · 1,234.56): read the way an
    answer to a number question is read (consult.core.numbers.parse_number), in a text field (a
    browser's number field refuses "1.234,56") that shows it again unrounded, in the reader's notation."""

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(*args, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format_number(float(self.data), grouped=False) if self.data is not None else ""

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = Decimal(str(parse_number(str(valuelist[0]))))
        except NumberRefused as problem:
            self.data = None
            raise ValueError(str(problem.message)) from None


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def reason_field():
    return TextAreaField(
        _l("Reason for the change"), filters=[strip], validators=[Optional(), Length(max=2000)],
        description=_l("Required once the consultation is open. Participants who started a "
                       "response are told what changed and why."))


class NewConsultationForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip],
                        validators=[InputRequired(_l("Enter a title.")), Length(max=200)])
    municipalities = MultiCheckboxField(_l("Commissioning municipalities"), coerce=int,
                                        validators=[InputRequired(_l("Choose at least one municipality."))])


class DetailsForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip],
                        validators=[InputRequired(_l("Enter a title.")), Length(max=200)])
    slug = StringField(_l("Web address"), filters=[strip, lambda v: v.lower() if isinstance(v, str) else v],
                       validators=[Optional(), Length(min=3, max=80),
                                   Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                                          message=_l("Use lower-case letters, digits and hyphens, like wmo-2027."))],
                       description=_l("The last part of the address of the consultation page. "
                                      "It can only be changed before publication."))
    municipalities = MultiCheckboxField(_l("Commissioning municipalities"), coerce=int,
                                        validators=[InputRequired(_l("Choose at least one municipality."))])
    summary = TextAreaField(_l("Summary"), filters=[strip], validators=[Length(max=1000)],
                            description=_l("One or two sentences for the list of consultations."))
    introduction = TextAreaField(_l("Introduction"), filters=[strip], validators=[Length(max=MAX_TEXT)])
    principles = LinesField(_l("Guiding principles"), validators=[Length(max=MAX_TEXT)],
                            description=_l("One principle per line, in order."))
    contact_name = StringField(_l("Contact person"), filters=[strip], validators=[Length(max=200)])
    contact_email = StringField(_l("Contact e-mail address"), filters=[strip],
                                validators=[Optional(), Length(max=254),
                                            Email(_l("Enter an e-mail address like name@example.nl."))])
    contact_phone = StringField(_l("Contact telephone number"), filters=[strip], validators=[Length(max=40)])
    opens_at_date = DateField(_l("Opens on (date)"), validators=[Optional()])
    opens_at_time = TimeField(_l("Opens at (time)"), validators=[Optional()])
    closes_at_date = DateField(_l("Deadline (date)"), validators=[Optional()],
                               description=_l("Dutch time (Europe/Amsterdam)."))
    closes_at_time = TimeField(_l("Deadline (time)"), validators=[Optional()])
    threads_public = BooleanField(_l("Anyone may read the discussion (read-only, without logging in)"))
    premoderation = BooleanField(_l("A moderator approves messages before others see them"))

    def validate_closes_at_time(self, field):
        if bool(self.closes_at_date.data) != bool(field.data):
            raise ValidationError(_l("Enter both the date and the time of the deadline."))

    def validate_opens_at_time(self, field):
        if bool(self.opens_at_date.data) != bool(field.data):
            raise ValidationError(_l("Enter both the date and the time of opening."))


class AccessForm(FlaskForm):
    """Public (the default for a market consultation) or closed to the organisations chosen."""

    access = RadioField(_l("Who may read the consultation"), choices=[
        SelectChoice("public", _l("Public: anyone reads what is published, also without an account, and every "
                                  "care provider and advisory council may take part")),
        SelectChoice("closed", _l("Closed: only the invited organisations below see the consultation and take part")),
    ], validators=[InputRequired(_l("Choose whether the consultation is public or closed."))])
    organisations = MultiCheckboxField(_l("Invited organisations"), coerce=int)

    def validate_organisations(self, field):
        if self.access.data == "closed" and not field.data:
            raise ValidationError(_l("Choose at least one organisation to invite, or make the consultation public."))


class TeamMemberForm(FlaskForm):
    email = email_field(_l("E-mail address of the team member"))
    role = SelectField(_l("Role in the project team"),
                       choices=[SelectChoice(r.value, label) for r, label in TEAM_ROLE_LABELS.items()])


class PhaseForm(FlaskForm):
    name = StringField(_l("Phase"), filters=[strip],
                       validators=[InputRequired(_l("Enter the name of the phase.")), Length(max=200)])
    description = TextAreaField(_l("Description"), filters=[strip], validators=[Length(max=2000)])
    starts_on = DateField(_l("Starts on"), validators=[InputRequired(_l("Enter the start date."))])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date cannot be before the start date."))


class DocumentForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip],
                        validators=[InputRequired(_l("Enter a title.")), Length(max=200)])
    description = TextAreaField(_l("Description"), filters=[strip], validators=[Length(max=2000)])
    file = FileField(_l("File"), description=_l("PDF, ODT, ODS, DOCX or XLSX."))


class ReplaceDocumentForm(FlaskForm):
    file = FileField(_l("New version"), description=_l("PDF, ODT, ODS, DOCX or XLSX. The old version stays available."))


class ConditionFields(FlaskForm):
    """"Ask only if": the rules of a question's or theme's condition (consult.consultations.conditions).
    The view sets the choices (the earlier questions, sizes and lots) and reads the condition with
    :func:`consult.consultations.views.read_condition`; nothing ticked: asked of everyone."""

    condition_rules = MultiCheckboxField(_l("Ask only if"), choices=[], validate_choice=False)
    condition_number_question = SelectField(_l("The answer to"), coerce=db_int, choices=[], validate_choice=False)
    condition_number_op = SelectField(_l("is"), choices=[SelectChoice("at_least", _l("at least")),
                                                        SelectChoice("at_most", _l("at most"))], validate_choice=False)
    condition_number_value = NumberField(_l("the number"), validators=[Optional(), NumberRange(-1e12, 1e12)])
    condition_match = RadioField(_l("With more than one condition"), validate_choice=False, default="all",
                                 choices=[SelectChoice("all", _l("all must hold")),
                                          SelectChoice("any", _l("one is enough"))])


class ThemeForm(ConditionFields):
    title = StringField(_l("Title of the theme"), filters=[strip],
                        validators=[InputRequired(_l("Enter a title.")), Length(max=200)])
    introduction = TextAreaField(_l("Introduction"), filters=[strip], validators=[Length(max=MAX_TEXT)])
    reason = reason_field()
    version = DatabaseIntField(validators=[Optional()])  # of the theme being changed, as the form showed it


class ReasonForm(FlaskForm):
    reason = reason_field()


class QuestionForm(ConditionFields):
    text = TextAreaField(_l("Question"), filters=[strip],
                         validators=[InputRequired(_l("Enter the question.")), Length(max=2000)])
    help_text = TextAreaField(_l("Explanation"), filters=[strip], validators=[Length(max=MAX_TEXT)],
                              description=_l("Shown below the question."))
    kind = SelectField(_l("Kind of answer"),
                       choices=[SelectChoice(k.value, label) for k, label in QUESTION_KIND_LABELS.items()])
    options = LinesField(_l("Options"), description=_l(
        "One per line: the options of a choice or ranking question, the rows of a matrix, the products of a price "
        "table or cost-price sheet (a product's unit after a bar: “Individuele begeleiding | uur”)."))
    scale_low_label = StringField(_l("Label for 1"), filters=[strip], validators=[Length(max=100)])
    scale_high_label = StringField(_l("Label for 5"), filters=[strip], validators=[Length(max=100)])
    unit = StringField(_l("Unit"), filters=[strip], validators=[Length(max=40)],
                       description=_l("For numbers, for example: € per hour; for a price table or cost-price sheet, the unit "
                                      "of the products that name none, for example: hour."))
    min_value = NumberField(_l("Lowest allowed number"), validators=[Optional(), NumberRange(-1e12, 1e12)])
    max_value = NumberField(_l("Highest allowed number"), validators=[Optional(), NumberRange(-1e12, 1e12)])
    audience = RadioField(_l("Who answers this question?"),
                          choices=[SelectChoice(a.value, label) for a, label in AUDIENCE_LABELS.items()],
                          default="providers")
    required = BooleanField(_l("An answer is required"))
    required_reason = TextAreaField(
        _l("Why is an answer required?"), filters=[strip], validators=[Length(max=2000)],
        description=_l("A market consultation asks; it does not demand. Only make a question "
                       "required when you can say why it is proportionate."))
    confidential_default = BooleanField(_l("Answers are confidential unless the respondent says otherwise"),
                                        description=_l("For example cost prices."))
    # The hint names the threshold from the configuration, so the template writes it.
    confidential_in_totals = BooleanField(_l("Confidential answers may count in published rounded totals"))
    # Offered only when the consultation is a later round of a trajectory (the view sets the choices).
    same_as = SelectField(_l("The same question as in an earlier round"), coerce=db_int, choices=[],
                          validate_choice=False,
                          description=_l("A care provider starting its response may then copy its submitted "
                                         "answer to that question of the earlier round."))
    # Offered only when the consultation has lots or municipalities (the view sets the choices).
    # Checked by the view against the consultation's lots (scope_problem), as the choices may be none.
    lot = SelectField(_l("Asked for the lot"), coerce=db_int, choices=[], validate_choice=False,
                      description=_l("Only care providers that offer this lot get the question."))
    municipality = SelectField(_l("Asked for the municipality"), coerce=db_int, choices=[], validate_choice=False,
                               description=_l("Only care providers that work in this municipality get the question. With a lot "
                                               "chosen: one of the municipalities that procure that lot."))
    reason = reason_field()
    version = DatabaseIntField(validators=[Optional()])  # of the question being changed, as the form showed it

    def validate_options(self, field):
        kind = self.kind.data
        options = field.data or []
        if kind in (QuestionKind.SINGLE.value, QuestionKind.MULTIPLE.value) and len(options) < 2:
            raise ValidationError(_l("A choice question needs at least two options, one per line."))
        if kind in (QuestionKind.RANKING.value, QuestionKind.MATRIX.value) and len(options) < 2:
            raise ValidationError(_l("A ranking or matrix needs at least two options or rows, one per line."))
        if kind in (QuestionKind.PRICE_TABLE.value, QuestionKind.COST_PRICE.value) and not options:
            raise ValidationError(_l("A price table or cost-price sheet needs at least one product, one per line."))
        if kind in (QuestionKind.RANKING.value, QuestionKind.MATRIX.value, QuestionKind.PRICE_TABLE.value,
                    QuestionKind.COST_PRICE.value):
            names = [option.partition("|")[0].strip().casefold() for option in options]
            if len(set(names)) < len(names):
                raise ValidationError(_l("Name each option, row or product once."))
            if any(len(option) > 200 for option in options):
                raise ValidationError(_l("Keep each option, row or product to at most 200 characters."))

    def validate_required_reason(self, field):
        if self.required.data and not field.data:
            raise ValidationError(_l("Say why an answer to this question is required."))

    def validate_max_value(self, field):
        if field.data is not None and self.min_value.data is not None and field.data < self.min_value.data:
            raise ValidationError(_l("The highest number cannot be lower than the lowest number."))

    def question_fields(self) -> dict:
        kind = QuestionKind(self.kind.data)
        return {
            "text": self.text.data, "help_text": self.help_text.data, "kind": kind,
            "options": self.options.data if kind.has_options else [],
            "scale_low_label": self.scale_low_label.data if kind.has_scale else "",
            "scale_high_label": self.scale_high_label.data if kind.has_scale else "",
            "unit": self.unit.data if kind == QuestionKind.NUMBER or kind.has_rows else "",
            "min_value": float(self.min_value.data) if kind == QuestionKind.NUMBER and self.min_value.data is not None else None,
            "max_value": float(self.max_value.data) if kind == QuestionKind.NUMBER and self.max_value.data is not None else None,
            **_kind_rules(kind, self),
            **({"same_as_id": self.same_as.data} if self.same_as.choices else {}),
            **({"lot_id": self.lot.data} if self.lot.choices else {}),
            **({"municipality_id": self.municipality.data} if self.municipality.choices else {}),
        }


def _kind_rules(kind: QuestionKind, form: QuestionForm) -> dict:
    """Who answers and how confidential the answers are; a cost-price sheet is asked of care providers
    and always confidential, counting only in rounded figures of enough organisations."""
    if kind == QuestionKind.COST_PRICE:
        return {"audience": Audience.PROVIDERS, "required": form.required.data,
                "required_reason": form.required_reason.data if form.required.data else "",
                "confidential_default": True, "confidential_in_totals": True}
    return {"audience": Audience(form.audience.data), "required": form.required.data,
            "required_reason": form.required_reason.data if form.required.data else "",
            "confidential_default": form.confidential_default.data,
            "confidential_in_totals": form.confidential_in_totals.data and kind.aggregates}


class LotForm(FlaskForm):
    name = StringField(_l("Name of the lot"), filters=[strip],
                       validators=[InputRequired(_l("Give the lot a name.")), Length(max=120)],
                       description=_l("For example: Begeleiding, or Hulpmiddelen en woningaanpassingen."))
    description = TextAreaField(_l("Description"), filters=[strip], validators=[Length(max=MAX_TEXT)],
                                description=_l("What the lot covers, in a sentence or two."))
    municipalities = MultiCheckboxField(_l("Municipalities that procure this lot"), coerce=int,
                                        validators=[InputRequired(_l("Choose at least one municipality."))])
    reason = reason_field()


class ExtendForm(FlaskForm):
    closes_at_date = DateField(_l("New deadline (date)"), validators=[InputRequired(_l("Enter the date."))])
    closes_at_time = TimeField(_l("New deadline (time)"), validators=[InputRequired(_l("Enter the time."))])


class ProcurementForm(FlaskForm):
    """The procurement notice this consultation prepared (any time after publication)."""

    procurement_notice = StringField(
        _l("Notice number"), filters=[strip], validators=[Optional(), Length(max=40), Regexp(
            r"^[A-Za-z0-9][A-Za-z0-9 /.-]*$",
            message=_l("Use letters, digits, spaces, hyphens, dots and slashes, like 123456 or 2027/S 012-034567."))],
        description=_l("The number of the procurement notice at TenderNed or in the EU's TED, like 123456."))
    procurement_notice_url = StringField(
        _l("Address of the notice"), filters=[strip], validators=[Optional(), Length(max=500)],
        description=_l("Where the notice can be read, for example its page at TenderNed; only together with "
                       "the number."))

    def validate_procurement_notice_url(self, field):
        parts = urlsplit(field.data or "")
        if parts.scheme != "https" or "." not in (parts.hostname or ""):
            raise ValidationError(_l("Enter the whole address, starting with https://."))
        if not self.procurement_notice.data:
            raise ValidationError(_l("Enter the notice number too."))

