"""The consultation report (consultatieverslag / reactienota), built from the data.

Only the summary, introduction and next steps are written for the report; everything else comes
from syntheses, key quotes, evidence links with their dispositions, advice with replies, the
published Q&A items and the strategy draft. The report never contains a confidential answer and
names an organisation only when its response allows publication with its name.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from flask import current_app
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, null, select, union_all, update
from sqlalchemy.exc import IntegrityError

from consult.advice.services import published_advices
from consult.analysis.models import Coding, Quote, Synthesis, Tag
from consult.analysis.services import (
    STAKEHOLDER_LABELS,
    STAKEHOLDERS,
    Filters,
    LotFigures,
    offered_lots_by_response,
    public_distribution_figures,
    public_number_figures,
    public_numbers_text,
    question_parts,
    ranking_shown,
    stakeholder_of,
    submitted_publication,
    value_groups_by_question,
)
from consult.consultations.models import Consultation, Lot, Question, QuestionKind, Theme
from consult.core.datastamp import code_stamp, data_stamp
from consult.core.documents import (
    BulletList,
    DocumentModel,
    Heading,
    Paragraph,
    Table,
    labelled_text,
    model_from_dict,
    model_to_dict,
    plain,
    section,
    written,
)
from consult.core.numbers import with_unit
from consult.core.templating import format_amount, format_day, format_deadline, format_number
from consult.core.time import utcnow
from consult.disclosure import Audience
from consult.disclosure.answers import attribution, counts_in_public, stricter, withheld_answer, withheld_label
from consult.disclosure.statistics import min_group
from consult.extensions import db
from consult.orgs.models import Organisation, OrgKind
from consult.qa.services import published_items
from consult.reports.drafts_section import drafts_blocks, ended_drafts
from consult.reports.models import Report, ReportModel
from consult.reports.rounds_section import (
    earlier_link_questions,
    later_questions,
    round_consultation_ids,
    rounds_blocks,
    with_round,
)
from consult.reports.sessions_section import session_blocks
from consult.responses.models import Publication, Response, ResponseStatus, SubmittedAnswer
from consult.strategy.document import strategy_blocks
from consult.strategy.services import draft_for, evidence_label, links_for, part_labels, round_numbers
from consult.tariffs.services import chosen_tariffs


def report_for(consultation: Consultation) -> Report | None:
    return db.session.scalar(select(Report).where(Report.consultation_id == consultation.id))


def _question_links(consultation, labelled, syntheses) -> dict[int, list]:
    """Per question: the evidence links of its answers, excerpts and synthesis, with part names
    (and the choice within the part where a link names one). ``labelled``: (label, link) pairs."""
    if not labelled:
        return {}
    # Only the excerpts the links name are looked up, not every coding of the consultation.
    excerpt_ids = {int(link.source_ref) for _label, link in labelled if link.source_type == "excerpt"}
    excerpt_question = dict(db.session.execute(select(Coding.id, Coding.question_id).join(Tag).where(
        Tag.consultation_id == consultation.id, Coding.question_id.is_not(None),
        Coding.id.in_(excerpt_ids))).all()) if excerpt_ids else {}
    synthesis_question = {s.id: s.question_id for s in syntheses.values()}
    earlier_question = earlier_link_questions(consultation, labelled)
    result: dict[int, list] = {}
    for label, link in labelled:
        question_id = None
        if link.source_type == "answer":
            question_id = int(link.source_ref.split("-")[1])
        elif link.source_type == "excerpt":
            question_id = excerpt_question.get(int(link.source_ref))
        elif link.source_type == "synthesis":
            question_id = synthesis_question.get(int(link.source_ref))
        elif link.source_type == "earlier_round":
            question_id = earlier_question.get(link.source_ref)
        if question_id:
            result.setdefault(question_id, []).append((label, link))
    return result


@dataclass(frozen=True)
class Participation:
    """Who took part, as the report may show it: only responses that count in public figures."""

    total: int
    per_type: dict[str, int]       # stakeholder -> responses
    per_theme: dict[int, int]      # theme id -> responses that answered in it
    named: list[str]               # the organisations that agreed to be named, sorted


def participation(consultation: Consultation, offered: Filters | None = None) -> Participation:
    """The report's response figures and named organisations, counted in SQL (``offered``: only the
    care providers that offered its lot when they submitted, for a lot's report).

    The submitted responses are grouped by what the disclosure gate decides on (kind of organisation,
    the current publication choice and the one frozen in the latest submission), so the rows returned
    do not grow with the number of responses; the gate (``stricter``, ``counts_in_public``) then
    decides per group exactly as it would per response. Both groupings come in one statement: the
    rows per theme carry a theme, the others none.
    """
    # One row per group of responses alike for the gate, and one per response that may be named:
    # only a response whose current choice is "named" can be (the stricter choice applies), so only
    # those names are read; the gate still decides each one.
    may_be_named = case((Response.publication == Publication.NAMED, Organisation.name), else_=None)
    responses = (select(Response.id.label("id"), Organisation.kind.label("kind"), may_be_named.label("name"),
                        Response.publication.label("current"), submitted_publication().label("submitted"))
                 .join(Organisation, Organisation.id == Response.organisation_id)
                 .where(Response.consultation_id == consultation.id, Response.status == ResponseStatus.SUBMITTED,
                        *([Response.id.in_(offered.offered_responses())] if offered and offered.by_offer else []))
                 .cte("gated"))  # used twice: computed once (a CTE named twice is materialised)
    gate = (responses.c.current, responses.c.submitted)
    per_response = select(null().label("theme_id"), responses.c.kind, responses.c.name, *gate, func.count()) \
        .group_by(responses.c.kind, responses.c.name, *gate)
    # Per theme: the responses with a current answer in it. Which response answered which question
    # is read from the (question, current, response) index alone, never from the answers' rows.
    answered = (select(Question.theme_id.label("theme_id"), SubmittedAnswer.response_id.label("response_id"))
                .join(Question, Question.id == SubmittedAnswer.question_id)
                .join(Theme, Theme.id == Question.theme_id)
                .where(Theme.consultation_id == consultation.id, SubmittedAnswer.current.is_(True))
                .distinct().subquery())
    per_theme_rows = (select(answered.c.theme_id, null(), null(), *gate, func.count())
                      .join(responses, responses.c.id == answered.c.response_id)
                      .group_by(answered.c.theme_id, *gate))
    per_type: Counter = Counter()
    per_theme: Counter = Counter()
    named = []
    for theme_id, kind, name, current, frozen, count in db.session.execute(union_all(per_response, per_theme_rows)):
        applies = stricter(current, frozen)
        if not counts_in_public(applies):
            continue
        if theme_id is not None:
            per_theme[theme_id] += count
            continue
        per_type[stakeholder_of(kind)] += count
        if applies == Publication.NAMED:
            named += [name] * count
    return Participation(total=sum(per_type.values()), per_type={s: per_type.get(s, 0) for s in STAKEHOLDERS},
                         per_theme={theme.id: per_theme.get(theme.id, 0) for theme in consultation.themes},
                         named=sorted(named))


class _Organisation(NamedTuple):
    """What the gate needs of a quoted answer's organisation to attribute it."""

    name: str
    kind: OrgKind


