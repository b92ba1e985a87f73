"""Administration forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField


class AdminRoleForm(FlaskForm):
    is_admin = BooleanField(_l("Platform administrator"))
