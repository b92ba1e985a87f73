"""Privacy forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField
from wtforms.validators import InputRequired, Optional


class EraseAccountForm(FlaskForm):
    understood = BooleanField(
        _l("I understand that my account will be closed and my name and e-mail address removed"),
        validators=[InputRequired(_l("Tick the box to confirm that you want your account deleted."))])


class RetentionForm(FlaskForm):
    procurement_ends_on = DateField(_l("End of the procurement (date)"), validators=[Optional()],
                                    description=_l("When the contracts that this consultation prepared end."))
    retention_until = DateField(_l("Keep personal data until (date)"), validators=[Optional()],
                                description=_l("Leave empty to use the standard period after the end of the procurement."))