def report_quotes(consultation: Consultation, lot: Lot | None = None,
                  offered: dict[int, set[int]] | None = None) -> tuple[dict[int, list[str]], list[tuple]]:
    """Key quotes of answers that may be published (per question), and those left out with the reason.

    Only the latest submitted answer counts: a quote whose answer became confidential, or whose organisation
    chose not to publish, drops out by itself. One query reads every quote with what the gate needs of
    its answer (the current row of a submitted response, if there still is one), not the answers
    themselves; the gate decides once per answer, however many of its quotes there are. With ``lot``:
    a care provider's answer to this round is quoted only when it offered the lot (as the lot's figures
    count only those)."""
    # The answer is found by (question, current, response), one index entry per quote; the rounds
    # it may come from are checked on its response (a condition on the answer's consultation made
    # SQLite walk every current answer to the question for each quote). An answer row's consultation
    # is always its response's: submit() writes both from the response.
    answer = and_(SubmittedAnswer.response_id == Quote.response_id, SubmittedAnswer.question_id == Quote.question_id,
                  SubmittedAnswer.current.is_(True))
    rows = db.session.execute(
        select(Quote.id, Quote.question_id, Quote.text, Response.id.label("response"), Response.publication,
               SubmittedAnswer.publication.label("submitted"), SubmittedAnswer.confidential, Organisation.name,
               Organisation.kind, Theme.consultation_id.label("asked_in"))
        .outerjoin(SubmittedAnswer, answer)
        .outerjoin(Response, and_(Response.id == SubmittedAnswer.response_id,
                                  Response.status == ResponseStatus.SUBMITTED,
                                  Response.consultation_id.in_(round_consultation_ids(consultation))))
        .outerjoin(Organisation, Organisation.id == Response.organisation_id)
        .outerjoin(Question, Question.id == Quote.question_id).outerjoin(Theme, Theme.id == Question.theme_id)
        .where(Quote.consultation_id == consultation.id, Quote.question_id.is_not(None)).order_by(Quote.id))
    decided: dict[tuple[int, int], tuple[str | None, str | None]] = {}
    quotes: dict[int, list[str]] = {}
    left_out = []
    gone = None
    later = later_questions(consultation)  # a quote of an earlier round's answer: under this round's question
    if lot is not None and offered is None:  # (response id -> the lots it offered)
        offered = offered_lots_by_response(consultation)
    for quote in rows:
        if quote.response is None:
            gone = gone or _("the response was withdrawn or the answer was removed")
            left_out.append((quote, gone))
            continue
        if (lot is not None and quote.kind == OrgKind.PROVIDER and quote.asked_in == consultation.id
                and lot.id not in offered.get(quote.response, ())):
            continue  # (a lot's report: another lot's provider)
        key = (quote.response, quote.question_id)
        if key not in decided:
            publication = stricter(quote.publication, quote.submitted)
            withheld = withheld_answer(publication, quote.confidential, Audience.PUBLIC)
            decided[key] = (withheld_label(withheld), None) if withheld else (
                None, attribution(_Organisation(quote.name, quote.kind), publication, Audience.PUBLIC))
        reason, attributed = decided[key]
        if reason:
            left_out.append((quote, reason))
            continue
        if quote.question_id in later:
            question_id, number = later[quote.question_id]
            quotes.setdefault(question_id, []).append(f"“{quote.text}” ({with_round(attributed, number)})")
            continue
        if quote.asked_in != consultation.id:
            # An earlier round's answer whose question no question of this round is marked the same
            # as any more (the marks changed after it was quoted): no theme would show it.
            left_out.append((quote, _("it answers a question of an earlier round that no question of this round "
                                      "is marked as the same as any more")))
            continue
        quotes.setdefault(quote.question_id, []).append(f"“{quote.text}” ({attributed})")
    return quotes, left_out


