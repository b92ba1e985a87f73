"""Strategy forms: one per use case. Forms validate; services save (and check again)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import (
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation
from wtforms.widgets import TextInput

from consult.core.converters import DATABASE_INT_MAX
from consult.core.forms import RowList, db_int, hidden_id, strip
from consult.strategy.models import FundingForm, OrganisationForm, ProvidersKind, Segment

MAX_TEXT = 20_000
MAX_LINE = 200


def _at_most(limit: int) -> Length:
    return Length(max=limit, message=_l("Use at most %(n)d characters.", n=limit))


class WholeNumberField(IntegerField):
    """A whole number typed in a text box; what was typed stays in the box when it is not one."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if raw:
            try:
                self.data = int(raw)
            except ValueError:
                raise ValueError(_l("Enter a whole number, for example 8.")) from None
            if abs(self.data) > DATABASE_INT_MAX:  # the column cannot hold it (a 500 on saving)
                self.data = None
                raise ValueError(_l("Enter a smaller number."))

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # "not a whole number" says it all; no range check on nothing


class OneOfEnum:
    """The value is empty or one of the enum's values (radio buttons the person may leave empty)."""

    def __init__(self, enum_cls, label):
        self.values = {member.value for member in enum_cls}
        self.label = label

    def __call__(self, form, field):
        if field.data not in (None, "") and field.data not in self.values:
            raise ValidationError(_l("Choose one of the options for “%(field)s”.", field=self.label))


def _choice(label, enum_cls, choices, anchor: str) -> RadioField:
    # Checked by OneOfEnum so that an empty choice is allowed and a wrong one says which field it is.
    # The choices are read when the form is shown, so that their labels are in the reader's language.
    return RadioField(label, choices=lambda: [SelectChoice(value, str(text)) for value, text in choices()],
                      validate_choice=False, id=anchor,
                      validators=[OneOfEnum(enum_cls, label)])


def _text(label, rows: int, limit: int = MAX_TEXT, **kwargs) -> TextAreaField:
    return TextAreaField(label, filters=[strip], validators=[_at_most(limit)], render_kw={"rows": rows}, **kwargs)


class GeneralForm(FlaskForm):
    """The general part of the draft: guiding principles and change tasks."""

    principles = _text(_l("Guiding principles"), 8)
    change_tasks = _text(_l("Change tasks"), 8)


LIST_FIELDS = ("suitability", "award_criteria", "kpis")
ENUM_FIELDS = ("organisation_form", "providers_kind", "funding_form")


class LocalChoiceForm(Form):
    """One municipality's local choice within a segment: empty choices follow the segment."""

    municipality = hidden_id()
    organisation_form = SelectField(_l("Organisation form"), validate_choice=False, choices=lambda: [
        SelectChoice("", str(_l("As the region")))] + [SelectChoice(f.value, str(f.label)) for f in OrganisationForm],
        validators=[Optional(), OneOfEnum(OrganisationForm, _l("Organisation form"))])
    funding_form = SelectField(_l("Funding form"), validate_choice=False, choices=lambda: [
        SelectChoice("", str(_l("As the region")))] + [SelectChoice(f.value, str(f.label)) for f in FundingForm],
        validators=[Optional(), OneOfEnum(FundingForm, _l("Funding form"))])
    note = StringField(_l("Explanation"), filters=[strip], validators=[_at_most(500)])


