"""Account forms: one per use case. Forms validate; they never save."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, ValidationError

from consult.auth.passwords import password_problem
from consult.core.forms import strip


class PasswordPolicy:
    """Apply the password policy (length, not a common password)."""

    def __call__(self, form, field):
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class EqualToPassword:
    def __init__(self, other: str):
        self.other = other

    def __call__(self, form, field):
        if field.data != form[self.other].data:
            raise ValidationError(_l("The two passwords are not the same."))


EMAIL_REQUIRED = _l("Enter your e-mail address.")
EMAIL_INVALID = _l("Enter an e-mail address like name@example.nl.")
LANGUAGE_CHOICES = [SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")]


def email_field(label=None):
    return EmailField(
        label or _l("E-mail address"),
        filters=[strip],
        validators=[InputRequired(EMAIL_REQUIRED), Length(max=254), Email(EMAIL_INVALID)],
    )


def new_password_fields():
    return (
        PasswordField(_l("New password"),
                      validators=[InputRequired(_l("Choose a password.")), PasswordPolicy()]),
        PasswordField(_l("Repeat the new password"),
                      validators=[InputRequired(_l("Repeat the password.")),
                                  EqualToPassword("password")]),
    )


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))])
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password, password_repeat = new_password_fields()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[InputRequired(_l("Enter your current password."))]
    )
    password, password_repeat = new_password_fields()


class AccountForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip],
                       validators=[InputRequired(_l("Enter your name.")), Length(max=200)])
    locale = SelectField(_l("Language of the site and e-mails"), choices=LANGUAGE_CHOICES)


class ResendVerificationForm(FlaskForm):
    email = email_field()


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Your name"), filters=[strip],
                       validators=[InputRequired(_l("Enter your name.")), Length(max=200)])
    password, password_repeat = new_password_fields()


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change state."""


class TwoFactorCodeForm(FlaskForm):
    """A six-digit code from the authenticator app (or, at login, a recovery code)."""

    code = StringField(_l("Code"), filters=[strip],
                       validators=[InputRequired(_l("Enter the code.")), Length(max=32)])