def left_out_of_report(consultation: Consultation) -> list[tuple]:
    """For the team's report editor: the key quotes the report leaves out, each with the reason."""
    return report_quotes(consultation)[1]


def current_report(consultation: Consultation, report: Report | None = None, lot: Lot | None = None) -> DocumentModel:
    """The live report as ``build_report`` makes it, built once per change of its inputs: the model
    last built in this language is shown again while the code, the data (``data_stamp``) and the
    drafts whose comment period has ended are the same as when it was built. The stamp is read
    before the data, so a model is never older than its stamp.

    With ``REPORT_MODEL_CHECK`` (the tests) every stored model shown is compared with a new build,
    and a difference raises: any input the stamp misses fails the test that changed it.

    A lot's live report (the team's concept only; readers get the published version) is built each time."""
    if lot is not None:
        return build_report(consultation, report, lot)
    language = str(get_locale())
    stamp = f"{code_stamp()}:{data_stamp()}:{ended_drafts(consultation)}"
    kept = db.session.execute(select(ReportModel.id, ReportModel.stamp, ReportModel.model).where(
        ReportModel.consultation_id == consultation.id, ReportModel.language == language)).first()
    checking = current_app.config.get("REPORT_MODEL_CHECK")
    if kept is not None and kept.stamp == stamp and not checking:
        return model_from_dict(kept.model)
    # Built from the data as it is now: what this request loaded before the stamp was read (the
    # consultation, the report's texts) is read again, so the model is never older than its stamp.
    db.session.expire_all()
    model = build_report(consultation, report)
    if kept is not None and kept.stamp == stamp:  # the tests' check of a kept model
        if model_to_dict(model) != kept.model:
            raise StaleReportModel(consultation.slug, stamp)
        return model_from_dict(kept.model)
    values = {"stamp": stamp, "model": model_to_dict(model), "built_at": utcnow()}
    try:
        with db.session.begin_nested():
            if kept is None:
                db.session.add(ReportModel(consultation_id=consultation.id, language=language, **values))
            else:  # (gone meanwhile, by the nightly compaction: nothing to update)
                db.session.execute(update(ReportModel).where(ReportModel.id == kept.id).values(**values))
    except IntegrityError:  # a colleague stored it a moment ago
        pass
    return model


