"""The form macros: what the browser receives for a required choice."""
from __future__ import annotations

import re

from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired


class _Choice(FlaskForm):
    class Meta:
        csrf = False

    outcome = RadioField("Outcome", choices=[SelectChoice("a", "Adopted"), SelectChoice("b", "Not adopted")],
                         validators=[InputRequired("Choose one.")])


def _rendered(app, data=None) -> str:
    with app.test_request_context(method="POST" if data is not None else "GET", data=data or {}):
        form = _Choice()
        if data is not None:
            form.validate()
        return render_template_string('{% from "_macros/forms.html" import radios %}{{ radios(form.outcome) }}',
                                      form=form)


def test_a_required_radio_group_is_not_marked_invalid_before_it_is_sent(app):
    html = _rendered(app)
    radios = re.findall(r"<input[^>]*type=\"radio\"[^>]*>", html)
    assert len(radios) == 2
    # The browser draws :invalid (red) on an untouched required group; the server names the error instead.
    assert [r for r in radios if "required" in r] == []
    assert "aria-invalid" not in html


def test_a_missing_choice_is_named_at_the_group_after_sending(app):
    html = _rendered(app, data={"other": "x"})
    assert 'class="utrecht-form-field-error-message" id="outcome-error"' in html
    assert "Choose one." in html
    assert 'aria-describedby="outcome-error"' in html
