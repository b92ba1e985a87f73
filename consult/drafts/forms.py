"""Forms for drafts open for comment: writing a document, opening it for comment, a comment on a
paragraph, withdrawing it, and the team's disposition and reply. Forms validate; services save."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from consult.advice.models import DISPOSITION_LABELS
from consult.consultations.models import PARTICIPANT_AUDIENCE_LABELS
from consult.core.forms import hidden_id, strip
from consult.drafts.services import MAX_BODY, MAX_TEXT, MAX_TITLE
from consult.responses.models import Publication


class DocumentForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip],
                        validators=[InputRequired(_l("Enter a title.")), Length(max=MAX_TITLE)])
    introduction = TextAreaField(_l("Introduction"), filters=[strip], validators=[Optional(), Length(max=MAX_TEXT)],
                                 description=_l("Shown above the paragraphs; not open for comment."))
    body = TextAreaField(_l("Text"), filters=[strip],
                         validators=[InputRequired(_l("Write at least one paragraph.")), Length(max=MAX_BODY)],
                         description=_l("Leave a blank line between paragraphs; each paragraph gets a number "
                                        "that participants comment on. A line that starts with “## ” begins "
                                        "a section: its paragraphs are numbered 1.1, 1.2 and so on."))
    version = hidden_id()


class OpenForm(FlaskForm):
    opens_on = DateField(_l("Opens on"), validators=[InputRequired(_l("Enter the date the comment period opens."))],
                         description=_l("Dutch time (Europe/Amsterdam)."))
    opens_time = TimeField(_l("Opens at"), validators=[InputRequired(_l("Enter the time the comment period opens."))])
    closes_on = DateField(_l("Closes on"), validators=[InputRequired(_l("Enter the date the comment period closes."))])
    closes_time = TimeField(_l("Closes at"),
                            validators=[InputRequired(_l("Enter the time the comment period closes."))])
    audience = RadioField(_l("Who may comment"), default="both",
                          choices=[SelectChoice(a.value, label) for a, label in PARTICIPANT_AUDIENCE_LABELS.items()],
                          validators=[InputRequired(_l("Choose who may comment."))])
    version = hidden_id()


class CloseForm(FlaskForm):
    """The confirmation ends the period early; ``version``: the draft as the page showed it."""

    version = hidden_id()


# The answers' three publication choices, worded for one comment.
COMMENT_PUBLICATION_LABELS = {
    Publication.NAMED: _l("Publish this comment with the name of our organisation"),
    Publication.ANONYMOUS: _l("Publish this comment without the name of our organisation"),
    Publication.NONE: _l("Do not publish this comment"),
}


class CommentForm(FlaskForm):
    organisation = SelectField(_l("On behalf of"), coerce=int,
                               validators=[InputRequired(_l("Choose the organisation you comment for."))])
    body = TextAreaField(_l("Your comment"), filters=[strip],  # the view names the paragraph in the label
                         validators=[InputRequired(_l("Write your comment on this paragraph.")), Length(max=MAX_TEXT)])
    confidential = BooleanField(_l("Confidential"),
                                description=_l("Only the project team reads it: never published and never shown "
                                               "to other participants."))
    publication = RadioField(_l("Publication"), default=Publication.NAMED.value,
                             choices=[SelectChoice(p.value, label) for p, label in COMMENT_PUBLICATION_LABELS.items()],
                             validators=[InputRequired(_l("Choose whether the comment may be published."))],
                             description=_l("After the comment period, other participants see the published "
                                            "comments with the reply of the project team."))
    version = hidden_id()


class WithdrawForm(FlaskForm):
    """The confirmation withdraws the comment; ``version``: the comment as the page showed it."""

    version = hidden_id()


class ReplyForm(FlaskForm):
    disposition = RadioField(_l("What was done with the comment"),
                             choices=[SelectChoice(d.value, label) for d, label in DISPOSITION_LABELS.items()],
                             validators=[InputRequired(_l("Choose what was done with the comment."))])
    reply = TextAreaField(_l("Your reply"), filters=[strip],
                          validators=[InputRequired(_l("Write a reply.")), Length(max=MAX_TEXT)])
    version = hidden_id()
    comment_version = hidden_id()  # the comment as the team read it


class OpenDraftForm(FlaskForm):
    """Opening the strategy draft for comment from the strategy page: only the confirmation itself."""