class StaleReportModel(AssertionError):
    def __init__(self, slug: str, stamp: str):
        super().__init__(f"the stored report of {slug} at stamp {stamp} differs from a new build: "
                         "an input of the report is missing from the data stamp")


def build_report(consultation: Consultation, report: Report | None = None, lot: Lot | None = None,
                 lot_figures: LotFigures | None = None) -> DocumentModel:
    """The report from the current data (the team's preview, and what publishing freezes). With
    ``lot``: the same report for one lot: its questions (and those asked of everyone), its Q&A items
    (and those about the whole consultation), and figures counting only the care providers that
    offered the lot when they submitted, under the same disclosure rules."""
    report = report or report_for(consultation) or Report(consultation_id=consultation.id)
    draft = draft_for(consultation)
    labelled = _labelled_links(draft)
    offered = Filters(lot_id=lot.id) if lot is not None else None
    # Figures from the answers grouped in SQL; of the answers themselves only the quoted ones.
    grouped = value_groups_by_question(consultation, offered=offered)
    # Organisations that chose not to publish count in nothing public, not even in the response figures.
    taking_part = participation(consultation, offered)
    municipalities = ", ".join(m.name for m in (lot.municipalities if lot is not None else consultation.municipalities))
    themes = [(number, theme, [(n, q) for n, q in enumerate(theme.questions, start=1) if lot is None or lot.covers(q)])
              for number, theme in enumerate(consultation.themes, start=1)]
    themes = [(number, theme, questions) for number, theme, questions in themes if questions or lot is None]
    definitive = report.published_at is not None
    blocks: list = []

    # 0. Cover (title and subtitle) and 1. summary.
    status = _("Final, version %(n)s", n=report.version) if definitive else _("Draft")
    date = format_day(report.published_at if definitive else report.updated_at)
    blocks += section(_("Summary"), report.summary or _("The summary has not been written yet."))
    dispositions = _DispositionLabels()
    if draft is not None:
        changes = [f"{label}: {dispositions[link.disposition].lower()} — {link.reason}"
                   for label, link in labelled if link.disposition.value != "not_adopted"]
        if changes:
            blocks.append(Paragraph(_("What changes in the procurement strategy:")))
            blocks.append(BulletList(changes))

    # 2. Introduction.
    blocks += section(_("Introduction"), report.introduction or _(
        "In a market consultation the municipalities ask care providers, advisory councils and others for their "
        "knowledge before they procure. Everyone had the same information and the same opportunity to respond "
        "(equal treatment and transparency); taking part gives no advantage in the procurement that follows."))

    # 3. Process and response.
    period = ""
    if consultation.opens_at and consultation.closes_at:
        # (The team's concept of a consultation still open says so.)
        period = (_("The consultation was open from %(start)s to %(end)s.", start=format_day(consultation.opens_at),
                    end=format_deadline(consultation.closes_at)) if consultation.status.is_closed else
                  _("The consultation is open from %(start)s to %(end)s.", start=format_day(consultation.opens_at),
                    end=format_deadline(consultation.closes_at)))
    blocks += section(_("Process and response"), period, _(
        "Organisations responded online, per theme; they could mark answers as confidential and choose whether "
        "their answers could be published with their name, without it, or not at all. Confidential answers and "
        "the answers of organisations that chose not to publish are not in this report, and the latter are not "
        "counted in it. Figures are shown only when at least %(n)s organisations answered, rounded, and never as "
        "a lowest, highest or middle value, since those are always one organisation's own figure.",
        n=min_group()), _(
        "This report is about the lot %(lot)s: its questions and those asked of everyone. Its figures count only "
        "the care providers that offered this lot when they submitted their response (advisory councils offer "
        "none); the report of the whole consultation counts everyone. A figure is left out where, set beside the "
        "figures of the whole consultation and of the other lots, it would single out a few organisations. The "
        "questions keep their numbers from the whole questionnaire.", lot=lot.name) if lot is not None else "",
        lot.description if lot is not None else "")
    blocks.append(Table(columns=[str(STAKEHOLDER_LABELS[s]) for s in STAKEHOLDERS] + [_("Total")],
                        rows=[[str(taking_part.per_type[s]) for s in STAKEHOLDERS] + [str(taking_part.total)]],
                        caption=_("Submitted responses per kind of organisation")))
    blocks.append(Table(columns=[_("Theme"), _("Responses")],
                        rows=[[theme.title, str(taking_part.per_theme[theme.id])] for _n, theme, _q in themes],
                        caption=_("Responses per theme")))
    blocks += rounds_blocks(consultation)

    # 4. Per theme: what we heard and what we do with it.
    syntheses = {(s.theme_id, s.question_id): s for s in db.session.scalars(
        select(Synthesis).where(Synthesis.consultation_id == consultation.id))}
    # (Publishing builds every lot's report in every language from one LotFigures.)
    guard = (lot_figures or LotFigures(consultation)) if lot is not None else None
    quotes, _left_out = report_quotes(consultation, lot, guard.lots_of if guard else None)
    links = _question_links(consultation, labelled, syntheses)
    for number, theme, questions in themes:
        blocks.append(Heading(f"{number}. {theme.title}", 2))
        theme_synthesis = syntheses.get((theme.id, None))
        if theme_synthesis and theme_synthesis.text:
            blocks += written(theme_synthesis.text)
        rows = []
        for q_number, question in questions:
            heard = syntheses.get((theme.id, question.id))
            heard_text = plain(heard.text) if heard and heard.text else _("No summary.")
            if quotes.get(question.id):
                heard_text += "\n" + "\n".join(quotes[question.id])
            question_links = links.get(question.id, [])
            response_text = "\n".join(f"{label}: {link.reason}" for label, link in question_links) or "—"
            changes_text = "\n".join(f"{dispositions[link.disposition]} ({label})"
                                     for label, link in question_links) or "—"
            rows.append([f"{number}.{q_number}", question.text, heard_text, response_text, changes_text])
        if rows:
            blocks.append(Table(columns=[_("No."), _("Question"), _("What we heard"), _("Response of the municipalities"),
                                         _("What changes")], rows=rows, caption=theme.title))

    # 5. Advice of the councils, point by point, with the reply.
    advices = published_advices(consultation)
    blocks.append(Heading(_("Advice of the advisory councils"), 2))
    if not advices:
        blocks.append(Paragraph(_("No advice has been published.")))
    for advice in advices:
        blocks.append(Heading(_("Advice of %(council)s", council=advice.council.name), 3))
        if advice.introduction:
            blocks += written(advice.introduction, level=4)
        blocks.append(Table(columns=[_("No."), _("Advice"), _("Reply of the municipality")],
                            rows=[[str(n), f"{p.title}: {plain(p.body)}", f"{dispositions[p.disposition]}: {plain(p.reply)}"]
                                  for n, p in enumerate(advice.points, start=1)]))

    # 5a. Comments on drafts open for comment, paragraph by paragraph, with the reply.
    blocks += drafts_blocks(consultation)

    # 5b. Dialogue sessions: what was said, the comments with answers and what was done with it.
    blocks += session_blocks(consultation, labelled, dispositions)

    # 6. Questions and answers.
    blocks.append(Heading(_("Questions and answers"), 2))
    qa_items = [item for item in published_items(consultation)
                if lot is None or item.lot is None or item.lot.id == lot.id]
    if not qa_items:
        blocks.append(Paragraph(_("No questions and answers have been published.")))
    # Translated once, not once per item: without variables gettext leaves the placeholder to fill.
    question_label, answer_label = _("Question %(n)s"), _("Answer")
    for item in qa_items:
        blocks += labelled_text(question_label % {'n': item.number}, item.question, level=3)
        blocks += labelled_text(answer_label, item.answer, level=3)

    # 7. The strategy draft.
    blocks.append(Heading(_("The procurement strategy"), 2))
    if draft is None:
        blocks.append(Paragraph(_("There is no strategy draft yet.")))
    else:
        blocks += strategy_blocks(draft, lot)
    # 7a. The tariffs of the chosen funding scenarios and how they were derived (the whole consultation's).
    if lot is None:
        blocks += _tariff_blocks(consultation)

    # 8. Next steps and contact; annexes.
    contact = ", ".join(v for v in (consultation.contact_name, consultation.contact_email, consultation.contact_phone) if v)
    blocks += section(_("Next steps and contact"), report.next_steps or _("The next steps have not been written yet."),
                      _("Contact: %(contact)s", contact=contact) if contact else "")
    blocks.append(Heading(_("Annex: the questionnaire"), 2))
    for number, theme, questions in themes:
        blocks.append(Paragraph(f"{number}. {theme.title}"))
        blocks.append(BulletList([f"{number}.{n} {q.text}" for n, q in questions]))
    named = taking_part.named
    blocks.append(Heading(_("Annex: participating organisations"), 2))
    blocks.append(Paragraph(ngettext("Organisations that agreed to be named; %(num)d other took part without its name.",
                                     "Organisations that agreed to be named; %(num)d others took part without their name.",
                                     taking_part.total - len(named))))
    if named:
        blocks.append(BulletList(named))
    blocks.append(Heading(_("Annex: figures"), 2))
    blocks.append(Paragraph(_(
        "Only answers that may be published count, and confidential figures only where the question said so "
        "beforehand. Averages are rounded and ranges are rounded outwards; the lowest, highest and middle "
        "answers are never shown.")))
    for _number, _theme, questions in themes:
        for _n, question in questions:
            answers = grouped.get(question.id, [])
            # A ranking, matrix or price table: each row on its own (a ranking's places all or none).
            places = question.kind != QuestionKind.RANKING or ranking_shown(question, answers)
            for part, part_answers in (question_parts(question, answers) if question.kind.composite
                                       else [(question, answers)]):
                if getattr(part, "detail", False):  # a cost-price sheet's components: the team's and the benchmark's
                    continue
                caption = question.text if part is question else f"{question.text} — {part.label}"
                blocks += _figure_blocks(part, caption, part_answers,
                                         allowed=places and (guard is None or guard.may_publish(lot.id, part)))
    title = _("Consultation report: %(title)s", title=consultation.title)
    if lot is not None:
        title = _("Consultation report: %(title)s, lot %(lot)s", title=consultation.title, lot=lot.name)
    return DocumentModel(
        title=title, subtitle=" · ".join(part for part in (municipalities, status, date) if part), blocks=blocks,
        filename_stem=f"consultatieverslag-{consultation.slug}" + (f"-perceel-{lot.id}" if lot is not None else ""),
        contents_title=_("Contents"), language=str(get_locale()))


