"""Organisation forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectField, StringField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, InputRequired, Length, Optional, Regexp

from consult.auth.forms import EqualToPassword, PasswordPolicy, email_field
from consult.core.forms import digits_only, strip
from consult.orgs.models import MEMBER_ROLE_LABELS, ORG_KIND_LABELS, OrgKind

KVK_MESSAGE = _l("A KvK number has 8 digits, for example 12345678.")


def kvk_field(required: bool):
    validators = [InputRequired(_l("Enter the KvK number of your organisation."))] if required \
        else [Optional()]
    return StringField(_l("KvK number"), filters=[digits_only],
                       validators=[*validators, Regexp(r"^\d{8}$", message=KVK_MESSAGE)])


def website_field():
    return URLField(_l("Website"), filters=[strip],
                    validators=[Optional(), Length(max=300),
                                URL(require_tld=True,
                                    message=_l("Enter a web address like https://www.example.nl."))])


def role_field():
    return SelectField(_l("Role"), choices=[SelectChoice(r.value, label) for r, label in MEMBER_ROLE_LABELS.items()])


class RegisterProviderForm(FlaskForm):
    org_name = StringField(_l("Name of the organisation"), filters=[strip],
                           validators=[InputRequired(_l("Enter the name of your organisation.")),
                                       Length(max=200)])
    kvk_number = kvk_field(required=True)
    website = website_field()
    name = StringField(_l("Your name"), filters=[strip],
                       validators=[InputRequired(_l("Enter your name.")), Length(max=200)])
    email = email_field(_l("Your work e-mail address"))
    password = PasswordField(_l("Password"),
                             validators=[InputRequired(_l("Choose a password.")), PasswordPolicy()])
    password_repeat = PasswordField(_l("Repeat the password"),
                                    validators=[InputRequired(_l("Repeat the password.")),
                                                EqualToPassword("password")])


class OrganisationEditForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip],
                       validators=[InputRequired(_l("Enter the name of the organisation.")),
                                   Length(max=200)])
    kvk_number = kvk_field(required=False)
    website = website_field()


class OrganisationForm(OrganisationEditForm):
    kind = SelectField(_l("Kind of organisation"),
                       choices=[SelectChoice(k.value, label) for k, label in ORG_KIND_LABELS.items()])


class InviteForm(FlaskForm):
    email = email_field(_l("E-mail address of the person to invite"))
    role = role_field()


class MembershipRoleForm(FlaskForm):
    role = role_field()


class EherkenningMemberForm(FlaskForm):
    """A person who logged in with eHerkenning for a known organisation: their details."""

    name = StringField(_l("Your name"), filters=[strip],
                       validators=[InputRequired(_l("Enter your name.")), Length(max=200)])
    email = email_field(_l("Your work e-mail address"))


class EherkenningRegisterForm(EherkenningMemberForm):
    """A person who logged in with eHerkenning for an organisation new here: it registers (the KvK
    number comes verified from the login)."""

    kind = RadioField(_l("Your organisation is"), default=OrgKind.PROVIDER.value,
                      choices=[SelectChoice(kind.value, ORG_KIND_LABELS[kind]) for kind in (OrgKind.PROVIDER, OrgKind.COUNCIL)],
                      validators=[InputRequired(_l("Choose what kind of organisation yours is."))])
    org_name = StringField(_l("Name of the organisation"), filters=[strip],
                           validators=[InputRequired(_l("Enter the name of your organisation.")),
                                       Length(max=200)])
    website = website_field()
