"""Analysis forms: one per posted form. Forms validate; services save (and check again)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, StringField, TextAreaField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from consult.analysis.models import TAG_COLOURS, SynthesisStatus
from consult.core.forms import strip

TAG_NAME_MAX = 80
TAG_DESCRIPTION_MAX = 2000


def _at_most(limit: int) -> Length:
    return Length(max=limit, message=_l("Use at most %(n)d characters.", n=limit))


class TagForm(FlaskForm):
    """A tag: its name (unique in the consultation, checked by the service), colour and description."""

    name = StringField(_l("Name"), id="tag-name", filters=[strip], render_kw={"maxlength": TAG_NAME_MAX},
                       validators=[InputRequired(_l("Give the tag a name.")), _at_most(TAG_NAME_MAX)])
    # The choices are read when the form is shown, so that their labels are in the reader's language.
    colour = RadioField(_l("Colour"), id="colour", default="blue", validate_choice=False,
                        choices=lambda: [SelectChoice(key, str(label)) for key, (_hex, label) in TAG_COLOURS.items()])
    description = TextAreaField(_l("Description"), id="tag-description", filters=[strip],
                                validators=[Optional(), _at_most(TAG_DESCRIPTION_MAX)], render_kw={"rows": 3})

    def validate_colour(self, field):
        if field.data not in TAG_COLOURS:
            raise ValidationError(_l("Choose one of the colours."))


class SynthesisForm(FlaskForm):
    """The synthesis of a question or a theme: what we heard, draft or final (the service checks
    that a final one has text)."""

    synthesis = TextAreaField(_l("What we heard"), id="synthesis-text", validators=[_at_most(20_000)])
    status = RadioField(_l("Status"), default=SynthesisStatus.DRAFT.value, validate_choice=False,
                        choices=lambda: [SelectChoice(s.value, s.label) for s in SynthesisStatus])

    def validate_status(self, field):
        if field.data not in {s.value for s in SynthesisStatus}:
            raise ValidationError(_l("Choose draft or final."))

    def first_error(self) -> str | None:
        return next((str(message) for field in (self.synthesis, self.status) for message in field.errors), None)


def _id(**kwargs) -> IntegerField:
    """A row's number sent by a button's form; anything that is not one reads as none."""
    return IntegerField(widget=HiddenInput(), validators=[Optional()], **kwargs)


class PostActionForm(FlaskForm):
    """A button on a discussion message in the analysis: tag the message, mark a key quote (the
    excerpt as typed, ``at`` where it was selected), or remove one of its tags or quotes."""

    action = HiddenField()
    post = _id()
    tag = _id()
    coding = _id()
    quote = _id()
    excerpt = TextAreaField()
    at = _id()


class TagDeleteForm(FlaskForm):
    """The Delete button of a tag in the tag list."""

    action = HiddenField()  # "delete"; the tag form sends none
    tag = _id()
