"""Notification settings form: one choice of frequency per kind."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from consult.notify.models import Frequency, Kind


def settings_form(current: dict[Kind, Frequency], formdata=None) -> FlaskForm:
    """A form with one radio group per kind, named after the kind."""

    class SettingsForm(FlaskForm):
        pass

    for kind in Kind:
        setattr(SettingsForm, kind.value, RadioField(
            kind.label, choices=[SelectChoice(f.value, f.label) for f in Frequency], default=current[kind].value))
    return SettingsForm(formdata=formdata) if formdata is not None else SettingsForm()
