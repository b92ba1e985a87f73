"""How a consultation's dates read: the deadline written out and the time left, in words."""
from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from flask_babel import format_timedelta
from flask_babel import gettext as _

from consult.consultations.conditions import SIZE_LABELS, describe, question_numbers
from consult.consultations.models import Consultation, Phase, Question, Theme
from consult.core.templating import format_day, format_deadline
from consult.core.time import to_local, utcnow

# The deadline style ('vrijdag 13 maart 2026 om 17:00'); templates write ``closes_at|deadline``.
deadline_text = format_deadline


def remaining_text(moment: datetime, now: datetime | None = None) -> str:
    """The time left until ``moment`` in words: 'nog 5 dagen', 'nog 3 uur', 'nog 20 minuten'.

    Whole days from two days on, whole hours from one hour on, else whole minutes (counted down,
    never rounded up: 'nog 5 dagen' until the sixth day has passed); babel spells the amount in
    the reader's language."""
    seconds = int((moment - (now or utcnow())).total_seconds())
    if seconds <= 0:
        return ""
    days, hours, minutes = seconds // 86400, seconds // 3600, max(1, seconds // 60)
    unit, amount = ("day", days) if days >= 2 else ("hour", hours) if hours >= 1 else ("minute", minutes)
    # An exact number of the unit with an infinite threshold: babel names it in that unit, as is.
    words = format_timedelta(timedelta(**{f"{unit}s": amount}), granularity=unit, threshold=math.inf)
    return _("%(time)s left", time=words)


def current_phase(consultation: Consultation, today: date | None = None) -> Phase | None:
    """The phase running today: the last one that has started and not ended."""
    today = today or to_local(utcnow()).date()
    current = None
    for phase in consultation.phases:
        if phase.starts_on <= today and (phase.ends_on is None or today <= phase.ends_on):
            current = phase
    return current


def planning(consultation: Consultation, sessions=()) -> list[tuple[date, Phase | None, object | None]]:
    """The planning as the consultation page shows it: its phases and the dialogue sessions the viewer
    may see (``sessions``, not cancelled ones), by day: ``(day, phase, None)`` or ``(day, None, session)``."""
    entries = [(phase.starts_on, phase, None) for phase in consultation.phases]
    entries += [(to_local(session.starts_at).date(), None, session) for session in sessions if not session.cancelled]
    return sorted(entries, key=lambda entry: (entry[0], entry[1] is None))


def visible_questions(theme, audience):
    """The questions of ``theme`` that ``audience`` answers (all of them when audience is None)."""
    if audience is None:
        return list(theme.questions)
    return [q for q in theme.questions if q.audience.includes(audience)]


def condition_text(item: Question | Theme) -> str:
    """A question's or theme's condition in words, "Only if question 1.2 = Yes" (empty without one)."""
    if not item.condition:
        return ""
    return describe(item.condition, item.consultation if isinstance(item, Theme) else item.theme.consultation)


def register_display(app) -> None:
    app.jinja_env.globals.update(remaining_text=remaining_text, current_phase=current_phase,
                                 visible_questions=visible_questions, planning=planning,
                                 condition_text=condition_text, question_numbers=question_numbers,
                                 size_label=lambda band: str(SIZE_LABELS.get(band, "")))
    # The older name of |deadline, kept so a template written against it still renders;
    # tests/test_words.py fails on templates that use it.
    app.jinja_env.globals["deadline_text"] = deadline_text
    app.jinja_env.filters["local_date"] = format_day
    app.jinja_env.filters["fromisoformat"] = datetime.fromisoformat
