"""The procurement strategy as a document (ODT, PDF, DOCX through ``consult/core/documents.py``);
the consultation report includes the same blocks."""
from __future__ import annotations

from flask_babel import get_locale, pgettext
from flask_babel import gettext as _

from consult.consultations.models import Consultation
from consult.core.documents import (
    BulletList,
    DocumentModel,
    Heading,
    Paragraph,
    Table,
    labelled_text,
    plain_paragraphs,
    section,
)
from consult.strategy.services import live_segments, local_choice_text


def strategy_blocks(draft, lot=None) -> list:
    """The general part, the overview grid and every segment (with ``lot``: the segments of that lot
    and those tied to none), each with its lot and its municipalities' local choices."""
    blocks: list = []
    if draft.principles:
        blocks += section(_("Guiding principles"), draft.principles, level=3, markdown=True)
    if draft.change_tasks:
        blocks += section(_("Change tasks"), draft.change_tasks, level=3, markdown=True)
    segments = [s for s in live_segments(draft) if lot is None or s.lot_id in (None, lot.id)]
    with_lots = any(s.lot_id for s in segments)
    lot_label = pgettext("procurement lot", "Lot")
    blocks.append(Table(columns=[_("Segment"), *([lot_label] if with_lots else []), _("Organisation form"),
                                 _("Number of providers"), _("Funding form"), _("Contract duration")],
                        rows=[[s.name, *([s.lot.name if s.lot else "—"] if with_lots else []),
                               s.organisation_form.label if s.organisation_form else "—",
                               s.providers_label or "—", s.funding_form.label if s.funding_form else "—",
                               s.duration or "—"] for s in segments], caption=_("The segments at a glance")))
    for segment in segments:
        blocks.append(Heading(segment.name, 3))
        if segment.lot:
            blocks.append(Paragraph(f"{lot_label}: {segment.lot.name}"))
        if choices := segment.choices_in_scope:
            blocks.append(Paragraph(_("Local choices per municipality") + ":"))
            blocks.append(BulletList([local_choice_text(choice) for choice in choices]))
        # (label, text, whether the pages show it as Markdown)
        details = [(_("Services in this segment"), segment.services, True),
                   (_("Explanation of the organisation form"), segment.organisation_form_explanation, False),
                   (_("Process"), segment.process, True),
                   (_("Explanation of the funding form"), segment.funding_explanation, False),
                   (_("Extension options"), segment.extension, False), (_("Tariff approach"), segment.tariff, False),
                   (_("Rationale"), segment.rationale, True)]
        for label, text, markdown in details:
            if text and markdown:
                blocks += labelled_text(label, text)
            elif text:
                blocks.append(Paragraph(f"{label}: " + "\n\n".join(plain_paragraphs(text))))
        for label, values in [(_("Suitability requirements"), segment.suitability),
                              (_("Award criteria"), segment.award_criteria), (_("KPIs to monitor"), segment.kpis)]:
            if values:
                blocks.append(Paragraph(f"{label}:"))
                blocks.append(BulletList(list(values)))
    return blocks


def build_strategy_document(consultation: Consultation, draft) -> DocumentModel:
    status = draft.adopted_name or draft.status.label
    municipalities = ", ".join(m.name for m in consultation.municipalities)
    return DocumentModel(title=_("Procurement strategy: %(title)s", title=consultation.title),
                         subtitle=f"{municipalities} · {status}", blocks=strategy_blocks(draft),
                         filename_stem=f"inkoopstrategie-{consultation.slug}", language=str(get_locale()))
