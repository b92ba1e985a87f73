"""The report of a round of a trajectory: which trajectory it belongs to and its rounds with their
period and status, and how input of the earlier rounds (key quotes, evidence links) finds its place
under this round's questions, labelled with its round."""
from __future__ import annotations

from flask_babel import gettext as _

from consult.analysis.rounds import earlier_questions, earlier_versions, round_of_request
from consult.consultations.models import Consultation, Status
from consult.consultations.trajectory_services import parse_earlier_ref
from consult.core.documents import Heading, Paragraph, Table
from consult.core.templating import format_day


def rounds_blocks(consultation: Consultation) -> list:
    """A short block naming the trajectory and listing its rounds (number, name and title, period,
    status). Rounds the public may not see (drafts, invitation-only rounds) are left out, this round
    never; nothing when the consultation is no round of a trajectory."""
    item = round_of_request(consultation)
    if item is None:
        return []
    trajectory = item.trajectory
    rows = []
    for number, other in enumerate(trajectory.rounds, start=1):
        c = other.consultation
        if c.id != consultation.id and (c.status == Status.DRAFT or c.invited_only):
            continue
        period = _("%(start)s to %(end)s", start=format_day(c.opens_at), end=format_day(c.closes_at)) \
            if c.opens_at and c.closes_at else format_day(c.opens_at or c.closes_at) or "—"
        # "Klankbordronde: Klankbordronde Wmo 2027" says the name twice: a title that starts with the
        # round's name stands alone.
        named = other.label and not c.title.casefold().startswith(other.label.casefold())
        name = f"{other.label}: {c.title}" if named else c.title
        rows.append([str(number), name, period, str(c.status.label)])
    return [Heading(_("Rounds of the trajectory"), 3),
            Paragraph(_("This consultation is round %(number)d of the trajectory “%(title)s”.",
                        number=item.number, title=trajectory.title)),
            Table(columns=[_("Round"), _("Consultation"), _("Period"), _("Status")], rows=rows,
                  caption=trajectory.title)]


def round_consultation_ids(consultation: Consultation) -> list[int]:
    """This consultation and the earlier rounds of its trajectory that have questions: whose
    answers its quotes may be of."""
    return [consultation.id] + sorted({v.consultation.id for v in earlier_questions(consultation).values()})


def later_questions(consultation: Consultation) -> dict[int, tuple[int, int]]:
    """Per question of an earlier round: the question of this round that is (through its marks) the
    same, and the earlier question's round number."""
    if not earlier_questions(consultation):
        return {}
    found: dict[int, tuple[int, int]] = {}
    for theme in consultation.themes:
        for question in theme.questions:
            for version in earlier_versions(consultation, question):
                found.setdefault(version.question.id, (question.id, version.round_number))
    return found


def with_round(attributed: str, number: int) -> str:
    """A quote's attribution with the round it was said in."""
    return _("%(who)s, round %(number)d", who=attributed, number=number)


def earlier_link_questions(consultation: Consultation, labelled) -> dict[str, int]:
    """Per "earlier_round" evidence ref of ``labelled`` that names an answer: this round's question
    that is the same as the answer's question (the report lists the link there)."""
    refs = [link.source_ref for _label, link in labelled if link.source_type == "earlier_round"]
    if not refs:
        return {}
    later = later_questions(consultation)
    found = {}
    for ref in refs:
        parsed = parse_earlier_ref(ref)
        if parsed is None:
            continue
        question = parsed.ref.partition("-")[2]
        if parsed.source_type == "answer" and question.isdigit() and int(question) in later:
            found[ref] = later[int(question)][0]
    return found