class SegmentForm(FlaskForm):
    """A segment (lot) with its five parts; each wrong value is named at its own field."""

    name = StringField(_l("Name"), filters=[strip],
                       validators=[InputRequired(_l("Give the segment a name.")), _at_most(MAX_LINE)])
    services = _text(_l("Services in this segment"), 4)
    organisation_form = _choice(_l("Organisation form"), OrganisationForm,
                                lambda: [(f.value, f.label) for f in OrganisationForm], "organisation-form")
    organisation_form_explanation = _text(_l("Explanation of the organisation form"), 3)
    # ``process`` is a method of every form, so the field has another attribute name.
    process_text = _text(_l("Process"), 5, name="process")
    providers_kind = _choice(_l("Kind"), ProvidersKind,
                             lambda: [("number", _l("A number")), ("range", _l("A range")),
                              ("unlimited", _l("Unlimited (open house)"))], "providers-kind")
    providers_min = WholeNumberField(_l("Number, or lowest number of the range"),
                                     validators=[Optional(), NumberRange(min=1, message=_l("Enter 1 or more."))],
                                     render_kw={"inputmode": "numeric"})
    providers_max = WholeNumberField(_l("Highest number of the range"),
                                     validators=[Optional(), NumberRange(min=1, message=_l("Enter 1 or more."))],
                                     render_kw={"inputmode": "numeric"})
    funding_form = _choice(_l("Funding form"), FundingForm, lambda: [(f.value, f.label) for f in FundingForm], "funding")
    funding_explanation = _text(_l("Explanation of the funding form"), 3)
    duration = StringField(_l("Contract duration"), filters=[strip], validators=[_at_most(MAX_LINE)])
    extension = StringField(_l("Extension options"), filters=[strip], validators=[_at_most(MAX_LINE)])
    tariff = _text(_l("Tariff approach"), 3)
    suitability = _text(_l("Suitability requirements"), 4)
    award_criteria = _text(_l("Award criteria"), 4)
    kpis = _text(_l("KPIs to monitor"), 4)
    rationale = _text(_l("Rationale"), 6)
    # The lot and the local choices: offered when the consultation has lots or municipalities (the
    # view sets the choices and the municipalities, :meth:`scoped`); checked by the service.
    lot = SelectField(lazy_pgettext("procurement lot", "Lot"), coerce=db_int, choices=[], validate_choice=False,
                      description=_l("The lot this segment procures; its municipalities may make local choices."))
    local_choices = RowList(FormField(LocalChoiceForm))

    @classmethod
    def of(cls, segment: Segment | None, **kwargs) -> SegmentForm:
        """The form for a segment as saved (empty for a new one); a POST fills it from the request."""
        if segment is None:
            return cls(**kwargs)
        data = {name: getattr(segment, name) for name in cls.segment_fields()}
        data["lot"] = segment.lot_id
        data["local_choices"] = segment.choices_in_scope
        data["process_text"] = data.pop("process")
        for name in ENUM_FIELDS:
            data[name] = data[name].value if data[name] else None
        for name in LIST_FIELDS:
            data[name] = "\n".join(data[name] or [])
        return cls(data=data, **kwargs)

    @classmethod
    def segment_fields(cls) -> tuple[str, ...]:
        return ("name", "services", "organisation_form", "organisation_form_explanation", "process",
                "providers_kind", "providers_min", "providers_max", "funding_form", "funding_explanation",
                "duration", "extension", "tariff", "suitability", "award_criteria", "kpis", "rationale")

    def scoped(self, consultation) -> SegmentForm:
        """Offer the consultation's lots and one row of local choices per municipality (those not
        posted, or not yet saved, empty), in the consultation's order of municipalities."""
        self.lot.choices = [("", str(_l("Not tied to one lot")))] + [(lot.id, lot.name) for lot in consultation.lots]
        given = {entry.municipality.data: entry for entry in self.local_choices.entries}
        self.local_choices.max_entries = None  # (the posted rows were capped; these are the municipalities)
        entries = []
        for municipality in consultation.municipalities:
            entry = given.get(municipality.id)
            if entry is None:
                entry = self.local_choices.append_entry({"municipality": municipality.id})
                self.local_choices.entries.pop()
            entries.append(entry)
        self.local_choices.entries = entries
        return self

    def fields_for_service(self) -> dict:
        """The checked values as the segment services take them."""
        return {**{name: self._field(name).data for name in self.segment_fields()}, "lot_id": self.lot.data,
                "local_choices": [entry.data for entry in self.local_choices]}

    def _field(self, name: str):
        return self.process_text if name == "process" else self[name]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.organisation_form.data == OrganisationForm.OTHER and not self.organisation_form_explanation.data \
                and not self.organisation_form.errors:
            self.organisation_form_explanation.errors.append(
                _l("Explain the organisation form when you choose “other”."))
        low, high = self.providers_min, self.providers_max
        if low.errors or high.errors:
            pass  # the number itself is wrong: that message stands alone
        elif self.providers_kind.data == ProvidersKind.NUMBER and low.data is None:
            low.errors.append(_l("Enter the number of providers (1 or more)."))
        elif self.providers_kind.data == ProvidersKind.RANGE and (low.data is None or high.data is None
                                                                  or high.data < low.data):
            (low if low.data is None else high).errors.append(_l(
                "Enter a range of providers: the lowest number (1 or more) and a highest number that is not lower."))
        return valid and not any(self._field(name).errors for name in self.segment_fields())


class RemoveSegmentForm(FlaskForm):
    """The Remove button on a segment's page: ``action`` "remove" (the segment form sends none) and
    the version the page showed, so a segment changed in the meantime is not removed unseen."""

    action = HiddenField()
    version = hidden_id()


STATUS_ACTIONS = ("create", "share", "adopt")


class StatusForm(FlaskForm):
    """The overview's buttons: start the draft, share it with the councils, adopt it under a name.
    ``action`` is the button pressed; only adopting needs the name."""

    action = HiddenField()
    name = StringField(_l("Name of the adopted version"), id="adopt-name", filters=[strip],
                       validators=[_at_most(MAX_LINE)], render_kw={"maxlength": MAX_LINE},
                       description=_l("Adopting freezes the draft; it can no longer be changed."))

    def validate_name(self, field):
        if self.action.data == "adopt" and not field.data:
            raise ValidationError(_l("Give the adopted version a name, for example “Inkoopstrategie 2027, vastgesteld”."))


class CommentForm(FlaskForm):
    """A council's comment on one part of a shared draft."""

    body = TextAreaField(_l("Your comment"), id="comment-body", filters=[strip], render_kw={"rows": 4},
                         validators=[InputRequired(_l("Write your comment.")), _at_most(10_000)])


class HandleForm(FlaskForm):
    """The team's reply that marks a council comment as handled (sent with the part it is on)."""

    action = HiddenField()  # "handle"; a council's new comment has none
    part = HiddenField()
    comment = hidden_id(validators=[])
    reply = TextAreaField(_l("Reply of the project team"), filters=[strip],
                          validators=[InputRequired(_l("Write the reply to the comment.")), _at_most(10_000)])


class RestoreForm(FlaskForm):
    """Bring one part back to a revision (its Restore button in the revision list)."""

    revision = hidden_id(validators=[InputRequired()])


class EvidenceForm(FlaskForm):
    """Link input (``source``: type and ref) to the page's part (or the part chosen there, a query
    value of the page), or to one ``choice`` of a segment, with what was done with it and why; or
    (``action`` unlink) remove a ``link``. What is wrong is named by the service, which checks the
    input, the part and the choice against the draft."""

    action = HiddenField(default="link")
    link = hidden_id()
    source = StringField(filters=[strip])
    choice = StringField(filters=[strip])
    disposition = StringField(filters=[strip])
    reason = TextAreaField()

    def values(self) -> dict[str, str]:
        """What the person chose and typed, to show the form again as it was sent."""
        return {name: self[name].data or "" for name in ("source", "choice", "disposition", "reason")}
