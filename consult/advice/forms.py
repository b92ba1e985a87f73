"""Advice forms: request, introduction, point, attachment, reply, council comment."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from consult.advice.models import ADVICE_SUBJECT_LABELS, AdviceSubject, Disposition
from consult.consultations.forms import MultiCheckboxField
from consult.core.forms import DatabaseIntField, strip
from consult.core.time import to_local, utcnow


class RequestForm(FlaskForm):
    question = TextAreaField(_l("Question to the councils"), validators=[
        DataRequired(_l("Write the question the councils are asked to advise on.")), Length(max=20_000)])
    due_on = DateField(_l("Advice due on"), validators=[InputRequired(_l("Enter the date by which the advice is due."))])
    subject = RadioField(_l("Advice on"), choices=[SelectChoice(s.value, label) for s, label in ADVICE_SUBJECT_LABELS.items()],
                         default=AdviceSubject.CONSULTATION.value)
    councils = MultiCheckboxField(_l("Advisory councils"), coerce=int,
                                  validators=[InputRequired(_l("Choose at least one advisory council."))])

    def validate_due_on(self, field):
        if field.data and field.data < to_local(utcnow()).date():
            raise ValidationError(_l("The due date cannot be in the past."))


class IntroductionForm(FlaskForm):
    introduction = TextAreaField(_l("Introduction"), validators=[Length(max=20_000)])
    version = DatabaseIntField(validators=[Optional()])


class PointForm(FlaskForm):
    title = StringField(_l("Title of the advice point"), filters=[strip], validators=[
        InputRequired(_l("Give the advice point a title.")), Length(max=200)])
    body = TextAreaField(_l("Advice"), validators=[DataRequired(_l("Write the advice point.")), Length(max=20_000)])
    version = DatabaseIntField(validators=[Optional()])


class FileForm(FlaskForm):
    file = FileField(_l("Document (PDF, ODT or DOCX)"))


class SubmitForm(FlaskForm):
    confirm = HiddenField(default="yes")


class CommentForm(FlaskForm):
    target = SelectField(_l("About"))
    body = TextAreaField(_l("Your comment"), validators=[DataRequired(_l("Write your comment.")), Length(max=10_000)])


def reply_form(advice, formdata=None, numbered=None):
    """The team's reply: an introduction and, per advice point, a disposition and a reason; for the
    points ``numbered`` lists as (number, point) (one page of them), or for every point."""

    class ReplyForm(FlaskForm):
        reply_introduction = TextAreaField(_l("General reply (optional)"), validators=[Length(max=20_000)])
        version = DatabaseIntField(validators=[Optional()])  # the reply_version the form started from

    if numbered is None:
        numbered = list(enumerate(advice.points, start=1))
    for number, point in numbered:
        setattr(ReplyForm, f"disposition_{point.id}", RadioField(
            _l("What does the municipality do with advice point %(n)s?", n=number),
            choices=[SelectChoice(d.value, d.label) for d in Disposition], validators=[Optional()],
            default=point.disposition.value if point.disposition else None))
        setattr(ReplyForm, f"reply_{point.id}", TextAreaField(
            _l("Reason for advice point %(n)s", n=number), validators=[Length(max=20_000)],
            default=point.reply))
    form = ReplyForm(formdata=formdata) if formdata is not None else ReplyForm()
    if formdata is None:
        form.reply_introduction.data = advice.reply_introduction
        form.version.data = advice.reply_version
    return form