def _tariff_blocks(consultation: Consultation) -> list:
    """The tariffs of the chosen funding scenarios and how they were derived, as the disclosure gate
    makes them (rounded up, never one provider's cost price); a tariff the gate withholds is left out."""
    chosen = [(scenario, tariff) for scenario, tariff, _n in chosen_tariffs(consultation) if tariff.shown]
    if not chosen:
        return []
    blocks: list = [Heading(_("Tariffs"), 2)]
    for scenario, tariff in chosen:
        unit = dict(scenario.question.rows).get(scenario.product) or _("unit")
        if scenario.basis.value == "percentile":
            how = _("the %(p)sth percentile of the cost prices of %(n)s care providers", p=scenario.percentile,
                    n=tariff.organisations)
        else:
            how = _("the mean of the cost prices of %(n)s care providers, weighted by the volume each expects",
                    n=tariff.organisations)
        blocks.append(Paragraph(_(
            "%(product)s: %(amount)s per %(unit)s, funded as price × quantity. Derived as %(how)s, rounded up to "
            "multiples of %(step)s; indexed by %(index)s %% a year over %(years)s years.",
            product=scenario.product, amount=format_amount(tariff.value), unit=unit, how=how,
            step=format_amount(tariff.step), index=format_number(scenario.indexation), years=scenario.years)))
    return blocks


