"""Analysis forms: one per posted form. Forms validate; services save (and check again)."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from consult.analysis.models import TAG_COLOURS, SynthesisStatus, Tag
from consult.core.forms import DatabaseIntField, db_int, hidden_id, strip
from consult.extensions import db

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

    synthesis = TextAreaField(_l("What we heard"), id="synthesis-text", validators=[_at_most(20_000)],
                              render_kw={"rows": 6})
    status = RadioField(_l("Status"), default=SynthesisStatus.DRAFT.value, validate_choice=False,
                        choices=lambda: [SelectChoice(s.value, s.label) for s in SynthesisStatus])

    def validate_status(self, field):
        if field.data not in {s.value for s in SynthesisStatus}:
            raise ValidationError(_l("Choose draft or final."))

    # Where the question page scrolls back to after the save (the theme page sends none).
    anchor = HiddenField(filters=[lambda value: _anchor(value)])

    def first_error(self) -> str | None:
        return next((str(message) for field in (self.synthesis, self.status) for message in field.errors), None)

    @classmethod
    def of(cls, synthesis) -> SynthesisForm:
        """The form filled from the saved synthesis (or empty, as a draft, when there is none)."""
        return cls(formdata=None, data={"synthesis": synthesis.text if synthesis else "",
                                        "status": synthesis.status.value if synthesis else SynthesisStatus.DRAFT.value})

    def refused(self, message) -> None:
        """Show ``message`` (a refusal of the service, a stale save) at the text, which stays; a
        message of the form's own checks is at its field already."""
        if self.first_error() is None or str(message) != self.first_error():
            self.synthesis.errors = [*self.synthesis.errors, str(message)]


def _id(**kwargs) -> DatabaseIntField:
    """A row's number sent by a button's form; anything that is not one (or that no row can have)
    reads as none."""
    return hidden_id(**kwargs)


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


# --- the actions on a question's page (one form per route) -----------------------------------------

BULK_ACTIONS = ("tag_selected", "tag_filtered", "untag_selected", "untag_filtered")
_ANCHOR = re.compile(r"#[A-Za-z][\w-]*")


def _anchor(value):
    """The part of the page to return to (``#answer-12-3``); anything else is dropped, so a posted
    value never becomes part of a redirect."""
    return value if isinstance(value, str) and _ANCHOR.fullmatch(value) else None


def _number(value):
    """A number sent as text; anything that is not one, or that no row can have (it must not reach
    a query), reads as none (the field's check says so)."""
    return db_int(value)


class _Offset(IntegerField):
    """Where in the answer the excerpt was selected (filled in by the page's script). A value that is
    not a number reads as none: the excerpt is then looked up by its text, as without the script."""

    widget = HiddenInput()

    def process_formdata(self, valuelist):
        self.data = _number(valuelist[0]) if valuelist else None


class QuestionActionForm(FlaskForm):
    """What every form on a question's page sends besides its own fields: where to return to. A
    tag chosen in the form is checked against the tags of ``consultation``."""

    anchor = HiddenField(filters=[_anchor])
    # Where on the page a message of a form without a field to show it at goes (its answer, when
    # the form says which, else the list of answers): the error summary links there.
    page_element = "answers"

    def __init__(self, consultation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.consultation = consultation
        self.chosen_tag: Tag | None = None

    def validate_tag(self, field):
        """The chosen tag must be one of this consultation's (a number from another consultation's
        page, or no number at all, is refused at the field)."""
        if not (field.raw_data and field.raw_data[0]):
            return  # none chosen: the form's own rule says whether that is allowed
        tag = db.session.get(Tag, field.data) if field.data is not None else None
        if tag is None or tag.consultation_id != self.consultation.id:
            raise ValidationError(_l("Choose one of the tags."))
        self.chosen_tag = tag

    def page_errors(self) -> dict[str, str]:
        """Each message by the element of the page it is shown at (and the error summary links to).
        A form of one button (undo, remove) has no field a person fills in: its first message,
        of a field or of the whole form (a refusal of the service), is shown for its answer."""
        messages = [*(message for field in self for message in field.errors), *self.form_errors]
        element = (self.anchor.data or "")[1:] or self.page_element
        return {element: str(messages[0])} if messages else {}


def _tag_choice(*validators) -> SelectField:
    # The options are the consultation's tags, rendered once per page by ``tag_options``; the value
    # is checked by ``validate_tag`` with one lookup instead of loading every tag.
    return SelectField(_l("Tag"), coerce=_number, validate_choice=False, validators=list(validators))


class BulkForm(QuestionActionForm):
    """Tag or untag whole answers: the selected ones (``answers``: keys ``<response>-<question>``)
    or all that the page's filters match. ``action`` is the button pressed."""

    action = HiddenField()  # the button pressed: one of BULK_ACTIONS
    tag = _tag_choice(InputRequired(_l("Choose a tag.")))
    answers = SelectMultipleField(validate_choice=False)

    @property
    def on_selection(self) -> bool:
        return (self.action.data or "").endswith("_selected")

    def response_ids(self, question_id: int) -> set[int]:
        """The responses whose answer to this question is selected (keys of other questions, or
        that are not keys, are left out)."""
        keys = [key.partition("-") for key in self.answers.data or []]
        return {db_int(response_id) for response_id, _sep, question in keys
                if db_int(response_id) is not None and question == str(question_id)}

    def page_errors(self) -> dict[str, str]:
        """Each message by the element of the page it is shown at (and the error summary links to)."""
        return _messages({"bulk-tag": self.tag, "bulk-answers": self.answers})


class UndoBulkForm(QuestionActionForm):
    """Undo the person's last bulk action on this question (the button only)."""


class RemoveCodingForm(QuestionActionForm):
    """Remove one tag from an answer or an excerpt (the Remove button beside it)."""

    coding = _id()


class RemoveQuoteForm(QuestionActionForm):
    """Remove one key quote from an answer (the Remove button beside it)."""

    quote = _id()


class ExcerptForm(QuestionActionForm):
    """Mark a part of one answer (``answer``: its key): tag it, make it a key quote, or both. ``at``
    is where it was selected, when the page's script could tell."""

    answer = HiddenField()
    excerpt = TextAreaField(_l("Excerpt"))
    at = _Offset()
    tag = _tag_choice(Optional())
    quote = BooleanField(_l("Key quote for the report"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.chosen_tag is None and not self.quote.data:
            self.tag.errors.append(_l("Choose a tag, or mark the excerpt as a key quote, or both."))
            return False
        return valid

    def page_errors(self) -> dict[str, str]:
        key = self.answer.data or ""
        return _messages({f"excerpt-{key}": self.excerpt, f"excerpt-tag-{key}": self.tag})


def _messages(fields: dict) -> dict[str, str]:
    return {element: str(field.errors[0]) for element, field in fields.items() if field.errors}
