"""The notification drafts sends: to the members of an organisation whose comment on a draft the
project team answered (the reply is theirs to read at once). It says only what they may read: their
own comment's draft and paragraph."""
from __future__ import annotations

from flask_babel import gettext as _

from consult.notify import registry
from consult.notify.models import Kind


def _answered(d) -> tuple[str, list[str]]:
    return (_("Your comment on “%(draft)s” has been answered", draft=d["draft"]), [
        _("The project team answered the comment of %(org)s on paragraph %(n)s of “%(draft)s” in the consultation "
          "“%(title)s”. Read the reply on the draft's page.", org=d["organisation"], n=d["paragraph"],
          draft=d["draft"], title=d["consultation"])])


registry.register_event(Kind.CHANGED, "draft_comment_answered", _answered)