def _figure_blocks(question, caption: str, answers: list, allowed: bool = True) -> list:
    """The annex's figures of a question (or of one row of a ranking, matrix or price table), as the
    disclosure rules allow: a table, a sentence why they are not shown, or nothing without answers.
    Not ``allowed`` (a lot's figure that would give a small group away): too few to show."""
    if not answers or not question.kind.aggregates:  # (an open question with answers of an earlier kind)
        return []
    if not allowed:
        return [Paragraph(f"{caption}: " + _("too few responses to show."))]
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.SCALE):
        figures = public_distribution_figures(question, answers)
        if not figures.shown:
            return [Paragraph(f"{caption}: " + _("too few responses to show."))]
        groups = [str(STAKEHOLDER_LABELS[g]) for g in figures.groups]
        return [Table(columns=[_("Answer")] + groups + [_("Organisations in all")],
                      rows=[[option] + [str(figures.counts[g][option]) for g in figures.groups]
                            + [str(figures.totals[option])] for option in figures.options], caption=caption)]
    if question.kind == QuestionKind.NUMBER:
        figures = public_number_figures(question, answers)
        if not figures.shown:
            return [Paragraph(f"{caption} — {public_numbers_text(figures, question.unit)}")]
        return [Table(
            columns=[_("Organisations"), _("Average, rounded"), _("Middle half of the organisations"),
                     _("Rounded to a multiple of")],
            rows=[[str(figures.organisations), _amount(figures.mean, question.unit),
                   _("%(low)s to %(high)s", low=_amount(figures.low, question.unit),
                     high=_amount(figures.high, question.unit)), _amount(figures.step, "")]],
            caption=f"{caption} ({question.unit})" if question.unit else caption)]
    return []


def _amount(value: float, unit: str) -> str:
    return with_unit(format_number(value), unit)


def _labelled_links(draft) -> list[tuple[str, object]]:
    """The draft's evidence links, each with where it points (named once per link)."""
    if draft is None:
        return []
    labels, links = part_labels(draft), links_for(draft)
    # The earlier rounds' numbers only when a link names one.
    rounds = round_numbers(draft.consultation) if any(link.source_type == "earlier_round" for link in links) else {}
    return [(evidence_label(labels, link, rounds), link) for link in links]


class _DispositionLabels(dict):
    """A disposition's label, translated once per report rather than once per link or point."""

    def __missing__(self, disposition):
        self[disposition] = label = disposition.label
        return label
